"""An update is a patch: what its input leaves out stays as stored, at every depth; an explicit
null clears a field; a list given replaces the stored list whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, get_named_type

from app.common.services import decode
from app.graphql.relay import from_global_id
from app.graphql.schema import build_schema
from tests.factories import Agency, Api, audit_entries, create_patient, location

ACCOUNT_UPDATE = """mutation($revision: Int!, $input: AccountUpdateInput!) {
  accountUpdate(revision: $revision, input: $input) {
    account { revision
      billingSettings {
        roundingMinutes billLateCheckout holidayMultiplier lateCheckoutGraceMinutes }
      payrollSettings { roundingMinutes periodType periodAnchor holidayMultiplier } }
    userErrors { field code } } }"""
PATIENT_UPDATE = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) {
    patient { revision name { first middle last nickname } locations { city address1 primary } }
    userErrors { field code } } }"""


PATCH_RULES = (
    "fields left out stay as they are; null clears a field; a list given replaces the stored "
    "list whole"
)
LIST_RULE = "a list given replaces the stored list whole"


async def stored_account(agency: Agency) -> dict[str, Any]:
    document = await agency.api.database.db.accounts.find_one({"_id": agency.account_id})
    assert document is not None
    return decode(document)  # type: ignore[no-any-return]


async def stored_patient(api: Api, global_id: str) -> dict[str, Any]:
    decoded = from_global_id(global_id)
    assert decoded is not None
    document = await api.database.db.patients.find_one({"_id": decoded[1]})
    assert document is not None
    return decode(document)  # type: ignore[no-any-return]


async def agency_with_settings(api: Api) -> Agency:
    """An agency that bills late checkouts and holidays at double, and pays weekly."""
    agency = await api.agency()
    data = await agency.ok(
        ACCOUNT_UPDATE,
        {
            "revision": 1,
            "input": {
                "billingSettings": {
                    "billLateCheckout": True,
                    "holidayMultiplier": "2.0",
                    "lateCheckoutGraceMinutes": 7,
                },
                "payrollSettings": {
                    "periodType": "WEEKLY",
                    "periodAnchor": "2026-01-05",
                    "holidayMultiplier": "2.0",
                },
            },
        },
    )
    assert data["accountUpdate"]["userErrors"] == []
    return agency


async def test_a_settings_patch_keeps_the_settings_it_does_not_mention(api: Api) -> None:
    # given an agency billing late checkouts, holidays at double and paying weekly
    agency = await agency_with_settings(api)
    before = await stored_account(agency)

    # when only the rounding of billing and payroll changes
    data = await agency.ok(
        ACCOUNT_UPDATE,
        {
            "revision": 2,
            "input": {
                "billingSettings": {"roundingMinutes": 5},
                "payrollSettings": {"roundingMinutes": 5},
            },
        },
    )

    # then the answer shows every other setting as it was
    account = data["accountUpdate"]["account"]
    assert data["accountUpdate"]["userErrors"] == []
    billing, payroll = account["billingSettings"], account["payrollSettings"]
    assert (billing["roundingMinutes"], billing["billLateCheckout"]) == (5, True)
    assert billing["lateCheckoutGraceMinutes"] == 7
    assert Decimal(billing["holidayMultiplier"]) == Decimal("2.0")
    assert (payroll["roundingMinutes"], payroll["periodType"]) == (5, "WEEKLY")
    assert payroll["periodAnchor"] == "2026-01-05"
    assert Decimal(payroll["holidayMultiplier"]) == Decimal("2.0")
    # and the stored settings differ from before in the rounding alone
    after = await stored_account(agency)
    for key in ("billing_settings", "payroll_settings"):
        assert after[key] == {**before[key], "rounding_minutes": 5}
    assert after["payroll_settings"]["period_anchor"] == dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    # and the audit trail names only what changed
    entry = (await audit_entries(agency, action="update", record_type="Account"))[-1]
    assert [change["field"] for change in entry["changes"]] == [
        "billingSettings",
        "payrollSettings",
    ]
    for change in entry["changes"]:
        old, new = decode(change["before"]), decode(change["after"])
        assert {k for k in {*old, *new} if old.get(k) != new.get(k)} == {"rounding_minutes"}


async def test_a_name_patch_keeps_the_middle_name(api: Api) -> None:
    # given a patient with a middle name and a nickname
    agency = await api.agency()
    name = {"first": "Anna", "middle": "Marie", "last": "Green", "nickname": "Annie"}
    patient = await create_patient(agency, name=name)

    # when the first and last names are given
    data = await agency.ok(
        PATIENT_UPDATE,
        {"id": patient["id"], "revision": 1, "input": {"name": {"first": "Anna", "last": "Lee"}}},
    )

    # then the middle name and nickname stay, in the answer and in the database
    expected = {"first": "Anna", "middle": "Marie", "last": "Lee", "nickname": "Annie"}
    assert data["patientUpdate"]["userErrors"] == []
    assert data["patientUpdate"]["patient"]["name"] == expected
    stored = await stored_patient(api, patient["id"])
    assert {k: v for k, v in stored["name"].items() if v is not None} == expected


async def test_an_explicit_null_clears_a_nested_field(api: Api) -> None:
    # given a patient with a middle name, and an agency with a pay period anchor
    agency = await agency_with_settings(api)
    name = {"first": "Anna", "middle": "Marie", "last": "Green", "nickname": "Annie"}
    patient = await create_patient(agency, name=name)

    # when the middle name and the anchor are given as null
    cleared = await agency.ok(
        PATIENT_UPDATE,
        {"id": patient["id"], "revision": 1, "input": {"name": {**name, "middle": None}}},
    )
    settings = await agency.ok(
        ACCOUNT_UPDATE, {"revision": 2, "input": {"payrollSettings": {"periodAnchor": None}}}
    )

    # then they are cleared, and what sits beside them stays
    assert cleared["patientUpdate"]["patient"]["name"]["middle"] is None
    assert (await stored_patient(api, patient["id"]))["name"].get("middle") is None
    assert (await stored_patient(api, patient["id"]))["name"]["nickname"] == "Annie"
    payroll = settings["accountUpdate"]["account"]["payrollSettings"]
    assert (payroll["periodAnchor"], payroll["periodType"]) == (None, "WEEKLY")
    assert (await stored_account(agency))["payroll_settings"].get("period_anchor") is None


async def test_a_list_given_replaces_the_stored_list_whole(api: Api) -> None:
    # given a patient with a home and an office address
    agency = await api.agency()
    office = {**location("Ottawa"), "label": "Office", "primary": False}
    patient = await create_patient(agency, locations=[location(), office])

    # when one address is given, with a city alone
    data = await agency.ok(
        PATIENT_UPDATE,
        {"id": patient["id"], "revision": 1, "input": {"locations": [{"city": "Kingston"}]}},
    )

    # then the list holds that address alone: nothing of the stored items is merged into it
    assert data["patientUpdate"]["userErrors"] == []
    expected = [{"city": "Kingston", "address1": None, "primary": False}]
    assert data["patientUpdate"]["patient"]["locations"] == expected
    (stored,) = (await stored_patient(api, patient["id"]))["locations"]
    assert stored["city"] == "Kingston" and stored.get("address1") is None
    assert stored.get("label") is None and stored.get("geo") is None


def test_every_update_says_how_it_reads_its_input() -> None:
    # given the schema's updates: every mutation taking an update input, generated or not
    schema = build_schema()._schema
    assert schema.mutation_type is not None
    updates = {
        name: field
        for name, field in schema.mutation_type.fields.items()
        if "input" in field.args
        and get_named_type(field.args["input"].type).name.endswith("UpdateInput")
    }
    assert {"accountUpdate", "patientUpdate", "eventGroupUpdate", "eventGroupSplit"} <= set(updates)

    # when their descriptions, and those of the list fields their inputs hold, are read
    silent = [
        name
        for name, field in updates.items()
        if PATCH_RULES not in (field.description or "").lower()
    ]
    seen: set[str] = set()
    pending = [get_named_type(field.args["input"].type) for field in updates.values()]
    lists: list[str] = []
    while pending:
        kind = pending.pop()
        if not isinstance(kind, GraphQLInputObjectType) or kind.name in seen:
            continue
        seen.add(kind.name)
        for name, input_field in kind.fields.items():
            of_type = input_field.type
            of_type = of_type.of_type if isinstance(of_type, GraphQLNonNull) else of_type
            if (
                isinstance(of_type, GraphQLList)
                and LIST_RULE not in input_field.description.lower()
            ):
                lists.append(f"{kind.name}.{name}")
            pending.append(get_named_type(input_field.type))

    # then each says that fields left out stay, null clears and a list replaces the stored one
    assert silent == []
    assert lists == []


async def test_an_account_given_another_accounts_ext_id_is_told_which_field(api: Api) -> None:
    # given two agencies, the first known by an id in another system
    first, second = await api.agency(), await api.agency()
    update = """mutation($input: AccountUpdateInput!) { accountUpdate(revision: 1, input: $input)
      { userErrors { field code } } }"""
    await first.ok(update, {"input": {"extId": "agency-7"}})

    # when the second takes the same id
    data = await second.ok(update, {"input": {"extId": "agency-7", "website": "https://b.test"}})

    # then it is refused on that field, and nothing of the update is stored
    assert data["accountUpdate"]["userErrors"] == [{"field": "input.extId", "code": "DUPLICATE"}]
    assert (await stored_account(second)).get("website") is None
