"""An invoice's list of the visits it bills adds up to its lines: each visit at its line's rate
(the holiday rate on a holiday), the line's amount apportioned to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.billing.amounts import apportioned, line_total
from app.graphql.relay import to_global_id
from tests.factories import Api
from tests.factories_billing import (
    GENERATE_INVOICE,
    MAY,
    billed_patient,
    generation_agency,
    stored_punchcard,
)
from tests.test_billing import key


def at(day: int) -> dt.datetime:
    """10:00 in Toronto on a day of May 2025."""
    return dt.datetime(2025, 5, day, 14, tzinfo=dt.UTC)


async def test_each_visit_is_billed_at_its_lines_rate_and_the_visits_add_up_to_the_lines(
    api: Api,
) -> None:
    # given three PSW visits of 0.75 h at 33.33 (1, 2 and 5 May) and one of 2 h at 32.50 on
    # Victoria Day (19 May; holiday multiplier 1.5)
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    ordinary = [
        await stored_punchcard(agency, key(patient), at(day), "0.75", "33.33") for day in (1, 2, 5)
    ]
    holiday = await stored_punchcard(agency, key(patient), at(19), "2", "32.50")

    # when May is invoiced
    data = await agency.ok(GENERATE_INVOICE, {"period": MAY, "patient": patient})
    result = data["invoiceGenerate"]
    assert result["userErrors"] == []
    invoice = result["invoice"]

    # then (by hand) the lines: PSW 2.25 h x 33.33 = 74.9925 -> 74.99; PSW holiday at
    # 32.50 x 1.5 = 48.75, 2 h x 48.75 = 97.50; subtotal 172.49
    assert [(s["quantity"], s["rate"], s["amount"]) for s in invoice["services"]] == [
        ("2.25", "33.33", "74.99"),
        ("2", "48.75", "97.50"),
    ]
    assert invoice["subtotal"] == "172.49"
    # and each visit bills its share of its line: 0.75 x 33.33 = 24.9975 each, rounded down
    # to 24.99 (74.97 together), the 2 cents left going to the largest remainders, equal here,
    # so to the first two in date order: 25.00, 25.00, 24.99 (= 74.99, not 3 x 25.00 =
    # 75.00); the holiday visit at the holiday rate, 97.50 (not 2 x 32.50 = 65.00)
    listed = [(c["record"]["id"], c["amount"]) for c in invoice["punchcards"]]
    assert listed == [
        (to_global_id("Punchcard", ordinary[0]), "25.00"),
        (to_global_id("Punchcard", ordinary[1]), "25.00"),
        (to_global_id("Punchcard", ordinary[2]), "24.99"),
        (to_global_id("Punchcard", holiday), "97.50"),
    ]
    assert sum(Decimal(amount) for _, amount in listed) == Decimal(invoice["subtotal"])
    # and it is stored so
    stored = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None
    assert [str(c["amount"]) for c in stored["punchcards"]] == ["25.00", "25.00", "24.99", "97.50"]


@pytest.mark.parametrize(
    ("quantities", "rate", "rule", "parts"),
    [
        # 3 x 0.75 x 33.33 = 74.9925 -> 74.99: floors 24.99 x 3 = 74.97, 2 cents to the first two
        (["0.75", "0.75", "0.75"], "33.33", None, ["25.00", "25.00", "24.99"]),
        # 1.25 x 30.15 = 37.6875 and 0.5 x 30.15 = 15.075: 52.7625 -> 52.76; floors 37.68 +
        # 15.07 = 52.75, the cent left to the larger remainder (.75 against .5)
        (["1.25", "0.5"], "30.15", None, ["37.69", "15.07"]),
        # rounded down (DOWN): 74.9925 -> 74.99, as above; up (UP): 75.00, a cent to each
        (["0.75", "0.75", "0.75"], "33.33", "down", ["25.00", "25.00", "24.99"]),
        (["0.75", "0.75", "0.75"], "33.33", "up", ["25.00", "25.00", "25.00"]),
        # shares already to the cent stay as they are
        (["2", "1"], "34.00", None, ["68.00", "34.00"]),
    ],
)
def test_a_lines_amount_is_apportioned_to_its_visits_by_largest_remainder(
    quantities: list[str], rate: str, rule: str | None, parts: list[str]
) -> None:
    hours = [Decimal(q) for q in quantities]
    amount = line_total(sum(hours, Decimal(0)), Decimal(rate), rule)
    got = apportioned(amount, [h * Decimal(rate) for h in hours])
    assert [str(part) for part in got] == parts
    assert sum(got, Decimal(0)) == amount
