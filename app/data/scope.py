"""One caller's view of the database: every collection limited to the caller's account.

A `Scope` is the only way a domain reaches records. Its collections add `_account` to every
filter, every insert, every update's filter and the first `$match` of every aggregation, and
refuse what they cannot scope (a filter naming another account, a pipeline that reads or
writes another collection). Every read also passes through the caller's row policy
(`app/data/policy.py`), so what a role may see is decided in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from app.common.services import Actor
from app.data.collections import ScopedCollection, ScopeError
from app.data.policy import RowPolicy, rows_for, whole_account
from app.data.unit import Tx
from app.db import Database, RawDoc

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The database as one actor of one account sees it: reads through its row policy."""

    database: Database
    actor: Actor
    rows: RowPolicy = field(default=None)  # type: ignore[assignment]
    """Which rows each collection shows; by default the actor's role's (policy.rows_for)."""

    def __post_init__(self) -> None:
        if self.rows is None:
            object.__setattr__(self, "rows", rows_for(self.actor))

    @property
    def account_id(self) -> int:
        return self.actor.account_id

    def __getitem__(self, collection: str) -> ScopedCollection:
        return self.collection(collection)

    def collection(self, name: str, session: AsyncClientSession | None = None) -> ScopedCollection:
        return ScopedCollection(self.database.db[name], self.account_id, self.rows, session)

    def whole_account(self) -> Scope:
        """The same actor without its row policy: for rules that must see every record of
        the account (a caregiver's conflicts, the next invoice number), never for answering
        the caller with what it holds."""
        return Scope(self.database, self.actor, whole_account)

    def acting_as(self, actor: Actor) -> Scope:
        """The same account and policy, written down as another actor (a job, a hire)."""
        if actor.account_id != self.account_id:
            raise ScopeError("a scope cannot change account")
        return Scope(self.database, actor, self.rows)

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
        async with self.database.client.start_session() as session:
            return await session.with_transaction(
                lambda s: work(Tx(self.database, self.actor, self.rows, s))
            )


__all__ = ["Scope", "ScopeError", "ScopedCollection"]
