"""Webhooks under load: a burst of a thousand changes reaches a receiver whole and each record's
in order, and a server killed mid-delivery resumes without losing or repeating a delivery id.
The burst is marked slow, the crash crash (deselect with -m 'not slow and not crash')."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from tests.factories import Api
from tests.factories_live import CREATE_WEBHOOK, receiving
from tests.test_faults import ServerProcess, create_account, data_folder, post, settle
from tests.test_webhooks import (
    IMPORT,
    _last_name,
    by_record,
    deliveries,
    import_patients,
    patient_rows,
    rename,
    webhook_for,
)

__all__ = ["data_folder"]  # the fixture, for the crash test


@pytest.mark.slow
async def test_a_burst_of_a_thousand_changes_reaches_a_receiver_whole(api: Api) -> None:
    # given a receiver for patients
    agency = await api.agency()
    async with receiving() as receiver:
        webhook = await webhook_for(agency, receiver)
        # when 500 patients are made in two imports, and each of the first 250 is renamed twice
        first, second = await asyncio.gather(
            import_patients(agency, 250, "A"), import_patients(agency, 250, "B")
        )
        for revision, last in ((1, "Once"), (2, "Twice")):
            for start in range(0, 250, 25):
                renames = (rename(agency, p, revision, last) for p in first[start : start + 25])
                await asyncio.gather(*renames)
        got = await receiver.until(1000, timeout=180)
        await asyncio.sleep(0.5)
    # then all 1,000 arrived once each, and each patient's in the order they happened
    assert len(receiver.received) == 1000
    assert len({g["delivery"] for g in got}) == len({g["body"]["id"] for g in got}) == 1000
    assert all(g["signed"] for g in got)
    grouped = by_record(got)
    assert set(grouped) == set(first) | set(second)
    for patient in first:
        assert [_last_name(e) for e in grouped[patient]] == [None, "Once", "Twice"]
    assert len(await deliveries(api, webhook)) == 1000


@pytest.mark.crash
async def test_a_server_killed_mid_delivery_resumes_without_losing_or_repeating_an_id(
    data_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a server (its lease short, so a restart takes over soon) and a slow receiver
    monkeypatch.setenv("CAREGRAPH_LIVE_LEASE", "2")
    monkeypatch.setenv("CAREGRAPH_WEBHOOK_RETRY", "0.2")
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    key = create_account(data_folder)
    async with receiving() as receiver:
        receiver.delay = 0.02
        made = await post(server.url, key, CREATE_WEBHOOK,
                          {"input": {"url": receiver.url, "events": ["patient.*"]}})  # fmt: skip
        receiver.secret = made["data"]["webhookCreate"]["secret"]
        imported = await post(server.url, key, IMPORT, {"input": patient_rows(300)})
        patients = {p["id"] for p in imported["data"]["patientImport"]["patients"]}
        settle(data_folder)
        # when the server and its database are killed while the deliveries are being sent
        await receiver.until(40, timeout=60)
        server.crash()
        before = len(receiver.distinct)
        # and it is started again on the same data
        server = ServerProcess(data_folder)
        await asyncio.to_thread(server.wait_until_serving)
        receiver.delay = 0.0
        got = await receiver.until(300, timeout=120)
        await asyncio.sleep(1.0)
    assert server.stop() == 0
    # then every change arrived, each under one delivery id, whatever was sent twice
    assert before < 300
    assert {g["body"]["record"]["id"] for g in got} == patients
    ids_of: dict[str, set[str]] = defaultdict(set)
    for g in receiver.received:
        ids_of[g["body"]["id"]].add(g["delivery"])
    assert len(ids_of) == 300
    assert all(len(ids) == 1 for ids in ids_of.values())
    assert all(g["signed"] for g in receiver.received)
    print(f"crash: {before} delivered before, {len(receiver.accepted) - 300} sent twice")
