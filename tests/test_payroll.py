"""Payrolls and their lines: periods, totals in exact money, closing freezes them, lines pay a
caregiver once and only their punchcards, and nothing reaches another account."""

from __future__ import annotations

from typing import Any

import pytest
from bson import Decimal128

from app.common.services import Actor
from app.payroll.services import PayrollUserStore, payroll_store
from tests.factories import Api, create_user
from tests.factories_payroll import (
    CLOSE_PAYROLL,
    CREATE_LINE,
    CREATE_PAYROLL,
    PAYROLL_FIELDS,
    UPDATE_LINE,
    UPDATE_PAYROLL,
    close_payroll,
    create_line,
    create_payroll,
    line_input,
    payroll_input,
)
from tests.factories_visits import DELETE_PUNCHCARD, at, create_punchcard, key, people

READ_PAYROLL = f"""query($id: ID!) {{ payroll(id: $id) {{ {PAYROLL_FIELDS}
  users {{ totalCount nodes {{ user {{ name {{ first }} }} net }} }} }} }}"""
LIST = """query($filter: PayrollFilter, $order: PayrollOrder) {
  payrolls(filter: $filter, orderBy: $order) { nodes { start } } }"""
DELETE = """mutation($id: ID!, $reason: String!) { payrollDelete(id: $id, reason: $reason) {
  payroll { id deleted } userErrors { field code } } }"""
RESTORE = """mutation($id: ID!) { payrollRestore(id: $id) {
  payroll { deleted } userErrors { code } } }"""
DELETE_LINE = """mutation($id: ID!) { payrollUserDelete(id: $id, reason: "Wrong person") {
  payrollUser { id } userErrors { field code } } }"""


Json = dict[str, Any]


def errors_of(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_payroll_is_made_read_and_listed_by_period(api: Api) -> None:
    # given three weekly payrolls and a monthly one, one of them closed and one deleted
    agency = await api.agency()
    made = await create_payroll(agency, start="2025-03-03", end="2025-03-09", periodExtra=1)
    await create_payroll(agency, start="2025-03-10", end="2025-03-16")
    closed = await create_payroll(agency, start="2025-02-24", end="2025-03-02")
    await close_payroll(agency, closed)
    await create_payroll(agency, start="2025-02-01", end="2025-02-28", periodType="MONTHLY")
    gone = await create_payroll(agency, start="2025-01-06", end="2025-01-12")
    await agency.ok(DELETE, {"id": gone["id"], "reason": "Made by mistake"})
    # when one is read
    read = (await agency.ok(READ_PAYROLL, {"id": made["id"]}))["payroll"]
    # then it has its period and empty totals
    assert read == {
        **made,
        "users": {"totalCount": 0, "nodes": []},
    }
    assert (made["start"], made["end"], made["periodType"], made["periodExtra"]) == (
        "2025-03-03", "2025-03-09", "WEEKLY", 1,
    )  # fmt: skip
    assert (made["closed"], made["closedDate"], made["net"]) == (False, None, "0.00")
    doc = await api.database.db.payrolls.find_one({"_id": key(made["id"])})
    assert doc is not None and doc["period_type"] == "weekly" and doc["_closed"] is False

    async def listed(filter: Json | None = None, order: Json | None = None) -> list[str]:
        data = await agency.ok(LIST, {"filter": filter, "order": order})
        return [n["start"] for n in data["payrolls"]["nodes"]]

    # when they are listed with each filter and order, then each list holds what it should
    assert await listed() == ["2025-03-10", "2025-03-03", "2025-02-24", "2025-02-01"]
    assert await listed(order={"field": "START", "direction": "ASC"}) == [
        "2025-02-01", "2025-02-24", "2025-03-03", "2025-03-10",
    ]  # fmt: skip
    overlapping = {"start": "2025-03-01", "end": "2025-03-03"}
    assert await listed({"period": overlapping}) == ["2025-03-03", "2025-02-24"]
    assert await listed({"period": {"start": "2025-03-10"}}) == ["2025-03-10"]
    assert await listed({"closed": True}) == ["2025-02-24"]
    assert await listed({"closed": False, "periodType": ["MONTHLY"]}) == ["2025-02-01"]
    assert await listed({"deleted": "DELETED"}) == ["2025-01-06"]
    # and the deleted one comes back when restored
    restored = await agency.ok(RESTORE, {"id": gone["id"]})
    assert restored["payrollRestore"] == {"payroll": {"deleted": False}, "userErrors": []}


async def test_bad_payrolls_are_refused_and_nothing_is_written(api: Api) -> None:
    # given an agency, and a scheduler's key (no MANAGE_PAYROLL)
    agency = await api.agency()
    await agency.key_for("scheduler")
    # when a payroll ending before it starts, one with a negative extra, and one made by the
    # scheduler are sent
    backwards = await agency.ok(
        CREATE_PAYROLL, {"input": payroll_input(start="2025-03-09", end="2025-03-03")}
    )
    negative = await agency.ok(CREATE_PAYROLL, {"input": payroll_input(periodExtra=-1)})
    forbidden = await agency.gql(CREATE_PAYROLL, {"input": payroll_input()}, role="scheduler")
    # then each is refused with its reason, and nothing is stored
    assert errors_of(backwards["payrollCreate"]) == [("input.end", "INVALID")]
    assert errors_of(negative["payrollCreate"]) == [("input.periodExtra", "INVALID")]
    assert [e["code"] for e in forbidden.data["payrollCreate"]["userErrors"]] == ["FORBIDDEN"]
    assert await api.count("payrolls", _account=agency.account_id) == 0


async def test_lines_copy_pay_from_punchcards_and_add_up_to_the_payroll(api: Api) -> None:
    # given two caregivers with punchcards, and a payroll
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe", "nickname": "B"}))["id"]
    payroll = await create_payroll(agency)
    first = await create_punchcard(agency, ada, pay={"hours": "2.5", "rate": "22.45"})
    second = await create_punchcard(agency, ada, pay={"hours": "1.25", "rate": "22.50"})
    third = await create_punchcard(agency, ben, pay={"hours": "3", "rate": "20", "amount": "66"})
    # when a line is made for each, with adjustments on Ada's
    adjustments = [
        {"kind": "MILEAGE", "amount": "12.40", "description": "42 km", "date": "2025-03-04"},
        {"kind": "DEDUCTION", "amount": "5.00", "description": "Uniform"},
    ]
    line = await create_line(
        agency, payroll["id"], ada, [first["id"], second["id"]], adjustments=adjustments
    )
    await create_line(agency, payroll["id"], ben, [third["id"]])
    # then the line copied the caregiver and each punchcard's pay, and adds them up
    assert line["user"] == {
        "name": {"first": "Ada", "last": "Osei"},
        "nickname": None,
        "record": {"id": ada},
    }
    assert line["punchcards"] == [
        {"hours": "2.50", "rate": "22.45", "amount": "56.13", "record": {"id": first["id"]}},
        {"hours": "1.25", "rate": "22.50", "amount": "28.13", "record": {"id": second["id"]}},
    ]
    assert (line["hours"], line["gross"], line["adjustmentsTotal"], line["net"]) == (
        "3.75", "84.26", "7.40", "91.66",
    )  # fmt: skip
    assert line["payroll"] == {"id": payroll["id"]} and line["createdDate"]
    # and the payroll adds up its lines, listed by the caregiver's last name
    read = (await agency.ok(READ_PAYROLL, {"id": payroll["id"]}))["payroll"]
    assert (read["hours"], read["gross"], read["adjustmentsTotal"], read["net"]) == (
        "6.75", "150.26", "7.40", "157.66",
    )  # fmt: skip
    assert read["users"]["nodes"] == [
        {"user": {"name": {"first": "Ben"}}, "net": "66.00"},
        {"user": {"name": {"first": "Ada"}}, "net": "91.66"},
    ]
    # and the lines are found by payroll, caregiver and punchcard
    query = """query($f: PayrollUserFilter) { payrollUsers(filter: $f) { nodes { gross } } }"""
    for condition, gross in (
        ({"payroll": payroll["id"]}, ["66.00", "84.26"]),
        ({"caregiver": ada}, ["84.26"]),
        ({"punchcard": third["id"]}, ["66.00"]),
    ):
        found = await agency.ok(query, {"f": condition})
        assert [n["gross"] for n in found["payrollUsers"]["nodes"]] == gross, condition
    # and MongoDB keeps the catalogue's names and Decimal128 money
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None
    assert doc["payroll"] == key(payroll["id"]) and doc["user"]["_id"] == key(ada)
    assert doc["punchcards"][0]["amount"] == Decimal128("56.13")
    assert doc["adjustments"][1] == {
        "kind": "deduction",
        "description": "Uniform",
        "amount": Decimal128("5.00"),
    }
    assert "_created_user" not in doc  # an API client made it: no user


async def test_a_line_pays_a_caregiver_once_and_only_their_punchcards(api: Api) -> None:
    # given a payroll with a line for Ada paying one of her punchcards, and one of Ben's
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    payroll = await create_payroll(agency)
    paid = await create_punchcard(agency, ada)
    free = await create_punchcard(agency, ada)
    bens = await create_punchcard(agency, ben)
    await create_line(agency, payroll["id"], ada, [paid["id"]])
    other = await create_payroll(agency, start="2025-03-01", end="2025-03-15")  # overlaps
    refused = {
        "a second line for Ada": (
            line_input(payroll["id"], ada, [free["id"]]),
            [("input.user.record", "DUPLICATE")],
        ),
        "Ben's punchcard on Ben's line": (
            line_input(payroll["id"], ben, [free["id"]]),
            [("input.punchcards.0.record", "INVALID")],
        ),
        "a punchcard paid elsewhere": (
            line_input(other["id"], ada, [paid["id"]]),
            [("input.punchcards.0.record", "DUPLICATE")],
        ),
        "a punchcard twice": (
            line_input(other["id"], ben, [bens["id"], bens["id"]]),
            [("input.punchcards.1.record", "DUPLICATE")],
        ),
        "a negative adjustment": (
            line_input(other["id"], ben, adjustments=[{"kind": "BONUS", "amount": "-5"}]),
            [("input.adjustments.0.amount", "INVALID")],
        ),
    }
    for what, (line, errors) in refused.items():
        # when each line is sent
        data = await agency.ok(CREATE_LINE, {"input": line})
        # then it is refused with its reason
        assert errors_of(data["payrollUserCreate"]) == errors, what
    assert await api.count("payrollsusers", _account=agency.account_id) == 1


async def test_closing_a_payroll_freezes_it_and_its_lines(api: Api) -> None:
    # given a payroll with a line
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    line = await create_line(agency, payroll["id"], ada)
    # when it is closed with a stale revision, then with its own
    stale = await agency.ok(CLOSE_PAYROLL, {"id": payroll["id"], "revision": 7})
    closed = await close_payroll(agency, payroll)
    # then the stale close is a conflict, and the close is stored
    assert errors_of(stale["payrollClose"]) == [("revision", "CONFLICT")]
    assert (closed["closed"], closed["revision"], closed["closedUser"]) == (True, 2, None)
    doc = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
    assert doc is not None and doc["_closed"] is True and doc["_closed_date"] is not None
    before = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    # when the payroll and its line are changed, deleted, added to, or closed again
    attempts = {
        "payrollUpdate": await agency.ok(
            UPDATE_PAYROLL, {"id": payroll["id"], "revision": 2, "input": {"periodExtra": 2}}
        ),
        "payrollDelete": await agency.ok(DELETE, {"id": payroll["id"], "reason": "Oops"}),
        "payrollClose": await agency.ok(CLOSE_PAYROLL, {"id": payroll["id"], "revision": 2}),
        "payrollUserUpdate": await agency.ok(
            UPDATE_LINE,
            {"id": line["id"], "revision": 1, "input": {"adjustments": []}},
        ),
        "payrollUserDelete": await agency.ok(DELETE_LINE, {"id": line["id"]}),
    }
    # then each is refused for the payroll's state, and nothing changed
    for mutation, data in attempts.items():
        assert errors_of(data[mutation]) == [("id", "INVALID_STATE")], mutation
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    added = await agency.ok(CREATE_LINE, {"input": line_input(payroll["id"], ben)})
    assert errors_of(added["payrollUserCreate"]) == [("input.payroll", "INVALID_STATE")]
    assert await api.database.db.payrollsusers.find_one({"_id": key(line["id"])}) == before
    assert await api.count("payrollsusers", _account=agency.account_id) == 1
    stored = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
    assert stored is not None and stored["_revision"] == 2 and not stored.get("_deleted")


async def test_a_line_is_updated_with_its_revision_while_its_payroll_is_open(api: Api) -> None:
    # given a line with one punchcard
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    first = await create_punchcard(agency, ada, pay={"hours": "2", "rate": "20"})
    second = await create_punchcard(agency, ada, pay={"hours": "1", "rate": "20"})
    line = await create_line(agency, payroll["id"], ada, [first["id"]])
    change = {
        "punchcards": [{"record": first["id"]}, {"record": second["id"]}],
        "adjustments": [{"kind": "BONUS", "amount": "10"}],
    }
    # when a punchcard and a bonus are added, then the same is sent with the old revision
    updated = await agency.ok(UPDATE_LINE, {"id": line["id"], "revision": 1, "input": change})
    stale = await agency.ok(UPDATE_LINE, {"id": line["id"], "revision": 1, "input": change})
    # then the first is stored with the new totals and the second is a conflict
    assert updated["payrollUserUpdate"] == {
        "payrollUser": {"id": line["id"], "revision": 2, "net": "70.00"},
        "userErrors": [],
    }
    assert errors_of(stale["payrollUserUpdate"]) == [("revision", "CONFLICT")]
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and len(doc["punchcards"]) == 2 and doc["_revision"] == 2


async def test_references_to_another_accounts_records_are_refused(api: Api) -> None:
    # given an agency with a payroll and a caregiver, and another agency's records
    agency, other = await api.agency(), await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    theirs, _ = await people(other)
    their_payroll = await create_payroll(other)
    their_punchcard = await create_punchcard(other, theirs)
    refused = {
        "input.payroll": line_input(their_payroll["id"], ada),
        "input.user.record": line_input(payroll["id"], theirs),
        "input.punchcards.0.record": line_input(payroll["id"], ada, [their_punchcard["id"]]),
    }
    for field, line in refused.items():
        # when a line points at each
        data = await agency.ok(CREATE_LINE, {"input": line})
        # then it is not found, as if it did not exist
        assert errors_of(data["payrollUserCreate"]) == [(field, "NOT_FOUND")], field
    assert await api.count("payrollsusers", _account=agency.account_id) == 0
    # and the other agency's payroll and line read as null
    their_line = await create_line(other, their_payroll["id"], theirs)
    seen = await agency.ok(
        "query($p: ID!, $l: ID!) { payroll(id: $p) { id } payrollUser(id: $l) { id } }",
        {"p": their_payroll["id"], "l": their_line["id"]},
    )
    assert seen == {"payroll": None, "payrollUser": None}


async def test_totals_of_a_page_of_payrolls_cost_one_query(api: Api) -> None:
    # given an agency with one payroll with a line, then another with three
    query = "{ payrolls { nodes { hours gross adjustmentsTotal net } } }"
    one, three = await api.agency(), await api.agency()
    for agency, count in ((one, 1), (three, 3)):
        ada, _ = await people(agency)
        for week in range(count):
            start, end = f"2025-03-{3 + 7 * week:02d}", f"2025-03-{9 + 7 * week:02d}"
            payroll = await create_payroll(agency, start=start, end=end)
            await create_line(
                agency, payroll["id"], ada, adjustments=[{"kind": "BONUS", "amount": "5"}]
            )
    # when each lists its payrolls with their totals
    small, large = await one.gql(query), await three.gql(query)
    # then the totals are right, and three payrolls cost no more queries than one
    totals = {"hours": "0.00", "gross": "0.00", "adjustmentsTotal": "5.00", "net": "5.00"}
    assert large.data["payrolls"]["nodes"] == [totals] * 3
    assert large.db_commands == small.db_commands


async def test_a_line_given_to_another_caregiver_keeps_only_their_punchcards(api: Api) -> None:
    # given Ada's line paying one of her punchcards, and Ben
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    payroll = await create_payroll(agency)
    line = await create_line(
        agency, payroll["id"], ada, [(await create_punchcard(agency, ada))["id"]]
    )
    # when the line is given to Ben, keeping Ada's punchcard
    data = await agency.ok(
        UPDATE_LINE, {"id": line["id"], "revision": 1, "input": {"user": {"record": ben}}}
    )
    # then it is refused, and the line still pays Ada
    assert errors_of(data["payrollUserUpdate"]) == [("input.punchcards.0.record", "INVALID")]
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and doc["user"]["_id"] == key(ada) and doc["_revision"] == 1


RESTORE_LINE = """mutation($id: ID!) { payrollUserRestore(id: $id) {
  payrollUser { id } userErrors { field code } } }"""
PAID = """query($f: PunchcardFilter) { punchcards(filter: $f, orderBy: {field: CREATED_DATE,
  direction: ASC}) { nodes { id payroll { record { id } } } } }"""


async def test_a_lines_writes_put_its_payroll_on_the_punchcards_it_pays(api: Api) -> None:
    # given a payroll and three of Ada's punchcards
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    first, second, third = [await create_punchcard(agency, ada) for _ in range(3)]

    async def paid(wanted: bool) -> list[str]:
        data = await agency.ok(PAID, {"f": {"paid": wanted}})
        for node in data["punchcards"]["nodes"]:  # the filter and the snapshot agree
            assert (node["payroll"] == {"record": {"id": payroll["id"]}}) is wanted
        return [node["id"] for node in data["punchcards"]["nodes"]]

    async def stored_payroll() -> dict[str, Any]:
        doc = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
        assert doc is not None
        return doc

    # when a line pays the first two
    line = await create_line(agency, payroll["id"], ada, [first["id"], second["id"]])
    # then those two carry the payroll, and the third does not
    assert await paid(True) == [first["id"], second["id"]]
    assert await paid(False) == [third["id"]]
    # when the line drops the second and pays the third instead
    change = {"punchcards": [{"record": first["id"]}, {"record": third["id"]}]}
    updated = await agency.ok(UPDATE_LINE, {"id": line["id"], "revision": 1, "input": change})
    assert errors_of(updated["payrollUserUpdate"]) == []
    # then the second's payroll is cleared and the third's set
    assert await paid(True) == [first["id"], third["id"]]
    assert await paid(False) == [second["id"]]
    doc = await api.database.db.punchcards.find_one({"_id": key(second["id"])})
    assert doc is not None and "payroll" not in doc and doc["_revision"] == 3
    # when the line is deleted, then restored
    deleted = await agency.ok(DELETE_LINE, {"id": line["id"]})
    assert errors_of(deleted["payrollUserDelete"]) == []
    # then its punchcards are free while it is deleted, and paid again once it is back
    assert await paid(True) == []
    restored = await agency.ok(RESTORE_LINE, {"id": line["id"]})
    assert errors_of(restored["payrollUserRestore"]) == []
    assert await paid(True) == [first["id"], third["id"]]
    # and every line write counted on the payroll, leaving the revision a close needs alone
    doc = await stored_payroll()
    assert (doc["_lines_revision"], doc["_revision"]) == (4, 1)


async def test_a_line_pays_hours_times_rate_or_the_punchcards_pay_whole(api: Api) -> None:
    # given Ada's punchcards paying 2 h at 22.50 with a premium (50.00), and Ben's
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    payroll = await create_payroll(agency)
    pay = {"hours": "2", "rate": "22.50", "amount": "50.00"}
    given, hours_only, copied, echoed = [
        await create_punchcard(agency, ada, pay=pay) for _ in range(4)
    ]
    bens = await create_punchcard(agency, ben, pay=pay)
    # when a line gives hours and rate for one, hours only for another, nothing for a third,
    # and the punchcard's own pay for the last
    entries = [
        {"record": given["id"], "hours": "5", "rate": "10"},
        {"record": hours_only["id"], "hours": "3"},
        {"record": copied["id"]},
        {"record": echoed["id"], **pay},
    ]
    sent = {"input": {**line_input(payroll["id"], ada), "punchcards": entries}}
    created = (await agency.ok(CREATE_LINE, sent))["payrollUserCreate"]
    assert created["userErrors"] == []
    line = created["payrollUser"]
    # then each amount is hours times rate, to the cent, unless the punchcard's pay is copied
    assert [(p["hours"], p["rate"], p["amount"]) for p in line["punchcards"]] == [
        ("5.00", "10", "50.00"),
        ("3.00", "22.50", "67.50"),
        ("2.00", "22.50", "50.00"),
        ("2.00", "22.50", "50.00"),
    ]
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and doc["punchcards"][0]["amount"] == Decimal128("50.00")
    # when a line gives hours and rate with an amount that is not their product
    wrong = {"record": bens["id"], "hours": "5", "rate": "10", "amount": "45.00"}
    data = await agency.ok(
        CREATE_LINE, {"input": {**line_input(payroll["id"], ben), "punchcards": [wrong]}}
    )
    # then it is refused on that amount, and nothing is stored nor marked
    assert errors_of(data["payrollUserCreate"]) == [("input.punchcards.0.amount", "INVALID")]
    assert await api.count("payrollsusers", _account=agency.account_id) == 1
    card = await api.database.db.punchcards.find_one({"_id": key(bens["id"])})
    assert card is not None and "payroll" not in card


async def test_money_beyond_bounds_or_cents_is_refused_and_nothing_is_written(api: Api) -> None:
    # given a payroll with Ada's line, and one of Ben's punchcards
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    payroll = await create_payroll(agency)
    line = await create_line(agency, payroll["id"], ada)
    card = await create_punchcard(agency, ben)
    bad = {
        "adjustment beyond bounds": (
            {"adjustments": [{"kind": "BONUS", "amount": "1E+30"}]},
            "input.adjustments.0.amount",
        ),
        "adjustment with a third decimal": (
            {"adjustments": [{"kind": "MILEAGE", "amount": "12.345"}]},
            "input.adjustments.0.amount",
        ),
        "rate beyond bounds": (
            {"punchcards": [{"record": card["id"], "hours": "1", "rate": "1E+9"}]},
            "input.punchcards.0.rate",
        ),
        "amount with a third decimal": (
            {"punchcards": [{"record": card["id"], "amount": "12.345"}]},
            "input.punchcards.0.amount",
        ),
    }
    for what, (fields, field) in bad.items():
        # when a line with each is made, and Ada's line is changed to each
        made = await agency.ok(CREATE_LINE, {"input": {**line_input(payroll["id"], ben), **fields}})
        if "punchcards" not in fields:
            changed = await agency.ok(
                UPDATE_LINE, {"id": line["id"], "revision": 1, "input": fields}
            )
            assert errors_of(changed["payrollUserUpdate"]) == [(field, "INVALID")], what
        # then each is refused on its field
        assert errors_of(made["payrollUserCreate"]) == [(field, "INVALID")], what
    # and nothing was written: the payroll still adds up
    assert await api.count("payrollsusers", _account=agency.account_id) == 1
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and doc["_revision"] == 1 and doc["adjustments"] == []
    read = await agency.ok(READ_PAYROLL, {"id": payroll["id"]})
    assert read["payroll"]["net"] == "0.00"


async def test_a_line_pays_only_live_punchcards_of_its_period(api: Api) -> None:
    # given a payroll of the week of March 3, Ada's punchcard of the week after, and a deleted
    # one of hers
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    later = await create_punchcard(agency, ada, actual={"clockIn": at(8, 9), "clockOut": at(8, 11)})
    gone = await create_punchcard(agency, ada)
    await agency.ok(DELETE_PUNCHCARD, {"id": gone["id"]})
    # when a line pays them
    data = await agency.ok(
        CREATE_LINE, {"input": line_input(payroll["id"], ada, [later["id"], gone["id"]])}
    )
    # then each is refused for its reason, and nothing is stored nor marked
    assert errors_of(data["payrollUserCreate"]) == [
        ("input.punchcards.0.record", "INVALID"),
        ("input.punchcards.1.record", "INVALID_STATE"),
    ]
    assert await api.count("payrollsusers", _account=agency.account_id) == 0
    assert await api.count("punchcards", _account=agency.account_id, payroll={"$ne": None}) == 0


async def test_a_close_committed_during_a_line_write_refuses_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two open payrolls, one with Ada's line, and a punchcard of each caregiver
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    first, second = await create_payroll(agency), await create_payroll(agency)
    line = await create_line(agency, first["id"], ada)
    adas, bens = await create_punchcard(agency, ada), await create_punchcard(agency, ben)
    before = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    # and a close of the line's payroll that commits after the line's checks, before its write
    checks = PayrollUserStore._prepare

    async def checks_then_close(
        store: PayrollUserStore, actor: Actor, items: Any, prefix: Any, current: Any = None
    ) -> None:
        await checks(store, actor, items, prefix, current)
        payroll = items[0].get("payroll") or (current or {}).get("payroll")
        await payroll_store(store.database).close(actor, payroll, 1)

    monkeypatch.setattr(PayrollUserStore, "_prepare", checks_then_close)
    # when Ada's line takes her punchcard, and a line for Ben is made in the other payroll
    change = {"punchcards": [{"record": adas["id"]}]}
    updated = await agency.ok(UPDATE_LINE, {"id": line["id"], "revision": 1, "input": change})
    made = await agency.ok(CREATE_LINE, {"input": line_input(second["id"], ben, [bens["id"]])})
    # then both are refused for the payroll's state, and nothing was written
    assert errors_of(updated["payrollUserUpdate"]) == [("id", "INVALID_STATE")]
    assert errors_of(made["payrollUserCreate"]) == [("input.payroll", "INVALID_STATE")]
    assert await api.database.db.payrollsusers.find_one({"_id": key(line["id"])}) == before
    assert await api.count("payrollsusers", _account=agency.account_id) == 1
    assert await api.count("punchcards", _account=agency.account_id, payroll={"$ne": None}) == 0
    assert await api.count("payrolls", _account=agency.account_id, _closed=True) == 2


async def test_a_payroll_with_live_lines_is_not_deleted(api: Api) -> None:
    # given a payroll with Ada's line paying one of her punchcards
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency)
    card = await create_punchcard(agency, ada)
    line = await create_line(agency, payroll["id"], ada, [card["id"]])
    before = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
    trail = await api.count("audit_events", record_id=key(payroll["id"]))
    # when the payroll is deleted
    data = await agency.ok(DELETE, {"id": payroll["id"], "reason": "Made by mistake"})
    # then it is refused for its lines, and nothing is written: the punchcard is still paid
    assert errors_of(data["payrollDelete"]) == [("id", "INVALID_STATE")]
    assert await api.database.db.payrolls.find_one({"_id": key(payroll["id"])}) == before
    assert await api.count("audit_events", record_id=key(payroll["id"])) == trail
    paid = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert paid is not None and paid["payroll"]["_id"] == key(payroll["id"])
    # when its line is deleted first, then the payroll
    assert errors_of((await agency.ok(DELETE_LINE, {"id": line["id"]}))["payrollUserDelete"]) == []
    data = await agency.ok(DELETE, {"id": payroll["id"], "reason": "Made by mistake"})
    # then the payroll is deleted
    assert data["payrollDelete"] == {
        "payroll": {"id": payroll["id"], "deleted": True},
        "userErrors": [],
    }
    # and its line cannot come back into the deleted payroll, nor mark the punchcard again
    restored = await agency.ok(RESTORE_LINE, {"id": line["id"]})
    assert errors_of(restored["payrollUserRestore"]) == [("id", "INVALID_STATE")]
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None and doc["_deleted"] is True
    freed = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert freed is not None and "payroll" not in freed


READ_PAID = """query($id: ID!) { punchcard(id: $id) { payroll { start end } } }"""


async def test_a_payrolls_new_period_keeps_the_punchcards_its_lines_pay(api: Api) -> None:
    # given a payroll of March 3 to 9 plus one day, with Ada's line paying her punchcards of
    # March 3, March 9 and March 10 (the extra day)
    agency = await api.agency()
    ada, _ = await people(agency)
    payroll = await create_payroll(agency, periodExtra=1)
    cards = [
        await create_punchcard(agency, ada, actual={"clockIn": at(day, 9), "clockOut": at(day, 11)})
        for day in (0, 6, 7)
    ]
    await create_line(agency, payroll["id"], ada, [c["id"] for c in cards])
    before = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
    refused = {
        "a later start": ({"start": "2025-03-04"}, [("input.start", "INVALID")]),
        "an earlier end": ({"end": "2025-03-08"}, [("input.end", "INVALID")]),
        "no extra day": ({"periodExtra": 0}, [("input.periodExtra", "INVALID")]),
        "both ends in": (
            {"start": "2025-03-05", "end": "2025-03-06", "periodExtra": 0},
            [("input.start", "INVALID"), ("input.end", "INVALID")],
        ),
    }
    for what, (change, errors) in refused.items():
        # when the period is changed to leave punchcards out
        variables = {"id": payroll["id"], "revision": 1, "input": change}
        data = (await agency.ok(UPDATE_PAYROLL, variables))["payrollUpdate"]
        # then it is refused on the field, naming how many fall outside, and nothing is written
        assert errors_of(data) == errors, what
        assert await api.database.db.payrolls.find_one({"_id": key(payroll["id"])}) == before
    messages = [e["message"] for e in data["userErrors"]]
    assert messages[0].startswith("1 punchcard ") and messages[1].startswith("2 punchcards ")
    # when the period is widened instead
    change = {"start": "2025-03-02", "end": "2025-03-10", "periodExtra": 0}
    data = await agency.ok(UPDATE_PAYROLL, {"id": payroll["id"], "revision": 1, "input": change})
    # then it is stored, and the punchcards it pays carry the new period
    assert errors_of(data["payrollUpdate"]) == []
    doc = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
    assert doc is not None and doc["_revision"] == 2 and doc["period_extra"] == 0
    for card in cards:
        read = await agency.ok(READ_PAID, {"id": card["id"]})
        assert read["punchcard"]["payroll"] == {"start": "2025-03-02", "end": "2025-03-10"}
