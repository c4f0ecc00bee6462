"""The only paths that act outside one account, each named for its purpose.

Everything else reaches records through a `Scope` of one account. These do not, because their
work comes before there is an account or a caller, or spans accounts by nature:
- opening an account (its number comes from a counter of all accounts);
- looking up a credential (an API key, an access token, a sign-in) to learn whose it is;
- following changes to credentials of every account, so that every server process forgets
  what it cached about a credential revoked, rotated or whose role changed (`watch_credentials`,
  or `credential_changes_since` where change streams are not available);
- counting failed sign-ins and key exchanges per identity and per address (`throttles`): an
  unknown key or email has no account, and an address spans accounts;
- jobs that act for every account in turn (booking series ahead, publishing the change feed,
  sending webhooks), each then through a scope, one process at a time (a lease);
- the demo and example seeds, which ask whether their accounts exist yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.errors import DuplicateKeyError

from app.common.services import Actor
from app.data.collections import ACCOUNT
from app.data.scope import Scope
from app.db import Database, RawDoc

CREDENTIALS = frozenset(
    {"api_clients", "access_tokens", "session_tokens", "sessions", "sign_in_links"}
)
WATCHED = ("api_clients", "accounts", "sessions", "credential_changes")
"""What a change of credentials touches: a client (revoked, rotated, its role), an account (its
roles, its state), a person's session (signed out), and the explicit notes of the rest."""
CREDENTIAL_CHANGES = "credential_changes"
THROTTLES = "throttles"


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

    @asynccontextmanager
    async def watch_credentials(self) -> AsyncIterator[AsyncChangeStream[RawDoc]]:
        """A change stream of the collections that hold credentials (`WATCHED`), in every
        account: each event names its collection (`ns.coll`), its operation and the changed
        document's `_id` (an insert carries the whole document). Raises where the database
        offers no change streams (a standalone mongod)."""
        pipeline = [{"$match": {"ns.coll": {"$in": list(WATCHED)}}}]
        async with await self.database.db.watch(pipeline, max_await_time_ms=250) as stream:
            yield stream

    async def credential_changes_since(self, since: dt.datetime) -> list[RawDoc]:
        """The notes of credential changes made since a moment, in every account: what a
        process that cannot follow a change stream polls."""
        after = ObjectId.from_datetime(since)
        cursor = self.database.db[CREDENTIAL_CHANGES].find({"_id": {"$gt": after}})
        return [change async for change in cursor]

    async def failures(self, keys: list[str]) -> list[RawDoc]:
        """The recent failures counted under each throttle key (one `find_one` each: the
        embedded server scans a collection for `$in`)."""
        found = [await self.database.db[THROTTLES].find_one({"_id": key}) for key in keys]
        return [doc for doc in found if doc is not None]

    async def count_failure(
        self, key: str, at: dt.datetime, keep: int, expires_at: dt.datetime
    ) -> RawDoc:
        """Add a failure under a throttle key, keeping the latest `keep`; the document goes
        (TTL) when its last failure leaves the window."""
        counted = await self.database.db[THROTTLES].find_one_and_update(
            {"_id": key},
            {"$push": {"failures": {"$each": [at], "$slice": -keep}},
             "$set": {"expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        return counted or {"_id": key, "failures": [at]}

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

    async def lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take the lease `name` for `holder` for `seconds`, or renew it, unless another holder
        has it and it has not run out; whether `holder` has it now. A job that visits every
        account (the series horizon job) runs in one process at a time this way, however many
        workers serve: the others find the lease taken and skip their turn. A holder that dies
        loses it when it runs out."""
        moment = dt.datetime.now(dt.UTC)
        free = {"_id": name, "$or": [{"holder": holder}, {"until": {"$lte": moment}}]}
        taken = {"$set": {"holder": holder, "until": moment + dt.timedelta(seconds=seconds)}}
        try:
            await self.database.db.leases.update_one(free, taken, upsert=True)
        except DuplicateKeyError:  # held by another, and not run out: the upsert clashes
            return False
        return True

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (a clean stop), so that another process need not wait for
        it to run out."""
        await self.database.db.leases.delete_one({"_id": name, "holder": holder})

    async def has_accounts(self) -> bool:
        return bool(await self.database.db.accounts.estimated_document_count())

    async def accounts(self, fields: Mapping[str, Any] | None = None) -> AsyncIterator[RawDoc]:
        """Every account, for a job that then acts for each through `scope_for`."""
        async for account in self.database.db.accounts.find({}, fields):
            yield account

    def scope_for(self, account_id: int, job: str) -> Scope:
        """A job's scope in one account, named in the trail as the job."""
        return Scope(self.database, Actor(account_id=account_id, api_client_name=job))


def account_of(credential: RawDoc) -> int:
    """The account a credential found by `System.credential` belongs to."""
    return int(credential[ACCOUNT])
