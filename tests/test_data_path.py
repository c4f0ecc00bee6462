"""The guarded data path through the real driver: what a Scope refuses, what a unit of work
commits, and the start-up repair of counters written before the data path."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.audit.documents import AuditAction
from app.billing.numbering import counter_key
from app.common.services import Actor
from app.data.migrations import counter_account, drop_retired_indexes, stamp_counters
from app.data.scope import Scope, ScopeError
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from tests.factories import Api

CHECKS = "data_path_checks"
"""A scratch collection: the scope works on any collection, and these tests share no model."""


async def two_scopes(api: Api) -> tuple[Scope, Scope]:
    """The views of two new agencies, as their own scripts would act."""
    mine, theirs = await api.agency(), await api.agency()
    return (
        Scope(api.database, Actor(account_id=mine.account_id)),
        Scope(api.database, Actor(account_id=theirs.account_id)),
    )


async def stored(api: Api, key: Any) -> dict[str, Any] | None:
    return await api.database.db[CHECKS].find_one({"_id": key})


async def entries_about(api: Api, key: Any) -> int:
    return int(await api.database.db.audit_events.count_documents({"record_id": key}))


# reads and writes of a scope -----------------------------------------------------------------


async def test_a_filter_naming_another_account_is_refused(api: Api) -> None:
    # given a record of another agency
    mine, theirs = await two_scopes(api)
    key = ObjectId()
    await theirs[CHECKS].insert_one({"_id": key, "name": "theirs"})

    # when this agency looks it up by id, then names the other account
    found = await mine[CHECKS].find_one({"_id": key})
    with pytest.raises(ScopeError):
        await mine[CHECKS].find_one({"_id": key, "_account": theirs.account_id})
    with pytest.raises(ScopeError):
        await mine[CHECKS].update_one(
            {"_id": key, "_account": theirs.account_id}, {"$set": {"name": "taken"}}
        )

    # then it never sees it, and the record is untouched
    assert found is None
    assert (await stored(api, key) or {}).get("name") == "theirs"
    assert await mine[CHECKS].count_documents({"_account": mine.account_id}) == 0


async def test_an_insert_gets_the_scopes_account(api: Api) -> None:
    # given an agency's scope
    mine, theirs = await two_scopes(api)
    key, foreign = ObjectId(), ObjectId()

    # when it inserts a document without an account, and one claiming another account
    await mine[CHECKS].insert_one({"_id": key, "name": "mine"})
    with pytest.raises(ScopeError):
        await mine[CHECKS].insert_one({"_id": foreign, "_account": theirs.account_id})

    # then the first is stored in its account, the second not at all
    assert (await stored(api, key) or {}).get("_account") == mine.account_id
    assert await stored(api, foreign) is None


async def test_an_update_cannot_move_a_record_to_another_account(api: Api) -> None:
    # given a record of this agency
    mine, theirs = await two_scopes(api)
    key = ObjectId()
    await mine[CHECKS].insert_one({"_id": key, "name": "mine"})
    moves = [
        {"$set": {"_account": theirs.account_id}},
        {"$unset": {"_account": ""}},
        [{"$set": {"_account": theirs.account_id}}],  # an update pipeline
    ]

    # when updates try to set or remove its account
    for move in moves:
        with pytest.raises(ScopeError):
            await mine[CHECKS].update_one({"_id": key}, move)
    with pytest.raises(ScopeError):
        await mine[CHECKS].find_one_and_update({"_id": key}, moves[0])

    # then it is still this agency's
    assert (await stored(api, key) or {}).get("_account") == mine.account_id


async def test_a_pipeline_must_start_with_match_and_stay_in_its_collection(api: Api) -> None:
    # given records of two agencies
    mine, theirs = await two_scopes(api)
    await mine[CHECKS].insert_one({"_id": ObjectId(), "kind": "pipeline"})
    await theirs[CHECKS].insert_one({"_id": ObjectId(), "kind": "pipeline"})
    lookup = {"$lookup": {"from": "patients", "localField": "x", "foreignField": "_id", "as": "p"}}

    # when pipelines are sent that cannot be limited to the account
    for pipeline in (
        [{"$sort": {"_id": 1}}],
        [],
        [{"$match": {"kind": "pipeline"}}, lookup],
        [{"$match": {"kind": "pipeline"}}, {"$unionWith": "patients"}],
        [{"$match": {"kind": "pipeline"}}, {"$out": "elsewhere"}],
    ):
        # then each is refused
        with pytest.raises(ScopeError):
            await mine[CHECKS].aggregate(pipeline)

    # and one that starts with $match reads this account's records only
    cursor = await mine[CHECKS].aggregate([{"$match": {"kind": "pipeline"}}])
    assert [doc["_account"] async for doc in cursor] == [mine.account_id]


# the unit of work ----------------------------------------------------------------------------


async def test_a_unit_of_work_commits_all_of_its_writes_or_none(api: Api) -> None:
    # given work that stores a record with its audit entry, then fails
    mine, _ = await two_scopes(api)
    failed, done = ObjectId(), ObjectId()

    def work(key: Any, fail: bool) -> Any:
        async def write(tx: Tx) -> None:
            await tx[CHECKS].insert_one({"_id": key, "name": "written"})
            await tx.audit(AuditAction.CREATE, "Check", key)
            if fail:
                raise RuntimeError("refused after writing")

        return write

    # when it runs, and the same work without the failure runs
    with pytest.raises(RuntimeError):
        await mine.transact(work(failed, fail=True))
    await mine.transact(work(done, fail=False))

    # then the failed one left neither record nor entry; the other left both
    assert await stored(api, failed) is None
    assert await entries_about(api, failed) == 0
    assert (await stored(api, done) or {}).get("_account") == mine.account_id
    assert await entries_about(api, done) == 1


async def test_an_update_from_a_stale_revision_is_a_conflict_and_writes_nothing(
    api: Api,
) -> None:
    # given a record now at revision 2, and a copy read at revision 1
    mine, _ = await two_scopes(api)
    key = ObjectId()
    await mine[CHECKS].insert_one({"_id": key, "name": "second", "_revision": 2})
    stale = {"_id": key, "name": "first", "_revision": 1}

    async def rename(tx: Tx) -> dict[str, Any]:
        return await tx.update("Check", CHECKS, stale, {"$set": {"name": "third"}})

    # when it is updated from the stale copy
    with pytest.raises(ServiceError) as refused:
        await mine.transact(rename)

    # then it is a CONFLICT, and neither the record nor the trail changed
    assert [p.code for p in refused.value.problems] == [ErrorCode.CONFLICT]
    after = await stored(api, key)
    assert after is not None and after["name"] == "second" and after["_revision"] == 2
    assert await entries_about(api, key) == 0


async def test_an_update_from_the_current_revision_bumps_it_with_one_entry(api: Api) -> None:
    # given a record at revision 2, read at revision 2
    mine, _ = await two_scopes(api)
    key = ObjectId()
    await mine[CHECKS].insert_one({"_id": key, "name": "second", "_revision": 2})
    current = await mine[CHECKS].find_one({"_id": key})
    assert current is not None

    async def rename(tx: Tx) -> dict[str, Any]:
        return await tx.update("Check", CHECKS, current, {"$set": {"name": "third"}})

    # when it is updated
    after = await mine.transact(rename)

    # then the change, the next revision and one audit entry are stored
    assert after["name"] == "third" and after["_revision"] == 3
    assert (await stored(api, key) or {}).get("_revision") == 3
    assert await entries_about(api, key) == 1


# counters written before the data path -------------------------------------------------------


def test_a_counters_id_names_its_account() -> None:
    assert counter_account(f"schedule:12:{ObjectId()}") == 12
    assert counter_account("payroll_generation:3") == 3
    assert counter_account("rest:7:resident") == 7
    assert counter_account(counter_key(44)) == 44
    assert counter_account("accounts") is None
    assert counter_account("schedule:x:y") is None
    assert counter_account(5) is None


async def test_counters_from_before_the_data_path_get_their_account(api: Api) -> None:
    # given an agency's counters stored as before, without `_account`
    agency = await api.agency()
    number = agency.account_id
    counters = api.database.db.counters
    old = [
        f"schedule:{number}:{ObjectId()}",
        f"payroll_generation:{number}",
        f"rest:{number}:resident",
        counter_key(number),
    ]
    await counters.insert_many([{"_id": key, "value": 5} for key in old])
    scope = Scope(api.database, Actor(account_id=number))
    generation = {"_id": f"payroll_generation:{number}"}
    with pytest.raises(DuplicateKeyError):  # why: the scope's upsert misses the old counter
        await scope["counters"].update_one(generation, {"$inc": {"value": 1}}, upsert=True)

    # when the start-up repair runs, twice
    await stamp_counters(api.database.db)
    again = await stamp_counters(api.database.db)

    # then each counter is its account's, with its value, and the second run had nothing to do
    stamped = {doc["_id"]: doc async for doc in counters.find({"_id": {"$in": old}})}
    assert {key: (doc.get("_account"), doc["value"]) for key, doc in stamped.items()} == {
        key: (number, 5) for key in old
    }
    assert again == 0
    accounts = await counters.find_one({"_id": "accounts"})
    assert accounts is not None and "_account" not in accounts
    # and the scope's upsert now moves the one counter
    await scope["counters"].update_one(generation, {"$inc": {"value": 1}}, upsert=True)
    assert [doc["value"] async for doc in counters.find(generation)] == [6]


async def test_indexes_no_model_declares_any_more_are_dropped_at_start_up(
    database: Database,
) -> None:
    # given a data folder whose trail still has the outbox's retired second index
    own = database.client[f"retired_{ObjectId()}"]
    await own.audit_events.create_index(
        [("outbox", 1), ("transaction", 1), ("_id", 1)], name="outbox_transactions"
    )
    try:
        # when the start-up repair runs, twice
        dropped = await drop_retired_indexes(own)
        again = await drop_retired_indexes(own)
        left = await own.audit_events.index_information()
    finally:
        await database.client.drop_database(own.name)
    # then it went once, and the second run had nothing to do
    assert dropped == ["audit_events.outbox_transactions"]
    assert again == [] and "outbox_transactions" not in left
