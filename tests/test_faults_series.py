"""Proof under faults for series: the server and its database killed while a long daily series
books its visits leave the series whole (every occurrence booked once, linked, audited, up to
where the series says it is booked) or as it was, and booking it again completes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from app.graphql.relay import to_global_id
from tests.test_faults import ServerProcess, create_account, data_folder, post, settle

pytestmark = pytest.mark.crash

__all__ = ["data_folder"]  # the fixture, shared with tests/test_faults.py

FAR = dt.timedelta(weeks=104)
CREATE = """mutation($input: EventGroupCreateInput!) { eventGroupCreate(input: $input) {
  eventGroup { id } userErrors { code message } } }"""
EXTEND = """mutation($id: ID!, $until: DateTime!) { eventGroupExtend(id: $id, until: $until) {
  eventGroup { materialisedUntil } booked { id } userErrors { code message } } }"""


def daily(first: dt.datetime) -> dict[str, Any]:
    """An hour a day at 14:00 UTC from `first`, with no end."""
    return {
        "freq": "DAILY",
        "timezone": "UTC",
        "start": first.isoformat(),
        "end": (first + dt.timedelta(hours=1)).isoformat(),
        "notes": "Daily help.",
    }


def tomorrow() -> dt.datetime:
    today = dt.datetime.now(dt.UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=1)


def far_ahead() -> dt.datetime:
    """104 weeks from now, to the millisecond (as stored)."""
    moment = dt.datetime.now(dt.UTC) + FAR
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def uri_of(data_folder: Path) -> str:
    return str(json.loads((data_folder / "embedded.json").read_text())["uri"])


async def set_horizon(uri: str, weeks: int) -> int:
    """The crash account's horizon set to `weeks`; the account's id."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    account = await client["caregraph"].accounts.find_one({})
    assert account is not None
    await client["caregraph"].accounts.update_one(
        {"_id": account["_id"]}, {"$set": {"scheduler_settings.horizon_weeks": weeks}}
    )
    await client.close()
    return int(account["_id"])


def days(first: dt.datetime, until: dt.datetime) -> int:
    """The occurrences of a daily series from `first` before `until`."""
    return -((first - until) // dt.timedelta(days=1))


async def whole_series(uri: str, account_id: int) -> dict[ObjectId, dt.datetime]:
    """Check each stored series is whole; how far each is booked."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    db = client["caregraph"]
    account = {"_account": account_id}
    trail = [e async for e in db.audit_events.find({**account, "action": "create"})]
    audited = [e["record_id"] for e in trail]
    visits = [v async for v in db.events.find(account)]
    found: dict[ObjectId, dt.datetime] = {}
    async for group in db.eventsgroups.find(account):
        starts = sorted(v["series_start"] for v in visits if v.get("_group") == group["_id"])
        expected, moment = [], group["start"]
        while moment < group["materialised_until"]:
            expected.append(moment)
            moment += dt.timedelta(days=1)
        assert starts == expected, "an occurrence is missing, or booked twice"
        assert audited.count(group["_id"]) == 1, "the series has no audit entry"
        found[group["_id"]] = group["materialised_until"]
    assert all(v.get("_group") in found for v in visits), "a visit outlived its series"
    assert sorted(audited) == sorted([*found, *(v["_id"] for v in visits)]), "trail != data"
    await client.close()
    return found


async def crash_once_writing(server: ServerProcess, key: str, query: str, variables: Any) -> None:
    """Send a request that books a long series, and kill everything once it is writing."""
    settle(server.data_dir)
    request = asyncio.create_task(post(server.url, key, query, variables))
    await asyncio.to_thread(server.wait_until, "series: writing")
    server.crash()
    with pytest.raises(aiohttp.ClientError):
        await request


async def extend(server: ServerProcess, key: str, group: ObjectId, until: dt.datetime) -> Any:
    variables = {"id": to_global_id("EventGroup", group), "until": until.isoformat()}
    answer = (await post(server.url, key, EXTEND, variables))["data"]["eventGroupExtend"]
    assert answer["userErrors"] == [], answer
    return answer


async def test_a_crash_while_a_new_series_books_its_visits_leaves_it_whole_or_absent(
    data_folder: Path,
) -> None:
    # given a running server and an account booking series 100 weeks ahead
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    key = create_account(data_folder)
    account_id = await set_horizon(uri_of(data_folder), 100)
    first = tomorrow()

    # when the server and its database are killed while a daily series books ~700 visits
    await crash_once_writing(server, key, CREATE, {"input": daily(first)})

    # then, restarted on the same folder, neither the series nor any of its visits is there
    # (whole_series would refuse a series with some of its visits)
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    uri = uri_of(data_folder)
    assert await whole_series(uri, account_id) == {}, "the write finished: nothing was proven"
    # and the server books it again, whole
    answer = await post(server.url, key, CREATE, {"input": daily(first)})
    assert "data" in answer, answer
    assert answer["data"]["eventGroupCreate"]["userErrors"] == [], answer
    stored = await whole_series(uri, account_id)
    # and extending it books the rest once
    (group,) = stored
    until = far_ahead()
    answer = await extend(server, key, group, until)
    assert len(answer["booked"]) == days(first, until) - days(first, stored[group])
    assert await whole_series(uri, account_id) == {group: until}
    assert server.stop() == 0


async def test_a_crash_while_extending_a_series_leaves_it_whole_and_extending_again_completes(
    data_folder: Path,
) -> None:
    # given a running server and a daily series booked to the 12-week horizon
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    key = create_account(data_folder)
    uri = uri_of(data_folder)
    account_id = await set_horizon(uri, 12)
    first = tomorrow()
    answer = await post(server.url, key, CREATE, {"input": daily(first)})
    assert answer["data"]["eventGroupCreate"]["userErrors"] == [], answer
    ((group, horizon),) = (await whole_series(uri, account_id)).items()
    until = far_ahead()

    # when the server and its database are killed while it is extended by ~640 visits
    variables = {"id": to_global_id("EventGroup", group), "until": until.isoformat()}
    await crash_once_writing(server, key, EXTEND, variables)

    # then, restarted on the same folder, the series holds none of the extension, whole
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    uri = uri_of(data_folder)
    booked_to = (await whole_series(uri, account_id))[group]
    assert booked_to == horizon, "the extension finished before the crash: nothing was proven"
    # and extending it again completes it, booking no occurrence twice
    answer = await extend(server, key, group, until)
    assert len(answer["booked"]) == days(first, until) - days(first, booked_to)
    assert await whole_series(uri, account_id) == {group: until}
    assert server.stop() == 0
