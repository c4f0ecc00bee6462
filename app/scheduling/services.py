"""The rules of visits and series, free of GraphQL.

Both stores copy what a visit shows of other records when it is written: the patient's name and
primary address (from `patients`), each attendee's name (from `users`), and the service's
description and rates (from the account's services) when not given. An attendee's pay rate
defaults to their own rate for the service, else the service's; a new visit or series without
a location takes the patient's primary address. Every id inside a subdocument (patient,
attendees, billing client) must name a record of the same account: the shared store checks
top-level references only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from app.common.services import (
    Actor,
    RawDoc,
    check_references,
    decode,
    encode,
    item_path,
    problems_from_many,
    snapshot_id,
    validated,
)
from app.common.store import MAX_IMPORT, RecordStore, records_by_id
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.scheduling import series, series_edits
from app.scheduling.bookings import check_within, checking_within, rechecked
from app.scheduling.conflicts import guard_visits
from app.scheduling.copies import copied_attendee, copied_patient, copied_service
from app.scheduling.documents import Event, EventGroup, as_utc, derived_keys

FILLED = ("patient", "attendees", "service", "billing")
"""The fields whose copies are refreshed, or whose references are checked, when written."""
HAPPENED = ("start", "end", "patient")
"""What a visit that was clocked or invoiced keeps: its punchcard bills and pays against it."""
MOVES = ("start", "end", "attendees", "patient", "status")
"""The changes of a visit that may book someone's time anew (see bookings.rechecked)."""


class ScheduleStore(RecordStore):
    """Events and event groups: snapshots copied and nested references checked on every write."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        return await self.insert_new(actor, await self.prepared(actor, items, prefix))

    async def prepared(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        """New records ready to insert: the account's defaults, snapshots copied, validated,
        references checked and encoded, not yet written. Every new visit passes here, booked
        one by one or by a series."""
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        account = await self._account(actor)
        items = [self._defaults(account, item) for item in items]
        filled = await self._fill(actor, account, items, prefix, [None] * len(items))
        documents = problems_from_many(self._validate_new, actor, filled, prefix)
        await check_references(self._collection_of, actor.account_id, self.model, filled, prefix)
        return [self._new(actor, document) for document in documents]

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        changes = {**changes, **self._marks(current, changes)}
        if any(name in changes for name in (*FILLED, "timezone")):
            account = await self._account(actor)
            changes = self._defaults(account, changes, creating=False)
            (changes,) = await self._fill(actor, account, [changes], None, [decode(current)])
        # derived fields are recomputed by the model; naming them here stores the new values
        changes.update(dict.fromkeys(derived_keys(self.model)))
        return await super().update(actor, key, revision, {**changes, **self._stamp(actor)})

    def _stamp(self, actor: Actor) -> dict[str, Any]:
        """Who made this change, for the record types that keep it."""
        return {}

    def _marks(self, current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
        """What a change says about the record beyond itself (a visit leaving its series)."""
        return {}

    def _defaults(
        self, account: RawDoc, data: dict[str, Any], creating: bool = True
    ) -> dict[str, Any]:
        """Values taken from the account when not given."""
        return data

    async def _account(self, actor: Actor) -> RawDoc:
        found = await self.database.db.accounts.find_one(
            {"_id": actor.account_id}, {"services": 1, "settings": 1, "scheduler_settings": 1}
        )
        return decode(found or {})

    async def _found(
        self, collection: str, actor: Actor, ids: Iterable[Any], fields: dict[str, int]
    ) -> dict[Any, RawDoc]:
        found = await records_by_id(self.database, collection, actor.account_id, ids, fields)
        return {key: decode(doc) for key, doc in found.items()}

    async def _fill(
        self,
        actor: Actor,
        account: RawDoc,
        items: list[dict[str, Any]],
        prefix: str | None,
        stored: list[RawDoc | None],
    ) -> list[dict[str, Any]]:
        """The items with their snapshots copied in, or the references that name nothing."""
        patients = await self._found(
            "patients",
            actor,
            (snapshot_id(item.get("patient")) for item in items),
            {"name": 1, "locations": 1},
        )
        users = await self._found(
            "users",
            actor,
            (
                attendee.get("user")
                for item in items
                for attendee in item.get("attendees") or []
                if isinstance(attendee, dict)
            ),
            {"name": 1, "services": 1},
        )
        clients = await self._found(
            "clients",
            actor,
            ((item.get("billing") or {}).get("client") for item in items),
            {"_id": 1},
        )
        services = {s["code"]: s for s in account.get("services") or []}
        problems: list[Problem] = []
        filled = []
        for index, (item, current) in enumerate(zip(items, stored, strict=True)):
            where = item_path(prefix, index)
            item = dict(item)
            if isinstance(item.get("patient"), dict):
                item["patient"] = copied_patient(item["patient"], patients, where, problems)
                if current is None and item.get("location") is None:
                    item["location"] = item["patient"].get("location")
            if isinstance(item.get("service"), dict):
                item["service"] = copied_service(item["service"], services, where, problems)
            client = (item.get("billing") or {}).get("client")
            if client is not None and client not in clients:
                problems.append(
                    Problem(
                        "No Client with this id.", ErrorCode.NOT_FOUND, f"{where}.billing.client"
                    )
                )
            service = item["service"] if "service" in item else (current or {}).get("service")
            if isinstance(item.get("attendees"), list):
                item["attendees"] = [
                    copied_attendee(attendee, users, service, f"{where}.attendees.{n}", problems)
                    for n, attendee in enumerate(item["attendees"])
                ]
            filled.append(item)
        if problems:
            raise ServiceError(*problems)
        return filled


class EventStore(ScheduleStore):
    """Visits, which also keep the user who created and last changed them. Every new visit,
    and every change that books someone's time anew (bookings.rechecked), is checked for
    schedule conflicts: refused with SCHEDULE_CONFLICT errors unless it carries an override,
    which then records what it overrode. The check runs again inside the write's transaction,
    holding each attendee's schedule (bookings.py), so two bookings at once cannot both pass.
    `checks_conflicts=False` is for the series horizon job only, which books what series
    already promise (clashes since are for `scheduleConflicts` to list)."""

    checks_conflicts: bool = True

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        raws = await self.prepared(actor, items, prefix)
        paths = [item_path(prefix, n) for n in range(len(raws))]
        checked = checking_within(self.database, actor.account_id, raws, paths)
        return await self.insert_new(actor, raws, also=checked if self.checks_conflicts else None)

    async def prepared(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        ignore: Collection[ObjectId] = (),
    ) -> list[RawDoc]:
        """New visits ready to insert, checked for conflicts with the account's visits (but
        `ignore`: the visits they replace) and with each other."""
        raws = await super().prepared(actor, items, prefix)
        if self.checks_conflicts:
            paths = [item_path(prefix, n) for n in range(len(raws))]
            await guard_visits(self.database, actor, raws, paths, ignore=ignore)
        return raws

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        await self._refuse_moving_what_happened(actor, key, changes)
        if self.checks_conflicts and any(name in changes for name in (*MOVES, "conflict_override")):
            changes = await self._checked_move(actor, key, revision, changes)
        return await super().update(actor, key, revision, changes)

    async def _refuse_moving_what_happened(
        self, actor: Actor, key: Any, changes: dict[str, Any]
    ) -> None:
        """A visit a caregiver clocked in for, or that is invoiced, keeps its times and patient:
        its punchcard bills and pays against them (correct the punchcard instead)."""
        current = await self.get(actor, key)
        moved = [
            name
            for name in HAPPENED
            if name in changes and _compared(changes[name]) != _compared(current.get(name))
        ]
        if not moved:
            return
        reason = (await series.kept_reasons(self.database, actor.account_id, [current])).get(key)
        if reason in (series.KeptReason.CLOCKED, series.KeptReason.INVOICED):
            raise ServiceError.one(
                f"This visit is {reason.value}: its {moved[0]} no longer changes; correct its "
                "punchcard instead.",
                ErrorCode.INVALID_STATE,
                f"input.{moved[0]}",
            )

    async def _checked_move(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """The changes with the override recorded (or cleared: an override given for an
        earlier move does not cover this one), after checking the visit as it would be. A
        change that books nothing new (see `rechecked`) and gives no override is not checked,
        and the visit keeps its override."""
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        self._check_not_deleted(current)
        before = self.model.model_validate(decode(current)).model_dump()
        moved = encode(validated(self.model, {**before, "conflict_override": None, **changes}))
        if "conflict_override" not in changes and not rechecked(current, moved):
            return changes
        await guard_visits(self.database, actor, [moved], ["input"])
        return {**changes, "conflict_override": moved.get("conflict_override")}

    async def restore(self, actor: Actor, key: Any) -> RawDoc:
        """Restore a deleted visit, if it is still free of conflicts: the time it took may have
        been booked since. An override it carries still stands (it is kept as recorded)."""
        if self.checks_conflicts:
            current = await self.get(actor, key)
            if current.get("_deleted"):
                # a copy: the check records on an overridden visit what it overrode
                restored = {**current, "_deleted": False}
                await guard_visits(self.database, actor, [restored], ["id"], ignore=[key])
        return await super().restore(actor, key)

    def _validate_new(self, actor: Actor, data: dict[str, Any]) -> Any:
        stamp = {"created_user": actor.user_id, **self._stamp(actor)}
        return super()._validate_new(actor, {**data, **stamp})

    def _stamp(self, actor: Actor) -> dict[str, Any]:
        return {"last_updated_user": actor.user_id}

    async def written(self, session: AsyncClientSession, before: RawDoc, after: RawDoc) -> None:
        # a deleted visit of a series takes its occurrence out (EXDATE), so no series edit or
        # extension books it again; restoring it puts the occurrence back
        await super().written(session, before, after)
        # a move, a person added, a visit put back: checked again in this transaction
        if self.checks_conflicts and rechecked(before, after):
            await check_within(session, self.database, after["_account"], [after], ["input"])
        occurrence, deleted = after.get("series_start"), after.get("_deleted")
        if after.get("_group") is None or occurrence is None or deleted == before.get("_deleted"):
            return
        change = {"$addToSet" if deleted else "$pull": {"excluded": occurrence}}
        await self.database.db.eventsgroups.update_one(
            {"_id": after["_group"], "_account": after["_account"]},
            {**change, "$inc": {"_revision": 1}},
            session=session,
        )

    def _marks(self, current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
        # a visit of a series changed on its own is an exception: series edits leave it be
        booked_by_series = current.get("_group") is not None and current.get("series_start")
        return {"series_exception": True} if booked_by_series and changes else {}


After = Callable[[AsyncClientSession, RawDoc], Awaitable[None]]


class EventGroupStore(ScheduleStore):
    """Series of visits, read in the account's time zone unless they name their own.

    Creating a series books its visits up to the account's horizon in the same transaction;
    changing its rule or template rebooks its future visits (see `series.py`).
    """

    checks_conflicts: bool = True
    """Whether booked visits are checked for conflicts: off for the series horizon job only."""
    after_update: After | None = None
    """What must commit with the next update (set by the series edits, for one call)."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        groups = await self.prepared(actor, items, prefix)
        account = await self._account(actor)
        visits = await series.book_new(self.events(), actor, account, groups, prefix)
        return await self.insert_new(
            actor,
            groups,
            also=series.inserting(self.database, actor, visits, self.checks_conflicts),
        )

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        changed = await series_edits.change(self, self.events(), actor, key, revision, changes)
        return changed.group

    def events(self) -> EventStore:
        """The store of the series' visits, checking conflicts as this store does."""
        return event_store(self.database, check_conflicts=self.checks_conflicts)

    async def update_with(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any], after: After | None
    ) -> RawDoc:
        """A revision-checked update, with `after` committing in its transaction."""
        self.after_update = after
        try:
            return await super().update(actor, key, revision, changes)
        finally:
            self.after_update = None

    async def written(self, session: AsyncClientSession, before: RawDoc, after: RawDoc) -> None:
        if self.after_update is not None:
            await self.after_update(session, after)

    def _defaults(
        self, account: RawDoc, data: dict[str, Any], creating: bool = True
    ) -> dict[str, Any]:
        if data.get("timezone") is None and (creating or "timezone" in data):
            zone = (account.get("settings") or {}).get("timezone") or "UTC"
            return {**data, "timezone": zone}
        return data


def event_store(database: Database, *, check_conflicts: bool = True) -> EventStore:
    store = EventStore(database, Event, "Event")
    store.checks_conflicts = check_conflicts
    return store


def event_group_store(database: Database, *, check_conflicts: bool = True) -> EventGroupStore:
    store = EventGroupStore(database, EventGroup, "EventGroup")
    store.checks_conflicts = check_conflicts
    return store


def _compared(value: Any) -> Any:
    """A stored or given value as compared for a change: times in UTC, a patient by its id."""
    if isinstance(value, dt.datetime):
        return as_utc(value)
    return snapshot_id(value) if isinstance(value, dict) else value
