"""One caller's view of the database: every collection limited to the caller's account.

A `Scope` is the only way a domain reaches records. Its collections add `_account` to every
filter, every insert, every update's filter and the first `$match` of every aggregation, and
refuse what they cannot scope (a filter naming another account, a pipeline that reads or
writes another collection). Every read also passes through the caller's row policy
(app/data/rows.py) and leaves out the fields the caller may not read (app/data/fields.py),
both made from one policy table (app/data/policy.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from app.common.services import Actor
from app.data.collections import FieldPolicy, ScopedCollection, ScopeError, every_field
from app.data.fields import masks_for
from app.data.policy import BOOKED_DAYS
from app.data.policy_checks import is_caregiver
from app.data.rows import RowPolicy, remember_booked, rows_for, whole_account
from app.data.unit import Tx
from app.db import Database, RawDoc

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The database as one actor of one account sees it: reads through its row policy."""

    database: Database
    actor: Actor
    rows: RowPolicy = field(default=None)  # type: ignore[assignment]
    """Which rows each collection shows; by default the actor's role's (rows.rows_for)."""
    fields: FieldPolicy = field(default=None)  # type: ignore[assignment]
    """Which stored paths each collection leaves out; by default those the actor's role may
    not read (fields.masks_for)."""

    def __post_init__(self) -> None:
        if self.rows is None:
            object.__setattr__(self, "rows", rows_for(self.actor))
        if self.fields is None:
            object.__setattr__(self, "fields", masks_for(self.actor))

    @property
    def account_id(self) -> int:
        return self.actor.account_id

    def __getitem__(self, collection: str) -> ScopedCollection:
        return self.collection(collection)

    def collection(self, name: str, session: AsyncClientSession | None = None) -> ScopedCollection:
        raw = self.database.db[name]
        return ScopedCollection(raw, self.account_id, self.rows, session, self.fields)

    def whole_account(self) -> Scope:
        """The same actor without its row and field policies: for rules that must see every
        record of the account (a caregiver's conflicts, the next invoice number), never for
        answering the caller with what it holds."""
        return Scope(self.database, self.actor, whole_account, every_field)

    def unmasked(self) -> Scope:
        """The same rows with every field: for rules that compute with fields the caller may
        not read (a visit's rates when a scheduler books it, the record an update patches),
        on records the caller may see; never for answering the caller."""
        return Scope(self.database, self.actor, self.rows, every_field)

    def acting_as(self, actor: Actor) -> Scope:
        """The same account and policies, written down as another actor (a job, a hire)."""
        if actor.account_id != self.account_id:
            raise ScopeError("a scope cannot change account")
        return Scope(self.database, actor, self.rows, self.fields)

    async def audit_reads(self, entries: list[RawDoc]) -> None:
        """Append entries about reads (sensitive fields, file downloads) in one command: a read
        changes nothing, so there is no change for them to commit with."""
        if entries:
            await self["audit_events"].insert_many(entries)

    async def transact(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work` as one unit of work: all of its writes and audit entries commit, or none.

        A transient transaction error (a write conflict, a lost primary) runs `work` again from
        the start, here and nowhere else; `work` must therefore only write through the `Tx` it
        is given. A context manager cannot re-run its body, hence a function.
        """

        async def unit(session: AsyncClientSession) -> T:
            tx = Tx(self.database, self.actor, self.rows, session, self.fields)
            done = await work(tx)
            await tx.flush()  # the unit's audit entries, in one command, in its transaction
            return done

        async with self.database.client.start_session() as session:
            return await session.with_transaction(unit)


async def request_scope(database: Database, actor: Actor) -> Scope:
    """The scope of one request, built once at its start: for a caregiver, the patients of
    their visits 30 days either side of now are found here (one query on the
    `attendees.user, start` index) and remembered for the request, so that every scope of
    theirs in it, a store's too, sees those patients (app/data/rows.py)."""
    if is_caregiver(actor) and actor.user_id is not None:
        now = dt.datetime.now(dt.UTC)
        window = dt.timedelta(days=BOOKED_DAYS)
        query = {
            "attendees.user": actor.user_id,
            "start": {"$gte": now - window, "$lte": now + window},
        }
        fields = {"patient._id": 1, "_deleted": 1, "status": 1}
        visits = Scope(database, actor).whole_account()["events"].find(query, fields)
        patients = {
            visit["patient"]["_id"]
            async for visit in visits
            # deletion and status are checked here: a filter on keys outside the index makes
            # the embedded server scan the collection
            if not visit.get("_deleted")
            and visit.get("status") != "cancelled"
            and isinstance(visit.get("patient"), dict)
            and visit["patient"].get("_id") is not None
        }
        remember_booked(actor, frozenset(patients))
    return Scope(database, actor)


__all__ = ["Scope", "ScopeError", "ScopedCollection", "request_scope"]
