"""What visits and series share when they are written: the account's defaults and the copies
they keep of other records.

Both copy what a visit shows of other records when it is written: the patient's name and
primary address (from `patients`), each attendee's name (from `users`), and the service's
description and rates (from the account's services) when not given. An attendee's pay rate
defaults to their own rate for the service, else the service's; a new visit or series without
a location takes the patient's primary address. Every id inside a subdocument (patient,
attendees, billing client) must name a record of the same account: the shared store checks
top-level references only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.common.patch import patched
from app.common.services import Actor, RawDoc, decode, item_path, snapshot_id
from app.data.records import MAX_IMPORT, Also, Known, RecordStore
from app.errors import ErrorCode, Problem, ServiceError
from app.scheduling.copies import copied_attendee, copied_patient, copied_service
from app.scheduling.documents import derived_keys
from app.scheduling.scheduled_documents import EventService

FILLED = ("patient", "attendees", "service", "billing")
"""The fields whose copies are refreshed, or whose references are checked, when written."""


Referred = dict[str, dict[Any, RawDoc]]
"""Records new visits or series name, by collection and id, as the writer may see them."""


@dataclass(frozen=True)
class Read:
    """What filling new visits or series reads: the account (`ScheduleStore.account`) and the
    records they name (`ScheduleStore.referred`). A new series hands its own to its visits,
    which name the same records."""

    account: RawDoc
    referred: Referred


class ScheduleStore(RecordStore):
    """Events and event groups: snapshots copied and nested references checked on every write."""

    async def prepare_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        known: Known = None,
    ) -> list[RawDoc]:
        # every new visit or series is filled and checked, however it is made
        return await self.prepared(actor, items, prefix)

    async def prepared(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
    ) -> list[RawDoc]:
        """New records ready to insert: the account's defaults, snapshots copied, validated,
        references checked and encoded, not yet written. Every new visit passes here, booked
        one by one or by a series. The rates the caller gives are refused unless its role may
        write them; those copied in from the account (or a series) are the rules'."""
        raws, _ = await self.prepared_reading(actor, items, prefix)
        return raws

    async def prepared_reading(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        read: Read | None = None,
    ) -> tuple[list[RawDoc], Read]:
        """`prepared`, and what it read to fill them; `read`: that, if the caller has it."""
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        self.refuse_unwritable(actor, items, prefix)
        account = read.account if read else await self.account(actor)
        items = [self._defaults(account, item) for item in items]
        referred = read.referred if read else await self.referred(actor, items)
        filled = await self._fill(actor, account, items, prefix, [None] * len(items), referred)
        # the records the snapshots were copied from were read through the same rows: their
        # references are not looked up again
        raws = await super().prepare_many(actor.computing(), filled, prefix, referred)
        return raws, Read(account, referred)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        return await self.revise(actor, await self.get(actor, key), revision, changes, also)

    async def revise(
        self,
        actor: Actor,
        current: RawDoc,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        """`update` of a record the caller has just read (`current`), its copies refreshed."""
        # what the caller gives is checked; the rates copied in below are the account's
        self.refuse_unwritable(actor, [changes], None)
        changes = {**changes, **self._marks(current, changes)}
        if any(name in changes for name in (*FILLED, "timezone")):
            account = await self.account(actor)
            changes = self._defaults(account, changes, creating=False)
            (changes,) = await self._fill(actor, account, [changes], None, [decode(current)])
        # derived fields are recomputed by the model; naming them here stores the new values
        changes.update(dict.fromkeys(derived_keys(self.model)))
        changes = {**changes, **self._stamp(actor)}
        return await super().update(actor.computing(), current["_id"], revision, changes, also)

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

    async def account(self, actor: Actor) -> RawDoc:
        """What of the account visits and series take: its services (with the rates the caller
        may not read: a visit copies them) and settings."""
        found = (
            await self.scope(actor)
            .unmasked()["accounts"]
            .find_one(
                {"_id": actor.account_id}, {"services": 1, "settings": 1, "scheduler_settings": 1}
            )
        )
        return decode(found or {})

    async def _found(
        self, collection: str, actor: Actor, ids: Iterable[Any], fields: dict[str, int]
    ) -> dict[Any, RawDoc]:
        # whole records the caller may see: a visit copies an attendee's own pay rate
        found = await self.scope(actor).unmasked()[collection].by_ids(ids, fields)
        return {key: decode(doc) for key, doc in found.items()}

    async def referred(self, actor: Actor, items: list[dict[str, Any]]) -> Referred:
        """The patients, attendees and clients the items name, as the caller may see them."""
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
        return {"patients": patients, "users": users, "clients": clients}

    async def _fill(
        self,
        actor: Actor,
        account: RawDoc,
        items: list[dict[str, Any]],
        prefix: str | None,
        stored: list[RawDoc | None],
        referred: Referred | None = None,
    ) -> list[dict[str, Any]]:
        """The items with their snapshots copied in, or the references that name nothing;
        `referred`: the records they name, when the caller has just read them."""
        referred = referred or await self.referred(actor, items)
        patients, users, clients = (referred[name] for name in ("patients", "users", "clients"))
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
                # a patch of the service: what it leaves out stays, unless its code changes
                given = patched((current or {}).get("service") or {}, item["service"], EventService)
                item["service"] = copied_service(given, services, where, problems)
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
