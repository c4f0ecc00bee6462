"""Adjustments on generated payroll lines (mileage and bonus add, a deduction subtracts), a
closed payroll refusing them and every other change, and another account's lines not found."""

from __future__ import annotations

from typing import Any

import pytest

from app.common.services import Actor
from app.payroll.services import PayrollUserStore, payroll_store
from tests.factories import Agency, Api, create_user
from tests.factories_payroll import (
    ADD_ADJUSTMENT,
    REMOVE_ADJUSTMENT,
    UPDATE_LINE,
    UPDATE_PAYROLL,
    close_payroll,
    create_line,
    create_payroll,
    generated,
    worked,
)
from tests.factories_visits import DELETE_PUNCHCARD, UPDATE_PUNCHCARD, key

DELETE_LINE = """mutation($id: ID!) { payrollUserDelete(id: $id, reason: "Wrong person") {
  payrollUser { id } userErrors { field code } } }"""
READ_PAYROLL = """query($id: ID!) { payroll(id: $id) { gross adjustmentsTotal net } }"""


def errors_of(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def a_generated_line(agency: Agency) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Ada's line paying 10 h at 20.00 and 4 h at 25.00 (300.00), and its payroll."""
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    card = await worked(agency, ada, 0, 10)
    await worked(agency, ada, 1, 4, rate="25.00")
    payload = await generated(agency)
    return payload["payroll"], payload["lines"][0], card["id"]


async def add(agency: Agency, line: str, revision: int, **adjustment: Any) -> dict[str, Any]:
    variables = {"id": line, "revision": revision, "adjustment": adjustment}
    return dict((await agency.ok(ADD_ADJUSTMENT, variables))["payrollUserAdjustmentAdd"])


async def test_mileage_and_a_bonus_add_and_a_deduction_subtracts(api: Api) -> None:
    # given a generated line of 300.00
    agency = await api.agency()
    payroll, line, _ = await a_generated_line(agency)
    assert line["gross"] == "300.00"
    # when mileage of 30.50, a bonus of 50 and a deduction of 15.25 are added
    await add(agency, line["id"], 1, kind="MILEAGE", amount="30.50", description="50 km")
    await add(agency, line["id"], 2, kind="BONUS", amount="50")
    done = await add(agency, line["id"], 3, kind="DEDUCTION", amount="15.25")
    # then the line's totals follow: 30.50 + 50.00 - 15.25 = 65.25, net 365.25
    assert done["userErrors"] == []
    updated = done["payrollUser"]
    assert [(a["kind"], a["amount"]) for a in updated["adjustments"]] == [
        ("MILEAGE", "30.50"), ("BONUS", "50.00"), ("DEDUCTION", "15.25"),
    ]  # fmt: skip
    assert (updated["gross"], updated["adjustmentsTotal"], updated["net"]) == (
        "300.00", "65.25", "365.25",
    )  # fmt: skip
    read = (await agency.ok(READ_PAYROLL, {"id": payroll["id"]}))["payroll"]
    assert read == {"gross": "300.00", "adjustmentsTotal": "65.25", "net": "365.25"}
    # when the bonus (position 1) is removed, then 30.50 - 15.25 = 15.25, net 315.25
    variables = {"id": line["id"], "revision": 4, "index": 1}
    removed = (await agency.ok(REMOVE_ADJUSTMENT, variables))["payrollUserAdjustmentRemove"]
    assert (removed["payrollUser"]["adjustmentsTotal"], removed["payrollUser"]["net"]) == (
        "15.25", "315.25",
    )  # fmt: skip
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and [a["kind"] for a in doc["adjustments"]] == ["mileage", "deduction"]
    assert doc["_revision"] == 5


async def test_bad_adjustments_are_refused_and_nothing_is_written(api: Api) -> None:
    # given a generated line
    agency = await api.agency()
    _, line, _ = await a_generated_line(agency)
    before = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    # when a negative amount, a fraction of a cent, a stale revision, or a removal of a
    # missing position is sent
    negative = await add(agency, line["id"], 1, kind="BONUS", amount="-5")
    fraction = await add(agency, line["id"], 1, kind="BONUS", amount="5.001")
    stale = await add(agency, line["id"], 9, kind="BONUS", amount="5")
    variables = {"id": line["id"], "revision": 1, "index": 0}
    missing = (await agency.ok(REMOVE_ADJUSTMENT, variables))["payrollUserAdjustmentRemove"]
    # then each is refused and the line is unchanged
    assert errors_of(negative) == [("adjustment.amount", "INVALID")]
    assert errors_of(fraction) == [("adjustment.amount", "INVALID")]
    assert errors_of(stale) == [("revision", "CONFLICT")]
    assert errors_of(missing) == [("index", "NOT_FOUND")]
    assert await api.database.db.payrollsusers.find_one({"_id": key(line["id"])}) == before


async def test_a_closed_payroll_refuses_adjustments_edits_and_deletes(api: Api) -> None:
    # given a generated payroll with a mileage adjustment, closed
    agency = await api.agency()
    payroll, line, card = await a_generated_line(agency)
    await add(agency, line["id"], 1, kind="MILEAGE", amount="12.20")
    closed = await close_payroll(agency, payroll)
    assert closed["closed"] is True and closed["closedDate"] is not None
    lines_before = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    card_before = await api.database.db.punchcards.find_one({"_id": key(card)})
    # when adjustments are added or removed, the line or payroll edited, the line or the
    # punchcard deleted or the punchcard changed
    remove = {"id": line["id"], "revision": 2, "index": 0}
    results = {
        "payrollUserAdjustmentAdd": await add(agency, line["id"], 2, kind="BONUS", amount="5"),
        "payrollUserAdjustmentRemove": (await agency.ok(REMOVE_ADJUSTMENT, remove))[
            "payrollUserAdjustmentRemove"
        ],
        "payrollUserUpdate": (
            await agency.ok(
                UPDATE_LINE, {"id": line["id"], "revision": 2, "input": {"adjustments": []}}
            )
        )["payrollUserUpdate"],
        "payrollUserDelete": (await agency.ok(DELETE_LINE, {"id": line["id"]}))[
            "payrollUserDelete"
        ],
        "payrollUpdate": (
            await agency.ok(
                UPDATE_PAYROLL,
                {"id": payroll["id"], "revision": 2, "input": {"periodExtra": 1}},
            )
        )["payrollUpdate"],
        "punchcardDelete": (await agency.ok(DELETE_PUNCHCARD, {"id": card}))["punchcardDelete"],
        "punchcardUpdate": (
            await agency.ok(
                UPDATE_PUNCHCARD, {"id": card, "revision": 2, "input": {"statHoliday": True}}
            )
        )["punchcardUpdate"],
    }
    # then each is refused for the payroll's state, and nothing changed
    for mutation, payload in results.items():
        assert errors_of(payload) == [("id", "INVALID_STATE")], mutation
    assert await api.database.db.payrollsusers.find_one({"_id": key(line["id"])}) == lines_before
    assert await api.database.db.punchcards.find_one({"_id": key(card)}) == card_before


async def test_a_punchcard_on_an_open_line_is_not_deleted(api: Api) -> None:
    # given a generated, still open payroll and one of its punchcards
    agency = await api.agency()
    _, _, card = await a_generated_line(agency)
    before = await api.database.db.punchcards.find_one({"_id": key(card)})
    # when the punchcard is deleted
    payload = (await agency.ok(DELETE_PUNCHCARD, {"id": card}))["punchcardDelete"]
    # then it is refused for its line, and the punchcard is as it was
    assert errors_of(payload) == [("id", "INVALID_STATE")]
    assert "payroll line" in payload["userErrors"][0]["message"]
    assert await api.database.db.punchcards.find_one({"_id": key(card)}) == before


async def test_another_accounts_lines_are_not_found(api: Api) -> None:
    # given another agency's generated line
    other = await api.agency()
    _, theirs, _ = await a_generated_line(other)
    before = await api.database.db.payrollsusers.find_one({"_id": key(theirs["id"])})
    agency = await api.agency()
    # when this agency adds to it or removes from it
    added = await add(agency, theirs["id"], 1, kind="BONUS", amount="5")
    variables = {"id": theirs["id"], "revision": 1, "index": 0}
    removed = (await agency.ok(REMOVE_ADJUSTMENT, variables))["payrollUserAdjustmentRemove"]
    # then it reads as missing, and nothing changed
    assert errors_of(added) == [("id", "NOT_FOUND")]
    assert errors_of(removed) == [("id", "NOT_FOUND")]
    assert await api.database.db.payrollsusers.find_one({"_id": key(theirs["id"])}) == before


async def test_a_period_changed_during_a_line_write_refuses_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an open payroll of the week of March 3 with Ada's empty line, and her punchcard of
    # Friday March 7
    agency = await api.agency()
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    payroll = await create_payroll(agency)
    line = await create_line(agency, payroll["id"], ada)
    card = await worked(agency, ada, 4, 3)
    # and the payroll's period cut to Monday to Wednesday after the line's checks, before
    # its transaction
    checks = PayrollUserStore._prepare

    async def checks_then_cut(
        store: PayrollUserStore, actor: Actor, items: Any, prefix: Any, current: Any = None
    ) -> None:
        await checks(store, actor, items, prefix, current)
        await payroll_store(store.database).update(
            actor, key(payroll["id"]), 1, {"end": "2025-03-05"}
        )

    monkeypatch.setattr(PayrollUserStore, "_prepare", checks_then_cut)
    # when the line takes the punchcard
    change = {"punchcards": [{"record": card["id"]}]}
    updated = await agency.ok(UPDATE_LINE, {"id": line["id"], "revision": 1, "input": change})
    # then it is refused, and the punchcard is not paid
    assert errors_of(updated["payrollUserUpdate"]) == [("id", "CONFLICT")]
    assert await api.count("punchcards", _account=agency.account_id, payroll={"$ne": None}) == 0
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and doc["punchcards"] == []
