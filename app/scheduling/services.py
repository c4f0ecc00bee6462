"""The rules of visits and series, free of GraphQL: their stores.

Both copy what a visit shows of other records when it is written (schedule_store.py). A visit is
checked for conflicts when booked or moved (conflicts.py, bookings.py); a series books its
visits, and rebooks them when its rule or template changes (series.py); the particular edits of
a series (this and following, one occurrence, the rest) are series_edits.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.clock import now
from app.common.patch import patched
from app.common.services import Actor, RawDoc, encode, item_path, snapshot_id, validated
from app.data.records import Also
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.scheduling import series
from app.scheduling.bookings import check_within, checking_within, rechecked
from app.scheduling.conflicts import guard_visits
from app.scheduling.documents import Event, EventGroup, as_utc
from app.scheduling.schedule_store import Read, ScheduleStore
from app.scheduling.series import REBOOKING, SeriesChange, ended_before, horizon, live_visits

HAPPENED = ("start", "end", "patient")
"""What a visit that was clocked or invoiced keeps: its punchcard bills and pays against it."""
MOVES = ("start", "end", "attendees", "patient", "status")
"""The changes of a visit that may book someone's time anew (see bookings.rechecked)."""


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
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        raws = await self.prepared(actor, items, prefix)
        paths = [item_path(prefix, n) for n in range(len(raws))]
        checked = checking_within(raws, paths) if self.checks_conflicts else None
        return await self.insert_new(actor, raws, also=_both(checked, also))

    async def prepared(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
    ) -> list[RawDoc]:
        """New visits ready to insert, checked for conflicts with the account's visits and
        with each other."""
        raws = await self.filled(actor, items, prefix)
        if self.checks_conflicts:
            paths = [item_path(prefix, n) for n in range(len(raws))]
            await guard_visits(self.scope(actor), raws, paths)
        return raws

    async def filled(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        read: Read | None = None,
    ) -> list[RawDoc]:
        """New visits ready to insert but for the conflict check: a series' visits, checked
        in the transaction that writes them (series.write_plan). `read`: what their series
        read to fill itself, if the caller has it."""
        raws, _ = await self.prepared_reading(actor, items, prefix, read)
        return raws

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        await self._refuse_moving_what_happened(actor, key, changes)
        if self.checks_conflicts and any(name in changes for name in (*MOVES, "conflict_override")):
            changes = await self._checked_move(actor, key, revision, changes)
        return await super().update(actor, key, revision, changes, also)

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
        reason = (await series.kept_reasons(self.scope(actor), [current])).get(key)
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
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        unchecked = {**self.stored_fields(current), "conflict_override": None}
        moved = encode(validated(self.model, patched(unchecked, changes, self.model), changes))
        if "conflict_override" not in changes and not rechecked(current, moved):
            return changes
        await guard_visits(self.scope(actor), [moved], ["input"])
        return {**changes, "conflict_override": moved.get("conflict_override")}

    async def restore(self, actor: Actor, key: Any, also: Also | None = None) -> RawDoc:
        """Restore a deleted visit, if it is still free of conflicts: the time it took may have
        been booked since. An override it carries still stands (it is kept as recorded)."""
        if self.checks_conflicts:
            current = await self.get(actor, key)
            if current.get("_deleted"):
                # a copy: the check records on an overridden visit what it overrode
                restored = {**current, "_deleted": False}
                await guard_visits(self.scope(actor), [restored], ["id"], ignore=[key])
        return await super().restore(actor, key, also)

    def validate_new(self, actor: Actor, data: dict[str, Any]) -> Any:
        stamp = {"created_user": actor.user_id, **self._stamp(actor)}
        return super().validate_new(actor, {**data, **stamp})

    def _stamp(self, actor: Actor) -> dict[str, Any]:
        return {"last_updated_user": actor.user_id}

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        # a deleted visit of a series takes its occurrence out (EXDATE), so no series edit or
        # extension books it again; restoring it puts the occurrence back
        await super().written(tx, before, after)
        # a move, a person added, a visit put back: checked again in this transaction
        if self.checks_conflicts and rechecked(before, after):
            await check_within(tx, [after], ["input"])
        occurrence, deleted = after.get("series_start"), after.get("_deleted")
        if after.get("_group") is None or occurrence is None or deleted == before.get("_deleted"):
            return
        change = {"$addToSet" if deleted else "$pull": {"excluded": occurrence}}
        await tx["eventsgroups"].update_one(
            {"_id": after["_group"]}, {**change, "$inc": {"_revision": 1}}
        )

    def _marks(self, current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
        # a visit of a series changed on its own is an exception: series edits leave it be
        booked_by_series = current.get("_group") is not None and current.get("series_start")
        return {"series_exception": True} if booked_by_series and changes else {}


DAY = dt.timedelta(days=1)
"""Visits started up to a day before an edit take effect keep their day (today's visit)."""


class EventGroupStore(ScheduleStore):
    """Series of visits, read in the account's time zone unless they name their own.

    Creating a series books its visits up to the account's horizon in the same transaction;
    changing its rule or template rebooks its future visits (see `series.py`), in the
    transaction of the change.
    """

    checks_conflicts: bool = True
    """Whether booked visits are checked for conflicts: off for the series horizon job only."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        # the series' visits name the records the series names: read once, for both
        groups, read = await self.prepared_reading(actor, items, prefix)
        plan = await series.book_new(self.events(), actor, read, groups, prefix)
        booking = series.inserting(plan, self.checks_conflicts)
        return await self.insert_new(actor, groups, also=_both(booking, also))

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        return (await self.change(actor, key, revision, changes, also=also)).group

    async def change(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        *,
        since: dt.datetime | None = None,
        successor: RawDoc | None = None,
        reason: str = "Changed with its series.",
        also: Also | None = None,
    ) -> SeriesChange:
        """Update a series; if its rule or template changed, rebook its visits from `since`
        (now by default) in the same transaction, under the series itself or under a
        `successor` (a new series, inserted with them)."""
        current = await self.get(actor, key)
        if successor is None and not REBOOKING & set(changes):
            return SeriesChange(group=await self.revise(actor, current, revision, changes, also))
        bound = as_utc(current.get("materialised_until")) or horizon(
            await self.account(actor), now()
        )
        events, result = self.events(), SeriesChange(group={})
        marks: dict[str, Any] = {}

        async def rebooking(tx: Tx) -> None:
            start = max(since or now(), now())
            # read in the transaction: what is kept is judged on what the writes will replace
            visits = await live_visits(tx, key, start - DAY)
            group = await tx[self.collection_name].find_one({"_id": key})  # as just changed
            assert group is not None
            plan = await series.rebook(tx, events, successor or group, start, bound, visits)
            if successor is not None:
                successor["ended"] = ended_before(successor, bound)
                await self.insert(tx, [successor])
            replaced = [*(old["_id"] for old, _ in plan.replace), *(v["_id"] for v in plan.remove)]
            again = replaced if events.checks_conflicts else None
            await series.write_plan(tx, plan, reason, recheck=again)
            until = as_utc(group.get("materialised_until")) or bound
            marks.update(materialised_until=until, ended=ended_before(group, until))
            await tx[self.collection_name].update_one({"_id": key}, {"$set": marks})
            result.booked = [*plan.create, *(new for _, new in plan.replace)]
            result.removed, result.kept = plan.remove, plan.kept
            if also is not None:
                await also(tx)

        result.group = {**await self.revise(actor, current, revision, changes, rebooking), **marks}
        result.successor = successor
        return result

    def events(self) -> EventStore:
        """The store of the series' visits, checking conflicts as this store does."""
        return event_store(self.database, check_conflicts=self.checks_conflicts)

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


def _both(first: Also | None, then: Also | None) -> Also | None:
    """One function for what must commit with a write: `first`, then `then`."""
    if first is None or then is None:
        return first or then

    async def both(tx: Tx) -> None:
        await first(tx)
        await then(tx)

    return both
