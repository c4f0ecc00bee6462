"""Dates, times and decimals out of range or oddly written are bad input, never internal errors."""

from __future__ import annotations

import pytest

from tests.factories import CREATE_PATIENT, Api, patient_input

EVENTS_FROM = "query($from: DateTime!) { events(filter: {start: {start: $from}}) { totalCount } }"


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # before the calendar starts, once in UTC
        "9999-12-31T23:59:59-12:00",  # after it ends
        "1753-01-01T00:00:00Z",  # a placeholder some systems store for "no date"
        "3000-01-01T00:00:00Z",
    ],
)
async def test_a_date_time_out_of_range_is_a_clear_input_error(api: Api, value: str) -> None:
    # given an agency
    agency = await api.agency()

    # when it sends a DateTime out of range, as a variable and written in the query
    as_variable = await agency.gql(EVENTS_FROM, {"from": value})
    literal = await agency.gql(
        f'{{ events(filter: {{start: {{start: "{value}"}}}}) {{ totalCount }} }}'
    )

    # then both are refused as bad input, saying the range, and nothing ran
    for response in (as_variable, literal):
        [error] = response.errors
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
        assert "out of range: dates run from 1800 to 2999" in error["message"]
        assert response.data is None


async def test_a_date_out_of_range_is_refused_and_nothing_is_stored(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient is created born on 0001-01-01 (an old system's "unknown")
    response = await agency.gql(CREATE_PATIENT, {"input": patient_input(dateOfBirth="0001-01-01")})

    # then it is bad input and no patient is stored
    [error] = response.errors
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "'0001-01-01' is out of range" in error["message"]
    assert await api.count("patients", _account=agency.account_id) == 0


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1e7000", "cannot be held exactly"),
        ("1" * 35, "cannot be held exactly"),
        ("0." + "1" * 40, "cannot be held exactly"),
        ("1_000", "not a decimal number"),
        ("NaN", "finite"),
    ],
)
async def test_an_odd_decimal_is_a_clear_input_error(api: Api, value: str, says: str) -> None:
    # given an agency
    agency = await api.agency()

    # when its settings are updated with an odd Decimal
    response = await agency.gql(
        "mutation($m: Decimal!) { accountUpdate(revision: 1, input: "
        "{payrollSettings: {holidayMultiplier: $m}}) { userErrors { field message } } }",
        {"m": value},
    )

    # then it is bad input naming what is wrong
    [error] = response.errors
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert says in error["message"]


async def test_decimals_are_written_out_plainly(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a Decimal is sent in exponent form
    response = await agency.gql(
        "mutation($m: Decimal!) { accountUpdate(revision: 1, input: "
        "{payrollSettings: {holidayMultiplier: $m}}) { account { payrollSettings "
        "{ holidayMultiplier } } userErrors { field message } } }",
        {"m": "2.5E+0"},
    )

    # then it is stored and shown as a plain decimal
    payload = response.data["accountUpdate"]
    assert payload["userErrors"] == []
    assert payload["account"]["payrollSettings"]["holidayMultiplier"] == "2.5"


async def test_a_number_too_large_for_any_record_is_refused_naming_its_field(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when its holiday multiplier is set to a number of 34 digits (a Decimal, but no multiplier)
    response = await agency.gql(
        "mutation($m: Decimal!) { accountUpdate(revision: 1, input: "
        "{payrollSettings: {holidayMultiplier: $m}}) { userErrors { field message code } } }",
        {"m": "9" * 34},
    )

    # then it is refused naming the field, and the account is unchanged
    [error] = response.data["accountUpdate"]["userErrors"]
    assert error["field"] == "input.payrollSettings.holidayMultiplier"
    assert error["code"] == "INVALID" and "15 digits" in error["message"]
    stored = await api.database.db.accounts.find_one({"_id": agency.account_id})
    assert stored is not None and stored.get("_revision", 1) == 1
