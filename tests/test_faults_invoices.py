"""Proof under faults for invoice batches: the server and its database killed in the middle of
a batch leave whole invoices only (each with all its punchcards linked, numbers without gaps),
no punchcard half-billed, and running the batch again completes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from bson import Decimal128, ObjectId
from pymongo import AsyncMongoClient

from tests.test_faults import ServerProcess, create_account, data_folder, post, settle

pytestmark = pytest.mark.crash

__all__ = ["data_folder"]  # the fixture, shared with tests/test_faults.py

PATIENTS = 300
BATCH = """mutation { invoiceGenerateBatch(billingPeriod: {start: "2025-05-01", end: "2025-05-31"})
  { report { patientsConsidered invoices { number } failed { patient } }
    userErrors { code } } }"""


def visit(account_id: int, patient: ObjectId, day: int) -> dict[str, Any]:
    """A punchcard as the visits package stores it: 2 h of PSW at 34.00 on a day of May."""
    clock_in = dt.datetime(2025, 5, day, 14, tzinfo=dt.UTC)
    return {
        "_id": ObjectId(),
        "_account": account_id,
        "_revision": 1,
        "_deleted": False,
        "actual": {"clock_in": clock_in, "clock_out": clock_in + dt.timedelta(hours=2)},
        "bill": {"hours": Decimal128("2"), "rate": Decimal128("34.00"),
                 "amount": Decimal128("68.00"), "billable": True},
        "patient": {"_id": patient, "name": {"first": "Row", "last": "?"}},
        "user": {"_id": ObjectId(), "name": {"first": "Ada", "last": "Osei"}},
        "service": {"code": "PSW"},
        "stat_holiday": False,
        "_search": {"date": clock_in},
    }  # fmt: skip


async def given_an_account_to_bill(uri: str) -> int:
    """The crash account set up to bill PSW with HST, and PATIENTS patients with two May visits
    each (written straight into the server's database)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    db = client["caregraph"]
    account = await db.accounts.find_one({})
    assert account is not None
    account_id = int(account["_id"])
    service = {
        "code": "PSW",
        "description": "Personal support",
        "unit": "hour",
        "bill_rate": Decimal128("34.00"),
        "pay_rate": Decimal128("20"),
        "taxes": ["HST"],
    }
    tax = {"code": "HST", "label": "HST 13%", "rate": Decimal128("13"), "active": True}
    await db.accounts.update_one(
        {"_id": account_id}, {"$set": {"services": [service], "taxes": [tax]}}
    )
    patients = [
        {"_id": ObjectId(), "_account": account_id, "_revision": 1,
         "name": {"first": "Row", "last": str(i)}, "status": "active"}
        for i in range(PATIENTS)
    ]  # fmt: skip
    await db.patients.insert_many(patients)
    cards = [visit(account_id, p["_id"], day) for p in patients for day in (6, 7)]
    await db.punchcards.insert_many(cards)
    await client.close()
    return account_id


async def whole_invoices_only(uri: str, account_id: int) -> int:
    """Check the stored invoices are whole; their count."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    db = client["caregraph"]
    invoices = [i async for i in db.invoices.find({"_account": account_id})]
    numbers = sorted(int(i["number"].removeprefix("INV-")) for i in invoices)
    assert numbers == list(range(1, len(invoices) + 1)), "numbers have a gap or a duplicate"
    counter = await db.counters.find_one({"_id": f"invoice_number:{account_id}"})
    assert int((counter or {}).get("value") or 0) == len(invoices), "a number was lost"
    ids = {i["_id"] for i in invoices}
    for invoice in invoices:
        listed = {c["_id"] for c in invoice["punchcards"]}
        linked = {c["_id"] async for c in db.punchcards.find({"invoice._id": invoice["_id"]})}
        assert listed == linked and len(listed) == 2, "an invoice is not whole"
    stray = db.punchcards.find({"_account": account_id, "invoice._id": {"$exists": True}})
    assert all([c["invoice"]["_id"] in ids async for c in stray]), "a punchcard half-billed"
    await client.close()
    return len(invoices)


async def test_a_crash_in_the_middle_of_an_invoice_batch_leaves_whole_invoices(
    data_folder: Path,
) -> None:
    # given a running server and an account with PATIENTS patients to bill
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    key = create_account(data_folder)
    uri = json.loads((data_folder / "embedded.json").read_text())["uri"]
    account_id = await given_an_account_to_bill(uri)
    settle(data_folder)

    # when the server and its database are killed once the batch is writing invoices
    request = asyncio.create_task(post(server.url, key, BATCH))
    await asyncio.to_thread(server.wait_until, f"invoice batch: {PATIENTS} patients to bill")
    await asyncio.sleep(1.5)
    server.crash()
    with pytest.raises(aiohttp.ClientError):
        await request

    # then, restarted on the same folder, every invoice stored is whole and numbered in order
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    uri = json.loads((data_folder / "embedded.json").read_text())["uri"]
    made = await whole_invoices_only(uri, account_id)
    assert made < PATIENTS, "the batch finished before the crash: nothing was proven"
    # and running the batch again bills the rest, once
    report = (await post(server.url, key, BATCH))["data"]["invoiceGenerateBatch"]["report"]
    assert report["patientsConsidered"] == PATIENTS - made
    assert len(report["invoices"]) == PATIENTS - made and report["failed"] == []
    assert await whole_invoices_only(uri, account_id) == PATIENTS
    assert server.stop() == 0
