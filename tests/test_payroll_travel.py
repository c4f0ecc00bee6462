"""Mileage and travel time between a caregiver's consecutive visits of a day, paid by payroll
generation: great-circle distances by default, road distances from a routing server when the
settings choose one (a local stand-in for OSRM here: no network). Figures by hand in the
comments; the day is `tests.factories_travel.four_visit_day`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.common.services import decode
from app.settings import Settings
from tests.factories import Api
from tests.factories_payroll import generate, generated
from tests.factories_travel import four_visit_day, travel_agency
from tests.factories_visits import key

TRAVEL = ("distance", "mileageAmount", "gapMinutes", "hours", "rate", "amount")


def travel_of(entry: dict[str, Any]) -> tuple[Any, ...] | None:
    travel = entry["travel"]
    return None if travel is None else tuple(travel[k] for k in TRAVEL)


async def test_a_day_of_four_visits_pays_mileage_and_travel_time(api: Api) -> None:
    # given an agency paying 0.68 a km and travel time (at most 60 min, rounded to 15 min) at
    # the pay rate of the visit travelled to, and Ada's day of four visits, then Tuesday's
    agency = await api.agency()
    await travel_agency(
        agency, mileageRate="0.68", distanceUnit="KM", payTravelTime=True, maxTravelMinutes=60
    )
    day = await four_visit_day(agency)

    # when the week's payroll is generated
    payload = await generated(agency)

    # then the first visit of each day has no drive; the others pay, each from the visit
    # before it:
    # 2: 43.60 -> 43.70 = 11,119.5 m = 11.12 km x 0.68 = 7.5616 -> 7.56; 25 min is 1.67
    #    increments of 15 -> 2 -> 0.50 h x 20.00 = 10.00
    # 3: 43.70 -> 43.75 = 5,559.8 m = 5.56 km x 0.68 = 3.7808 -> 3.78; 95 min capped at 60:
    #    1.00 h x 20.00 = 20.00
    # 4: 43.75 -> Bea's address 43.95 (no position) = 22,239.0 m = 22.24 km x 0.68 =
    #    15.1232 -> 15.12; 10 min is 0.67 increments -> 1 -> 0.25 h x 24.00 = 6.00
    (line,) = payload["lines"]
    assert [travel_of(entry) for entry in line["punchcards"]] == [
        None,
        ("11.12", "7.56", 25, "0.50", "20.00", "10.00"),
        ("5.56", "3.78", 95, "1.00", "20.00", "20.00"),
        ("22.24", "15.12", 10, "0.25", "24.00", "6.00"),
        None,
    ]
    origins = [(e["travel"] or {}).get("origin", {}).get("id") for e in line["punchcards"]]
    assert origins == [None, *(card["id"] for card in day.cards[:3]), None]
    assert {e["travel"]["distanceUnit"] for e in line["punchcards"] if e["travel"]} == {"KM"}
    # and the line adds up: visits 40 + 30 + 30 + 42 + 40 = 182.00, travel 1.75 h = 36.00,
    # gross 218.00; mileage 38.92 km = 26.46 beside it; net 244.46
    assert (line["hours"], line["regularHours"], line["travelHours"]) == ("8.75", "8.75", "1.75")
    assert (line["travelPay"], line["gross"]) == ("36.00", "218.00")
    assert (line["mileageDistance"], line["mileageAmount"], line["net"]) == (
        "38.92", "26.46", "244.46"
    )  # fmt: skip
    visits = sum((Decimal(e["hours"]) * Decimal(e["rate"]) for e in line["punchcards"]), Decimal(0))
    travel = sum(
        (Decimal(e["travel"]["hours"]) * Decimal(e["travel"]["rate"])
         for e in line["punchcards"] if e["travel"]),
        Decimal(0),
    )  # fmt: skip
    assert visits + travel == Decimal(line["gross"])
    payroll = payload["payroll"]
    assert (payroll["travelHours"], payroll["mileageAmount"], payroll["net"]) == (
        "1.75", "26.46", "244.46"
    )  # fmt: skip
    # and the punchcard of visit 4 keeps what its drive paid
    doc = await api.database.db.punchcards.find_one({"_id": key(day.cards[3]["id"])})
    assert doc is not None
    stored = decode(doc["pay"])["travel"]
    assert (str(stored["distance"]), str(stored["amount"]), stored["origin"]) == (
        "22.24", "6.00", key(day.cards[2]["id"])
    )  # fmt: skip


async def test_travel_is_paid_only_as_the_account_says(api: Api) -> None:
    # given the same day in an agency that pays travel time at 18.00 and no mileage
    agency = await api.agency()
    await travel_agency(agency, payTravelTime=True, travelTimeRate="18.00")
    await four_visit_day(agency)
    # when the week's payroll is generated
    (line,) = (await generated(agency))["lines"]
    # then travel pays 0.50 + 1.00 + 0.25 = 1.75 h x 18.00 = 31.50, and no mileage
    assert (line["travelHours"], line["travelPay"], line["mileageAmount"]) == (
        "1.75", "31.50", "0.00"
    )  # fmt: skip
    assert [e["travel"]["distance"] for e in line["punchcards"] if e["travel"]] == [None] * 3
    # and in an agency that pays neither, the punchcards carry no travel
    other = await api.agency()
    await travel_agency(other)
    await four_visit_day(other)
    (plain,) = (await generated(other))["lines"]
    assert [e["travel"] for e in plain["punchcards"]] == [None] * 5
    assert (plain["gross"], plain["net"]) == ("182.00", "182.00")


class RoadServer:
    """A stand-in for an OSRM server: every route is 15 km, and each request is kept."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.app = web.Application()
        self.app.router.add_get("/route/v1/driving/{legs}", self.route)

    async def route(self, request: web.Request) -> web.Response:
        self.asked.append(request.match_info["legs"])
        return web.json_response({"code": "Ok", "routes": [{"distance": 15000.0}]})


@pytest.fixture
async def road(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RoadServer]:
    server = RoadServer()
    async with TestServer(server.app) as running:
        monkeypatch.setattr(settings, "routing", "osrm")
        monkeypatch.setattr(settings, "routing_url", str(running.make_url("")))
        yield server


async def test_road_distances_come_from_the_routing_server_the_settings_name(
    api: Api, road: RoadServer
) -> None:
    # given the settings naming an OSRM server whose every route is 15 km, and the day
    agency = await api.agency()
    await travel_agency(agency, mileageRate="0.68")
    await four_visit_day(agency)
    # when the week's payroll is generated
    (line,) = (await generated(agency))["lines"]
    # then each of the three drives is 15.00 km x 0.68 = 10.20: 45.00 km, 30.60
    assert [e["travel"]["distance"] for e in line["punchcards"] if e["travel"]] == ["15.00"] * 3
    assert (line["mileageDistance"], line["mileageAmount"]) == ("45.00", "30.60")
    # and the server was asked once per drive, longitude first, from the clock-out before
    assert road.asked == [
        "-79.400000,43.600000;-79.400000,43.700000",
        "-79.400000,43.700000;-79.400000,43.750000",
        "-79.400000,43.750000;-79.400000,43.950000",
    ]


async def test_an_unreachable_routing_server_refuses_the_payroll_and_stores_nothing(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the settings naming a routing server nobody answers at
    agency = await api.agency()
    await travel_agency(agency, mileageRate="0.68")
    day = await four_visit_day(agency)
    monkeypatch.setattr(settings, "routing", "osrm")
    monkeypatch.setattr(settings, "routing_url", "http://127.0.0.1:9")
    # when the week's payroll is generated
    payload = await generate(agency)
    # then it is refused, saying why, and nothing is stored
    (error,) = payload["userErrors"]
    assert error["code"] == "INVALID_STATE" and "routing server" in error["message"]
    assert payload["payroll"] is None
    found = await api.database.db.payrolls.count_documents({"_account": agency.account_id})
    doc = await api.database.db.punchcards.find_one({"_id": key(day.cards[1]["id"])})
    assert found == 0 and doc is not None and doc.get("payroll") is None
