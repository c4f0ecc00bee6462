"""Clocking in and out: punches checked against the account's visit settings (stored and
flagged, never dropped), hours billed and paid under the rounding rules, the visit's status
moved with the punch, and every refusal writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from app.common.geo import distance_meters
from app.common.services import decode
from app.graphql.relay import to_global_id
from app.visits.rules import billed_span, billing_period, rounded_hours
from tests.factories import Agency, Api, audit_entries, small_demo_of_last_week
from tests.factories_scheduling import UPDATE_EVENT
from tests.factories_visits import (
    CLOCK_IN,
    CLOCK_OUT,
    HOME,
    VISIT_DAY,
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    event_id,
    key,
    local,
    near,
)

Json = dict[str, Any]
FLAGGED = """query($filter: PunchcardFilter) { punchcards(filter: $filter) {
  totalCount nodes { id flags { kind } } } }"""


def t(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, 3, hour, minute, second, tzinfo=dt.UTC)


# --- the rules, hand-computed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "increment", "hours"),
    [
        (t(9, 2), t(10, 53), 15, "1.75"),  # 111 min = 7.4 increments -> 7
        (t(9, 0), t(9, 7, 30), 15, "0.25"),  # 7.5 increments: a half rounds up
        (t(9, 0), t(9, 7, 29), 15, "0.00"),
        (t(9, 0), t(9, 50), 20, "1.00"),  # 2.5 increments -> 3 x 20 min
        (t(9, 0), t(9, 50), 1, "0.83"),  # 50 min to the hundredth of an hour
        (t(9, 0), t(11, 8), 6, "2.10"),  # 128 min = 21.33 increments -> 21 x 6 min
    ],
)
def test_worked_time_rounds_to_the_nearest_increment_halves_up(
    start: dt.datetime, end: dt.datetime, increment: int, hours: str
) -> None:
    assert rounded_hours(start, end, increment) == Decimal(hours)


def test_time_past_the_end_is_billed_only_beyond_the_grace_and_when_the_account_says() -> None:
    start, end = t(9), t(11)
    # an early clock-out bills to the clock-out
    assert billed_span(t(9), t(10, 50), start, end, 10, False) == (t(9), t(10, 50))
    # within the grace, to the planned end, whatever the rule
    assert billed_span(t(9), t(11, 8), start, end, 10, True) == (t(9), end)
    # beyond the grace: to the end, unless late checkouts are billed
    assert billed_span(t(9), t(11, 25), start, end, 10, False) == (t(9), end)
    assert billed_span(t(9), t(11, 25), start, end, 10, True) == (t(9), t(11, 25))


def test_an_early_arrival_is_billed_from_the_scheduled_start() -> None:
    # a caregiver clocking in at 08:00 for a 09:00-11:00 visit bills from 09:00
    assert billed_span(t(8), t(11), t(9), t(11), 10, False) == (t(9), t(11))
    # a clock-in and clock-out both before the start bill nothing
    assert billed_span(t(7), t(8), t(9), t(11), 10, False) == (t(9), t(9))


def test_distances_are_haversine_metres() -> None:
    # a thousandth of a degree of latitude is about 111.2 m anywhere
    assert distance_meters(HOME, (HOME[0], HOME[1] + 0.001)) == pytest.approx(111.2, abs=0.1)
    # Toronto to Montreal, about 504 km
    assert distance_meters(HOME, (-73.5673, 45.5017)) == pytest.approx(504_000, rel=0.01)
    assert distance_meters(HOME, HOME) == 0


def test_billing_periods_a_day_decides() -> None:
    day = dt.date(2025, 3, 19)  # a Wednesday
    assert billing_period(day, "monthly") == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert billing_period(day, "semi_monthly") == (dt.date(2025, 3, 16), dt.date(2025, 3, 31))
    assert billing_period(day, "weekly", "SU") == (dt.date(2025, 3, 16), dt.date(2025, 3, 22))
    assert billing_period(day, "biweekly") is None


# --- clocking in ----------------------------------------------------------------------------


async def test_a_clock_in_at_the_door_creates_the_punchcard_and_starts_the_visit(
    api: Api,
) -> None:
    # given a visit booked for one caregiver at the patient's door
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    # when the caregiver clocks in 30 m from the door, 2 minutes late
    card = await clock_in_ok(agency, event, at=local(9, 2), location=near(30), notes="Arrived")
    # then the punchcard copies the visit, patient, caregiver, service and billing period
    assert card["event"] == {"id": event_id(event), "status": "IN_PROGRESS"}
    assert card["user"]["name"] == {"first": "Ada", "last": "Osei"}
    assert card["patient"] == {"name": {"first": "Walter", "last": "Green"}}
    assert card["service"] == {"code": "PSW", "billRate": "34.00", "payRate": "22.50"}
    assert card["billing"] == {"periodStart": "2025-03-01", "periodEnd": "2025-03-31",
                               "payer": None}  # fmt: skip
    assert card["eventSnapshot"]["start"] == "2025-03-03T14:00:00+00:00"
    assert card["location"] == {"city": "Toronto"}
    # and it holds the punch, 30 m away, unflagged, with nothing billed yet
    actual = card["actual"]
    assert actual["clockIn"] == "2025-03-03T14:02:00+00:00" and actual["clockOut"] is None
    assert actual["clockInDistanceMeters"] == pytest.approx(30, abs=0.2)
    assert actual["method"] == "GPS" and actual["notes"] == "Arrived"
    assert card["flags"] == [] and card["bill"] is None and card["pay"] is None
    # and what is stored says the same, with the visit's status and both audit entries
    db = api.database.db
    stored = await db.punchcards.find_one({"_id": key(card["id"])})
    assert stored is not None and stored["user"]["_id"] == caregiver
    assert stored["flags"] == [] and stored["actual"]["clock_in_distance_meters"] > 29
    visit = await db.events.find_one({"_id": event})
    assert visit is not None and visit["status"] == "in_progress" and visit["_revision"] == 2
    trail = [(e["record_type"], e["action"]) for e in await audit_entries(agency)]
    assert ("Punchcard", "create") in trail and ("Event", "update") in trail


CLOCK_IN_ONLY = """mutation($event: ID!, $at: DateTime, $location: GeoPointInput) {
  punchcardClockIn(event: $event, at: $at, location: $location, reason: DEVICE_PROBLEM) {
  punchcard { id revision flags { kind } actual { clockIn } } userErrors { code } } }"""
CLOCK_OUT_ONLY = """mutation($punchcard: ID!, $at: DateTime, $location: GeoPointInput) {
  punchcardClockOut(punchcard: $punchcard, at: $at, location: $location, reason: DEVICE_PROBLEM) {
  punchcard { id revision bill { hours } } userErrors { code } } }"""


async def test_clocking_in_costs_eight_database_commands_and_out_nine(api: Api) -> None:
    # given a visit booked for one caregiver
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    # when the caregiver clocks in (the app shows the punchcard and its flags)
    clocked_in = await agency.gql(
        CLOCK_IN_ONLY, {"event": event_id(event), "at": local(9), "location": near(0)}
    )
    # then it costs eight commands: the visit, the account, the caregiver and the patient read;
    # the punchcard inserted unless one is open, the visit moved, the trail, the commit
    assert clocked_in.status == 200 and not clocked_in.errors, clocked_in.body
    card = clocked_in.data["punchcardClockIn"]["punchcard"]
    assert clocked_in.data["punchcardClockIn"]["userErrors"] == []
    assert clocked_in.db_commands == 8
    # when they clock out
    clocked_out = await agency.gql(
        CLOCK_OUT_ONLY, {"punchcard": card["id"], "at": local(11), "location": near(0)}
    )
    # then nine: the punchcard, visit, account and patient read; the punchcard written at its
    # revision, another caregiver still in looked for, the visit moved, the trail, the commit
    assert clocked_out.status == 200 and not clocked_out.errors, clocked_out.body
    assert clocked_out.data["punchcardClockOut"]["punchcard"]["bill"] == {"hours": "2.00"}
    assert clocked_out.db_commands == 9
    # and nothing was given up: one entry per change, and the visit completed at revision 3
    trail = [(e["record_type"], e["action"]) for e in await audit_entries(agency)]
    assert trail.count(("Punchcard", "create")) == 1 and trail.count(("Punchcard", "update")) == 1
    assert trail.count(("Event", "update")) == 2
    visit = await api.database.db.events.find_one({"_id": event})
    assert visit is not None and visit["status"] == "completed" and visit["_revision"] == 3


async def test_a_punch_outside_the_radius_is_stored_and_flagged_with_its_distance(
    api: Api,
) -> None:
    # given an account allowing punches 250 m from the visit
    agency = await clock_agency(api, visit_settings={"radius_meters": 250})
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    # when the caregiver clocks in 600 m away, on time
    card = await clock_in_ok(agency, event, at=local(9), location=near(600))
    # then the punch is kept, with a FAR_FROM_VISIT flag giving the distance
    (flag,) = card["flags"]
    assert flag["kind"] == "FAR_FROM_VISIT" and flag["punch"] == "IN"
    assert flag["distanceMeters"] == pytest.approx(600, abs=1)
    assert "600 m from the visit's address: 250 m are allowed" in flag["reason"]
    assert card["actual"]["clockInLocation"]["latitude"] == pytest.approx(near(600)["latitude"])
    stored = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert stored is not None and stored["flags"][0]["kind"] == "far_from_visit"
    # and 249 m away would not have been flagged
    other = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + dt.timedelta(1))
    inside = await clock_in_ok(agency, other, at=local(9, day=VISIT_DAY + dt.timedelta(1)),
                               location=near(249))  # fmt: skip
    assert inside["flags"] == []


async def test_the_patients_address_is_the_visits_when_the_visit_has_no_position(
    api: Api,
) -> None:
    # given a visit without a position, for a patient whose primary address is in Toronto
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient, location=None)
    # when the caregiver clocks in 100 m north of the patient's address (43.65, -79.38)
    card = await clock_in_ok(
        agency, event, at=local(9), location={"latitude": 43.65 + 100 / 111_195,
                                              "longitude": -79.38}
    )  # fmt: skip
    # then the distance is measured from the patient's address
    assert card["actual"]["clockInDistanceMeters"] == pytest.approx(100, abs=0.5)


async def test_early_and_late_punches_are_flagged_with_the_minutes(api: Api) -> None:
    # given an account allowing 10 minutes early and 5 late, a 09:00-11:00 visit
    agency = await clock_agency(api, visit_settings={"early_minutes": 10, "late_minutes": 5})
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    # when the caregiver clocks in 20 minutes early and out 30 minutes late
    card = await clock_in_ok(agency, event, at=local(8, 40), location=near(10))
    done = await clock_out_ok(agency, card["id"], at=local(11, 30), location=near(10))
    # then both punches are flagged, with the minutes off
    flags = [(f["kind"], f["punch"], f["minutes"]) for f in done["flags"]]
    assert flags == [("EARLY_CLOCK_IN", "IN", 20), ("LATE_CLOCK_OUT", "OUT", 30)]
    assert (
        "20 minutes early for the visit's start: 10 minutes are allowed"
        in (done["flags"][0]["reason"])
    )
    # and a clock-in within the tolerance, or a clock-out 10 minutes early, is (not) flagged
    second = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + dt.timedelta(1))
    day = VISIT_DAY + dt.timedelta(1)
    card = await clock_in_ok(agency, second, at=local(9, 5, day=day), location=near(10))
    assert card["flags"] == []
    done = await clock_out_ok(agency, card["id"], at=local(10, 49, day=day), location=near(10))
    assert [(f["kind"], f["minutes"]) for f in done["flags"]] == [("EARLY_CLOCK_OUT", 11)]


async def test_a_punch_without_a_position_is_flagged_when_one_is_required(api: Api) -> None:
    # given an account requiring a position, and accepting telephony punches
    agency = await clock_agency(
        api, visit_settings={"gps_required": True, "telephony_enabled": True}
    )
    caregiver, patient = await caregiver_and_patient(agency)
    first = await booked_visit(agency, [caregiver], patient)
    second = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + dt.timedelta(1))
    # when one clock-in comes from the app without a position, another by phone
    card = await clock_in_ok(agency, first, at=local(9))
    by_phone = await clock_in_ok(
        agency, second, at=local(9, day=VISIT_DAY + dt.timedelta(1)), method="TELEPHONY"
    )
    # then the first is flagged NO_LOCATION (no distance), the phone punch is not
    assert [(f["kind"], f["punch"]) for f in card["flags"]] == [("NO_LOCATION", "IN")]
    assert card["actual"]["clockInDistanceMeters"] is None
    assert by_phone["flags"] == [] and by_phone["actual"]["method"] == "TELEPHONY"
    # and an account not requiring one flags nothing
    relaxed = await clock_agency(api, visit_settings={"gps_required": False})
    caregiver, patient = await caregiver_and_patient(relaxed)
    event = await booked_visit(relaxed, [caregiver], patient)
    assert (await clock_in_ok(relaxed, event, at=local(9)))["flags"] == []


# --- clocking out: hours, rates, holidays --------------------------------------------------


async def test_a_clock_out_bills_and_pays_the_rounded_actual_hours(api: Api) -> None:
    # given 15-minute billing and payroll rounding, a 09:00-11:00 PSW visit (34.00 / 22.50)
    agency = await clock_agency(
        api,
        billing_settings={"rounding_minutes": 15},
        payroll_settings={"rounding_minutes": 15},
    )
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    card = await clock_in_ok(agency, event, at=local(9, 2), location=near(20), notes="In")
    # when the caregiver clocks out at 10:53
    done = await clock_out_ok(agency, card["id"], at=local(10, 53), location=near(40),
                              notes="All done")  # fmt: skip
    # then 111 minutes round to 1.75 h: 59.50 billed, 39.38 paid (39.375 half-up)
    assert done["bill"] == {"hours": "1.75", "rate": "34.00", "amount": "59.50",
                            "billable": True}  # fmt: skip
    assert done["pay"] == {"hours": "1.75", "rate": "22.50", "amount": "39.38",
                           "holiday": False}  # fmt: skip
    assert done["actual"]["clockOut"] == "2025-03-03T15:53:00+00:00"
    assert done["actual"]["clockOutDistanceMeters"] == pytest.approx(40, abs=0.2)
    assert done["actual"]["notes"] == "In\nAll done"
    assert done["event"]["status"] == "COMPLETED" and done["flags"] == []
    # and it is stored so, money as Decimal128, the visit completed with its audit entry
    stored = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert stored is not None
    assert stored["bill"]["amount"].to_decimal() == Decimal("59.50")
    assert stored["pay"]["hours"].to_decimal() == Decimal("1.75")
    visit = await api.database.db.events.find_one({"_id": event})
    assert visit is not None and visit["status"] == "completed" and visit["_revision"] == 3
    moves = [e["changes"] for e in await audit_entries(agency, record_type="Event")]
    assert [c[0]["after"] for c in moves] == ["in_progress", "completed"]


async def test_the_visits_own_rates_and_billability_come_first(api: Api) -> None:
    # given a visit billed at 40.00, its caregiver paid 25.00 on it, not billable
    agency = await clock_agency(api, payroll_settings={"rounding_minutes": 30})
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(
        agency, [], patient,
        attendees=[{"user": caregiver, "role": "caregiver", "pay_rate": Decimal("25.00")}],
        billing={"bill_rate": Decimal("40.00"), "billable": False, "payer": "Insurer"},
    )  # fmt: skip
    card = await clock_in_ok(agency, event, at=local(9), location=near(5))
    # when they work 09:00-10:20
    done = await clock_out_ok(agency, card["id"], at=local(10, 20), location=near(5))
    # then billing uses the visit's rate (80 min -> 1.25 h), pay the caregiver's (-> 1.5 h)
    assert done["bill"] == {"hours": "1.25", "rate": "40.00", "amount": "50.00",
                            "billable": False}  # fmt: skip
    assert done["pay"]["hours"] == "1.50" and done["pay"]["amount"] == "37.50"
    assert done["billing"]["payer"] == "Insurer"
    # and a visit given free (billed at 0.00) bills nothing, not the service's rate
    free = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + dt.timedelta(1),
                              billing={"bill_rate": Decimal("0")})  # fmt: skip
    day = VISIT_DAY + dt.timedelta(1)
    card = await clock_in_ok(agency, free, at=local(9, day=day), location=near(5))
    done = await clock_out_ok(agency, card["id"], at=local(10, day=day), location=near(5))
    assert done["bill"]["rate"] == "0" and done["bill"]["amount"] == "0.00"
    assert done["pay"]["rate"] == "22.50"


async def test_a_late_checkout_is_billed_only_beyond_the_grace_when_the_account_bills_it(
    api: Api,
) -> None:
    async def worked(agency: Agency, until: str) -> Json:
        caregiver, patient = await caregiver_and_patient(agency)
        event = await booked_visit(agency, [caregiver], patient)
        card = await clock_in_ok(agency, event, at=local(9), location=near(5))
        return await clock_out_ok(agency, card["id"], at=until, location=near(5))

    # given a 09:00-11:00 visit and a 10-minute grace
    rules = {"rounding_minutes": 15, "late_checkout_grace_minutes": 10}
    strict = await clock_agency(api, billing_settings={**rules, "bill_late_checkout": False})
    lenient = await clock_agency(api, billing_settings={**rules, "bill_late_checkout": True})
    # when the caregiver leaves at 11:08 (within the grace): the planned 2 h are billed
    within = await worked(lenient, local(11, 8))
    assert within["bill"]["hours"] == "2.00" and within["pay"]["hours"] == "2.25"
    # when they leave at 11:25: still 2 h billed, unless the account bills late checkouts
    assert (await worked(strict, local(11, 25)))["bill"]["hours"] == "2.00"
    late = await worked(lenient, local(11, 25))
    assert late["bill"]["hours"] == "2.50" and late["bill"]["amount"] == "85.00"
    assert late["pay"]["hours"] == "2.50"


async def test_a_visit_on_one_of_the_accounts_holidays_is_a_stat_holiday(api: Api) -> None:
    # given an account with Canada Day (1 July) as a holiday, and a visit at 23:00 that day in
    # Toronto, which is already 2 July in UTC
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    evening = dt.datetime(2025, 7, 2, 3, tzinfo=dt.UTC)
    event = await booked_visit(agency, [caregiver], patient, start=evening, hours=1)
    ordinary = await booked_visit(
        agency, [caregiver], patient, start=evening + dt.timedelta(days=1), hours=1
    )
    # when the caregiver works both
    card = await clock_in_ok(agency, event, at=evening.isoformat(), location=near(5))
    done = await clock_out_ok(
        agency, card["id"], at=(evening + dt.timedelta(hours=1)).isoformat(), location=near(5)
    )
    other = await clock_in_ok(
        agency, ordinary, at=(evening + dt.timedelta(days=1)).isoformat(), location=near(5)
    )
    # then the first is a statutory holiday, billed in July, paid with holiday pay; not the second
    assert done["statHoliday"] is True and done["pay"]["holiday"] is True
    assert done["billing"]["periodStart"] == "2025-07-01"
    assert other["statHoliday"] is False
    stored = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert stored is not None and stored["stat_holiday"] is True


# --- refusals write nothing -----------------------------------------------------------------


async def _state(api: Api, agency: Agency) -> tuple[list[Json], list[Json], int]:
    """Every punchcard and visit of the agency as stored, and how long its audit trail is."""
    db, mine = api.database.db, {"_account": agency.account_id}
    cards = [d async for d in db.punchcards.find(mine, sort=[("_id", 1)])]
    events = [d async for d in db.events.find(mine, sort=[("_id", 1)])]
    return cards, events, len(await audit_entries(agency))


async def _refused(agency: Agency, query: str, variables: Json) -> list[Json]:
    data = await agency.ok(query, variables)
    payload = data["punchcardClockIn" if "punchcardClockIn" in data else "punchcardClockOut"]
    assert payload["punchcard"] is None
    return payload["userErrors"]  # type: ignore[no-any-return]


async def test_each_refused_punch_writes_nothing(api: Api) -> None:
    # given a visit clocked in, another clocked in and out, and a few visits nobody can punch
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    other_carer, _ = await caregiver_and_patient(agency)
    day = dt.timedelta(days=1)
    open_visit = await booked_visit(agency, [caregiver], patient)
    done_visit = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + day)
    fresh = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + 2 * day)
    pair = await booked_visit(agency, [caregiver, other_carer], patient, start=VISIT_DAY + 3 * day)
    cancelled = await booked_visit(agency, [caregiver], patient, status="cancelled")
    deleted = await booked_visit(agency, [caregiver], patient, deleted=True)
    opened = await clock_in_ok(agency, open_visit, at=local(9), location=near(5))
    closed = await clock_in_ok(agency, done_visit, at=(VISIT_DAY + day).isoformat(),
                               location=near(5))  # fmt: skip
    await clock_out_ok(agency, closed["id"], at=(VISIT_DAY + day + dt.timedelta(hours=2))
                       .isoformat(), location=near(5))  # fmt: skip
    before = await _state(api, agency)
    refusals: list[tuple[str, Json, tuple[str, str]]] = [
        # a second clock-in on the same visit by the same caregiver
        (CLOCK_IN, {"event": event_id(open_visit), "location": near(5)},
         ("event", "INVALID_STATE")),
        (CLOCK_IN, {"event": event_id(done_visit), "location": near(5)},
         ("event", "INVALID_STATE")),
        # a clock-out without a clock-in, twice, or not after the clock-in
        (CLOCK_OUT, {"event": event_id(fresh)}, ("event", "INVALID_STATE")),
        (CLOCK_OUT, {"punchcard": closed["id"]}, ("punchcard", "INVALID_STATE")),
        (CLOCK_OUT, {"punchcard": opened["id"], "at": local(9)}, ("at", "INVALID")),
        (CLOCK_OUT, {"punchcard": opened["id"], "at": local(8, 59)}, ("at", "INVALID")),
        (CLOCK_OUT, {}, ("punchcard", "REQUIRED")),
        # a caregiver not booked, or not named on a visit with two
        (CLOCK_IN, {"event": event_id(fresh), "caregiver": to_global_id("User", other_carer)},
         ("caregiver", "INVALID")),
        (CLOCK_IN, {"event": event_id(pair)}, ("caregiver", "REQUIRED")),
        # a cancelled or deleted visit, and a visit that does not exist
        (CLOCK_IN, {"event": event_id(cancelled)}, ("event", "INVALID_STATE")),
        (CLOCK_IN, {"event": event_id(deleted)}, ("event", "INVALID_STATE")),
        (CLOCK_IN, {"event": event_id(ObjectId())}, ("event", "NOT_FOUND")),
        (CLOCK_IN, {"event": event_id(fresh), "location": {"latitude": 95, "longitude": 0}},
         ("location", "INVALID")),
        # a punch in the future: time not worked yet
        (CLOCK_IN, {"event": event_id(fresh), "at": "2099-01-01T09:00:00+00:00"},
         ("at", "INVALID")),
        (CLOCK_OUT, {"punchcard": opened["id"], "at": "2099-01-01T09:00:00+00:00"},
         ("at", "INVALID")),
    ]  # fmt: skip
    for query, variables, (field, code) in refusals:
        # when each is tried
        errors = await _refused(agency, query, variables)
        # then it is refused, naming the field, and nothing is stored
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], (variables, errors)
        assert await _state(api, agency) == before, variables


async def test_another_accounts_visit_and_punchcard_read_as_missing(api: Api) -> None:
    # given a visit clocked in at another agency
    theirs = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(theirs)
    event = await booked_visit(theirs, [caregiver], patient)
    card = await clock_in_ok(theirs, event, at=local(9), location=near(5))
    ours = await clock_agency(api)
    before = await _state(api, theirs)
    # when we try to clock in or out on them, they are NOT_FOUND, and nothing changes
    for query, variables, field in [
        (CLOCK_IN, {"event": event_id(event)}, "event"),
        (CLOCK_OUT, {"event": event_id(event)}, "event"),
        (CLOCK_OUT, {"punchcard": card["id"]}, "punchcard"),
    ]:
        errors = await _refused(ours, query, variables)
        assert [(e["field"], e["code"]) for e in errors] == [(field, "NOT_FOUND")]
    assert await _state(api, theirs) == before


async def test_caregivers_and_schedulers_punch_billing_clerks_do_not(api: Api) -> None:
    # given the default roles
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    await agency.key_for("billing")
    await agency.person_key(caregiver)  # the caregiver's own credential
    # when a billing clerk tries, then it is FORBIDDEN
    refused = await agency.gql(CLOCK_IN, {"event": event_id(event)}, role="billing")
    assert refused.data["punchcardClockIn"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await api.count("punchcards", _account=agency.account_id) == 0
    # and the caregiver's own key clocks in
    done = await agency.gql(CLOCK_IN, {"event": event_id(event), "location": near(5)},
                            role="caregiver")  # fmt: skip
    assert done.data["punchcardClockIn"]["userErrors"] == []


# --- the office's list ----------------------------------------------------------------------


async def test_the_office_lists_flagged_punches_by_reason(api: Api) -> None:
    # given three visits: one punched far away, one late, one in order
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    day = dt.timedelta(days=1)
    far, late, fine = [
        await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + n * day)
        for n in range(3)
    ]
    far_card = await clock_in_ok(agency, far, at=local(9), location=near(900))
    late_card = await clock_in_ok(agency, late, at=(VISIT_DAY + day + dt.timedelta(minutes=40))
                                  .isoformat(), location=near(5))  # fmt: skip
    fine_card = await clock_in_ok(agency, fine, at=(VISIT_DAY + 2 * day).isoformat(),
                                  location=near(5))  # fmt: skip

    async def listed(**filter: Any) -> set[str]:
        data = await agency.ok(FLAGGED, {"filter": filter})
        return {node["id"] for node in data["punchcards"]["nodes"]}

    # when the office filters, then each list holds what it says
    assert await listed(flagged=True) == {far_card["id"], late_card["id"]}
    assert await listed(flagged=False) == {fine_card["id"]}
    assert await listed(flag="FAR_FROM_VISIT") == {far_card["id"]}
    assert await listed(flag="LATE_CLOCK_IN") == {late_card["id"]}
    assert await listed(flagged=True, flag="EARLY_CLOCK_OUT") == set()


# --- the demo ---------------------------------------------------------------------------------


async def test_the_demos_past_visits_are_punched_through_the_clock(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a small demo agency, its weeks pinned to the two before this one (so all are over);
    # seeded as every demo test seeds it, since the first to run seeds demo-1 for the session
    account, monday = await small_demo_of_last_week(api.database, monkeypatch)
    db = api.database.db
    mine = {"_account": account["_id"]}
    done = {**mine, "status": "completed"}
    completed = [e async for e in db.events.find(done, sort=[("start", 1), ("_id", 1)])]
    by_visit = {c["event"]: decode(c) async for c in db.punchcards.find(mine)}
    # then each completed visit has one punchcard, clocked in and out
    assert sorted(by_visit) == sorted(e["_id"] for e in completed)
    cards = [by_visit[e["_id"]] for e in completed]
    # whose hours are the actual times under the account's rounding (15 minutes by default)
    for card in cards:
        clock_in, clock_out = card["actual"]["clock_in"], card["actual"]["clock_out"]
        assert card["pay"]["hours"] == rounded_hours(clock_in, clock_out, 15)
        assert card["bill"]["amount"] == card["bill"]["hours"] * card["bill"]["rate"]
    # and all of the demo's first week (the visits before its second Monday) is punched
    zone = ZoneInfo(account["settings"]["timezone"])
    second = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), zone)
    last_week = [e async for e in db.events.find({**mine, "start": {"$lt": second}})]
    assert len(last_week) >= 3 and all(e["_id"] in by_visit for e in last_week)
    # and last week's second and third visits are flagged: far away, then late
    kinds = [[f["kind"] for f in card.get("flags") or []] for card in cards]
    assert kinds[1] == ["far_from_visit"] and kinds[2] == ["late_clock_in"]
    assert all(k == [] for i, k in enumerate(kinds) if i not in (1, 2))


async def test_a_visit_clocked_in_keeps_its_times_and_bills_the_time_worked(api: Api) -> None:
    # given a 09:00-11:00 visit the caregiver clocked in on at 09:00
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    card = await clock_in_ok(agency, event, at=local(9), location=near(10))
    before = await api.database.db.events.find_one({"_id": event})
    assert before is not None
    # when the scheduler moves it to 13:00-15:00 while it is under way, then notes something
    later = VISIT_DAY + dt.timedelta(hours=4)
    move = {"start": later.isoformat(), "end": (later + dt.timedelta(hours=2)).isoformat()}
    refused = await agency.ok(
        UPDATE_EVENT, {"id": event_id(event), "revision": before["_revision"], "input": move}
    )
    noted = await agency.ok(
        UPDATE_EVENT,
        {"id": event_id(event), "revision": before["_revision"], "input": {"notes": "Gate code"}},
    )
    # then the move is refused, writing nothing, while the note is taken
    assert [(e["field"], e["code"]) for e in refused["eventUpdate"]["userErrors"]] == [
        ("input.start", "INVALID_STATE")
    ]
    assert noted["eventUpdate"]["userErrors"] == []
    after = await api.database.db.events.find_one({"_id": event})
    assert after is not None and (after["start"], after["end"]) == (before["start"], before["end"])
    # and clocking out at 11:00 bills and pays the two hours worked
    out = await clock_out_ok(agency, card["id"], at=local(11), location=near(10))
    assert (out["bill"]["hours"], out["pay"]["hours"]) == ("2.00", "2.00")
