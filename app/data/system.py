"""The only paths that act outside one account, each named for its purpose.

Everything else reaches records through a `Scope` of one account. These do not, because their
work comes before there is an account or a caller, or spans accounts by nature:
- opening an account (its number comes from a counter of all accounts);
- looking up a credential (an API key, an access token, a sign-in) to learn whose it is;
- jobs that act for every account in turn (booking series ahead), each then through a scope;
- the change feed (app/live), which takes every account's committed changes from the one
  outbox (the trail's marked entries) into each account's feed, and the webhook dispatcher,
  which visits the accounts that have webhooks; one process at a time does both, by a lease;
- the demo and example seeds, which ask whether their accounts exist yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from app.common.clock import now
from app.common.services import Actor
from app.data.audit import OUTBOX
from app.data.collections import ACCOUNT
from app.data.scope import Scope
from app.db import Database, RawDoc

CREDENTIALS = frozenset(
    {"api_clients", "access_tokens", "session_tokens", "sessions", "sign_in_links"}
)


@dataclass(frozen=True)
class System:
    """Cross-account access for the purposes above; nothing else may use it."""

    database: Database

    async def next_account_number(self) -> int:
        """The next account number; atomic, so concurrent openings never share one."""
        counter = await self.database.db.counters.find_one_and_update(
            {"_id": "accounts"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(counter["value"])  # type: ignore[index]

    async def open_account(self, account: RawDoc) -> None:
        """Store a new account (its `_account` is its own number)."""
        await self.database.db.accounts.insert_one(account)

    async def credential(
        self, collection: str, query: Mapping[str, Any], fields: Mapping[str, Any] | None = None
    ) -> RawDoc | None:
        """A credential by what the caller presented (a key's or token's hash): whose it is is
        what the lookup finds out: `account_of` says it, and it comes with the `fields` named
        (an inclusion) too."""
        if collection not in CREDENTIALS:
            raise ValueError(f"{collection} holds no credentials")
        wanted = None if fields is None else {**fields, ACCOUNT: 1}
        return await self.database.db[collection].find_one(dict(query), wanted)

    async def login_by_email(self, email: str) -> RawDoc | None:
        """The sign-in identity of this (normalised) email, in whichever account it is: signing
        in names only the email, and the login found says whose account it is (`account_of`).
        Emails of logins are unique across accounts for this reason."""
        return await self.database.db.logins.find_one({"email": email})

    async def account(self, number: int, fields: Mapping[str, Any] | None = None) -> RawDoc | None:
        """An account by its number, for a credential just found."""
        return await self.database.db.accounts.find_one({"_id": number}, fields)

    async def account_by_ext_id(self, ext_id: str) -> RawDoc | None:
        """An account by its external id: how the seeds find the accounts they made."""
        return await self.database.db.accounts.find_one({"ext_id": ext_id}, {"_id": 1})

    async def has_accounts(self) -> bool:
        return bool(await self.database.db.accounts.estimated_document_count())

    async def accounts(self, fields: Mapping[str, Any] | None = None) -> AsyncIterator[RawDoc]:
        """Every account, for a job that then acts for each through `scope_for`."""
        async for account in self.database.db.accounts.find({}, fields):
            yield account

    # the change feed and its lease --------------------------------------------------------------

    async def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take, or keep, the lease `name` for `seconds`: True while `holder` has it. The work a
        lease names is done by one server process at a time; another takes the lease over once
        its holder stops renewing it (its expiry is this clock's, so keep clocks in step)."""
        at = now()
        wanted = {"_id": name, "$or": [{"holder": holder}, {"expires_at": {"$lte": at}}]}
        renewed = {"$set": {"holder": holder, "expires_at": at + dt.timedelta(seconds=seconds)}}
        try:
            lease = await self.database.db.leases.find_one_and_update(
                wanted, renewed, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:  # held by another: the upsert met its document
            return False
        return lease is not None and lease.get("holder") == holder

    async def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up at once (a clean stop), so another process need not wait out it."""
        await self.database.db.leases.delete_one({"_id": name, "holder": holder})

    async def outbox(self, limit: int) -> list[RawDoc]:
        """Committed audit entries of every account that the change feed has not taken yet,
        in the order they were written. Only committed entries can be read, so an entry whose
        transaction commits late is found late, but found: nothing here depends on time."""
        cursor = self.database.db.audit_events.find(
            {OUTBOX: True}, sort=[("at", 1), ("_id", 1)], limit=limit
        )
        return [entry async for entry in cursor]

    async def outbox_of(self, transactions: Iterable[Any]) -> list[RawDoc]:
        """Every entry still in the outbox of these transactions (of any account): a batch
        that `outbox` cut short is completed with them, so a transaction is published whole."""
        found: list[RawDoc] = []
        for transaction in transactions:
            query = {OUTBOX: True, "transaction": transaction}
            found += [e async for e in self.database.db.audit_events.find(query, sort=[("_id", 1)])]
        return found

    async def publish_changes(
        self, taken: Sequence[RawDoc], changes: Sequence[RawDoc]
    ) -> dict[int, int]:
        """Move entries out of the outbox and their changes into their accounts' feeds, in one
        transaction: each change (naming its audit `entry`, in feed order) gets its account's
        next number. Raises `OutboxMoved`, writing nothing, if another publisher took any of
        the entries first. Answers each account's last number."""
        accounts = {entry["_id"]: account_of(entry) for entry in taken}

        async def work(session: AsyncClientSession) -> dict[int, int]:
            db = self.database.db
            marks = [
                UpdateOne({"_id": e["_id"], OUTBOX: True}, {"$unset": {OUTBOX: ""}}) for e in taken
            ]
            if marks:
                done = await db.audit_events.bulk_write(marks, ordered=False, session=session)
                if done.modified_count != len(marks):
                    raise OutboxMoved()
            counts: dict[int, int] = {}
            for change in changes:
                change[ACCOUNT] = accounts[change["entry"]]
                counts[change[ACCOUNT]] = counts.get(change[ACCOUNT], 0) + 1
            last: dict[int, int] = {}
            for account, count in counts.items():
                counter = await db.counters.find_one_and_update(
                    {"_id": f"changes:{account}"},
                    {"$inc": {"value": count}, "$set": {ACCOUNT: account}},
                    upsert=True, session=session, return_document=ReturnDocument.AFTER,
                )  # fmt: skip
                last[account] = int(counter["value"])  # type: ignore[index]
            taken_so_far = {account: last[account] - count for account, count in counts.items()}
            for change in changes:
                taken_so_far[change[ACCOUNT]] += 1
                change["seq"] = taken_so_far[change[ACCOUNT]]
            if changes:
                await db.changes.insert_many(list(changes), session=session)
                await db.counters.update_one(
                    {"_id": "changes"}, {"$inc": {"value": 1}}, upsert=True, session=session
                )
            return last

        async with self.database.client.start_session() as session:
            return await session.with_transaction(work)

    async def feed_generation(self) -> int:
        """How many times any account's feed has grown: one number a server process reads to
        learn whether a feed it follows may have moved."""
        counter = await self.database.db.counters.find_one({"_id": "changes"})
        return int(counter["value"]) if counter else 0

    async def accounts_with_webhooks(self) -> list[int]:
        """The accounts that have an active webhook: those the dispatcher visits."""
        cursor = self.database.db.webhooks.find({"active": True}, {ACCOUNT: 1, "_deleted": 1})
        return sorted({int(w[ACCOUNT]) async for w in cursor if not w.get("_deleted")})

    def scope_for(self, account_id: int, job: str) -> Scope:
        """A job's scope in one account, named in the trail as the job."""
        return Scope(self.database, Actor(account_id=account_id, api_client_name=job))


class OutboxMoved(Exception):
    """Another publisher took some of the entries first: read the outbox again."""


def account_of(credential: RawDoc) -> int:
    """The account a credential found by `System.credential` belongs to."""
    return int(credential[ACCOUNT])
