"""Richer series: months, days and weeks of the year, positions in a period, extra and skipped
days (RFC 5545 BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, RDATE, EXDATE), read on wall-clock time
in the series' zone as dateutil reads them, booked, edited and refused through the API."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId
from dateutil import rrule

from app.common.clock import now
from app.graphql.relay import from_global_id, to_global_id
from app.scheduling.series_horizon import extend_all
from app.scheduling.services import event_store
from tests.factories import Agency, Api
from tests.factories_scheduling import (
    CANCEL_FROM,
    CHANGE_GROUP,
    SPLIT_GROUP,
    iso,
    next_monday,
    people,
    scheduling_agency,
    series_input,
    stored_punchcard,
)

TORONTO = ZoneInfo("America/Toronto")
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
RULE_FIELDS = """id revision freq interval byweekday bymonthday bymonth byyearday byweekno
  bysetpos rdate exdate start until notes materialisedUntil"""
CREATE = f"""mutation($input: EventGroupCreateInput!) {{ eventGroupCreate(input: $input) {{
  eventGroup {{ {RULE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $revision: Int!, $input: EventGroupUpdateInput!) {{
  eventGroupUpdate(id: $id, revision: $revision, input: $input) {{
  eventGroup {{ {RULE_FIELDS} }} userErrors {{ field message code }} }} }}"""
GROUP = f"""query($id: ID!) {{ eventGroup(id: $id) {{ {RULE_FIELDS} }} }}"""
OCCURRENCES = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  eventGroup(id: $id) { occurrences(from: $from, to: $to) } }"""


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def utc(value: str | dt.datetime) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def at_ten(day: dt.date) -> dt.datetime:
    """10:00 Toronto time on a day."""
    return dt.datetime.combine(day, dt.time(10), tzinfo=TORONTO)


async def create_series(agency: Agency, data: dict[str, Any]) -> dict[str, Any]:
    made = (await agency.ok(CREATE, {"input": data}))["eventGroupCreate"]
    assert made["userErrors"] == [], made
    return made["eventGroup"]  # type: ignore[no-any-return]


async def rule_series(agency: Agency, first: dt.datetime, rule: dict[str, Any]) -> dict[str, Any]:
    """An hour-long series with nobody booked, from `first`, with this rule."""
    data = series_input(None, None, first, **{"byweekday": [], **rule})
    return await create_series(agency, data)


async def occurrences(
    agency: Agency, group_id: str, since: dt.datetime, until: dt.datetime
) -> list[dt.datetime]:
    """The series' occurrences from `since` to `until`, asked a year at a time."""
    found: list[dt.datetime] = []
    while since < until:
        to = min(since + dt.timedelta(days=365), until)
        window = {"id": group_id, "from": iso(since), "to": iso(to)}
        answer = await agency.ok(OCCURRENCES, window)
        found += [utc(value) for value in answer["eventGroup"]["occurrences"]]
        since = to
    return found


async def live_visits(api: Api, group_id: str) -> list[dict[str, Any]]:
    """The series' visits as stored, not deleted, earliest first."""
    query = {"_group": key(group_id), "_deleted": False}
    return [doc async for doc in api.database.db.events.find(query, sort=[("start", 1)])]


def local_days(visits: list[dict[str, Any]]) -> list[dt.date]:
    return [utc(visit["series_start"]).astimezone(TORONTO).date() for visit in visits]


def next_month(day: dt.date, months: int = 1) -> tuple[int, int]:
    """(year, month) `months` months after a day's."""
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


# --- what dateutil says -------------------------------------------------------------------------


async def test_the_last_weekday_of_the_month_is_dateutils_at_the_same_local_time(
    api: Api,
) -> None:
    # given an agency in Toronto, and "the last weekday of the month" from Thursday 31 January
    # 2030 at 09:00 (EST), through both of the year's daylight-saving changes
    agency = await scheduling_agency(api, "America/Toronto")
    first = dt.datetime(2030, 1, 31, 9, tzinfo=TORONTO)
    rule = {"freq": "MONTHLY", "byweekday": WEEKDAYS, "bysetpos": [-1]}

    # when the series is made through the API and its 2030 occurrences are read
    group = await rule_series(agency, first, rule)
    end = dt.datetime(2031, 1, 1, tzinfo=TORONTO)
    found = await occurrences(agency, group["id"], first, end)

    # then they are dateutil's own expansion of the RFC rule from the same DTSTART
    own = rrule.rrulestr("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", dtstart=first)
    assert isinstance(own, rrule.rrule)
    assert found == [utc(moment) for moment in own.between(first, end, inc=True)]
    # and, by hand: a Sunday 31st gives Friday the 29th, a Saturday 30th Friday the 29th
    assert [m.astimezone(TORONTO).day for m in found] == [
        31, 28, 29, 30, 31, 28, 31, 30, 30, 31, 29, 31
    ]  # fmt: skip
    # and every visit is at 09:00 Toronto time: 14:00 UTC in winter, 13:00 in summer
    assert {m.astimezone(TORONTO).time() for m in found} == {dt.time(9)}
    assert [m.hour for m in found] == [14, 14, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14]
    # and the rule is stored as given
    assert (group["byweekday"], group["bysetpos"]) == (WEEKDAYS, [-1])
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and (stored["bysetpos"], stored["freq"]) == ([-1], "MONTHLY")


async def test_the_second_tuesday_in_june_and_july_is_dateutils_at_the_same_local_time(
    api: Api,
) -> None:
    # given an agency in Toronto, and a series set up on Tuesday 8 January 2030 at 09:00 (EST)
    # for "the second Tuesday in June and July", whose visits fall in summer time (EDT)
    agency = await scheduling_agency(api, "America/Toronto")
    first = dt.datetime(2030, 1, 8, 9, tzinfo=TORONTO)
    rule = {"freq": "YEARLY", "bymonth": [6, 7], "byweekday": ["2TU"]}

    # when the series is made through the API and three years of occurrences are read
    group = await rule_series(agency, first, rule)
    end = dt.datetime(2033, 1, 1, tzinfo=TORONTO)
    found = await occurrences(agency, group["id"], first, end)

    # then they are dateutil's own expansion of the RFC rule from the same DTSTART
    own = rrule.rrulestr("FREQ=YEARLY;BYMONTH=6,7;BYDAY=2TU", dtstart=first)
    assert isinstance(own, rrule.rrule)
    assert found == [utc(moment) for moment in own.between(first, end, inc=True)]
    # and, by hand, the second Tuesday of each June and July, at 09:00 local (13:00 UTC)
    assert [m.astimezone(TORONTO).date() for m in found] == [
        dt.date(2030, 6, 11), dt.date(2030, 7, 9), dt.date(2031, 6, 10), dt.date(2031, 7, 8),
        dt.date(2032, 6, 8), dt.date(2032, 7, 13),
    ]  # fmt: skip
    assert {(m.astimezone(TORONTO).time(), m.hour) for m in found} == {(dt.time(9), 13)}
    assert (group["bymonth"], group["byweekday"]) == ([6, 7], ["2TU"])


# --- extra and skipped days, booked and edited ---------------------------------------------------


async def test_extra_days_add_visits_and_skipped_days_remove_them_keeping_what_happened(
    api: Api,
) -> None:
    # given a Monday series in Toronto from next week, with an extra Saturday (the second
    # week's) and its third Monday skipped
    agency = await scheduling_agency(api, "America/Toronto")
    caregiver, patient = await people(agency)
    first = next_monday(hour=15).astimezone(TORONTO)
    saturday, skipped = first.date() + dt.timedelta(days=12), first.date() + dt.timedelta(weeks=2)
    data = series_input(
        patient, caregiver, first, byweekday=["MO"],
        rdate=[saturday.isoformat()], exdate=[skipped.isoformat()],
    )  # fmt: skip

    # when it is created
    group = await create_series(agency, data)

    # then the visits booked up to the horizon are dateutil's rule set: the Mondays, the
    # Saturday added, the third Monday taken out, each at the first visit's local time
    own = rrule.rruleset()
    own.rrule(rrule.rrule(rrule.WEEKLY, byweekday=rrule.MO, dtstart=first))
    own.rdate(dt.datetime.combine(saturday, first.timetz()))
    own.exdate(dt.datetime.combine(skipped, first.timetz()))
    bound = utc(group["materialisedUntil"])
    expected = [utc(m) for m in own.between(first - dt.timedelta(seconds=1), bound)]
    visits = await live_visits(api, group["id"])
    assert [utc(v["series_start"]) for v in visits] == expected
    assert saturday in local_days(visits) and skipped not in local_days(visits)
    assert {utc(v["start"]).astimezone(TORONTO).time() for v in visits} == {first.time()}
    # and the occurrences read through the API are the same
    assert await occurrences(agency, group["id"], first, bound) == expected
    assert (group["rdate"], group["exdate"]) == ([saturday.isoformat()], [skipped.isoformat()])

    # given the fifth Monday's visit clocked in and the sixth's invoiced
    by_day = dict(zip(local_days(visits), visits, strict=True))
    clocked, invoiced, plain = (first.date() + dt.timedelta(weeks=w) for w in (4, 5, 6))
    await stored_punchcard(agency, by_day[clocked]["_id"], key(caregiver["id"]))
    await stored_punchcard(
        agency, by_day[invoiced]["_id"], key(caregiver["id"]), clocked=False, invoice=ObjectId()
    )

    # when the whole series is changed: the Saturday no longer extra, three more Mondays skipped
    changes = {"rdate": [], "exdate": [d.isoformat() for d in (skipped, clocked, invoiced, plain)]}
    changed = await agency.ok(
        CHANGE_GROUP, {"id": group["id"], "revision": group["revision"], "input": changes}
    )

    # then the Saturday's and the seventh Monday's visits are removed; the clocked and the
    # invoiced ones are kept, and said so
    payload = changed["eventGroupUpdate"]
    assert payload["userErrors"] == []
    removed = {utc(v["seriesStart"]).astimezone(TORONTO).date() for v in payload["removed"]}
    assert removed == {saturday, plain}
    kept = {
        (utc(k["event"]["seriesStart"]).astimezone(TORONTO).date(), k["reason"])
        for k in payload["kept"]
    }
    assert kept == {(clocked, "CLOCKED"), (invoiced, "INVOICED")}
    assert set(local_days(await live_visits(api, group["id"]))) == (
        set(local_days(visits)) - {saturday, plain}
    )
    cancelled = await api.database.db.events.find_one({"_id": by_day[plain]["_id"]})
    assert cancelled is not None and (cancelled["_deleted"], cancelled["status"]) == (
        True, "cancelled"
    )  # fmt: skip
    # and the series' occurrences leave out every skipped day and the Saturday
    left = {
        m.astimezone(TORONTO).date() for m in await occurrences(agency, group["id"], first, bound)
    }
    assert left == set(local_days(visits)) - {saturday, clocked, invoiced, plain}
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["rdate"] == [] and len(stored["exdate"]) == 4


async def test_a_series_in_one_month_books_visits_in_that_month_only(api: Api) -> None:
    # given an agency in Toronto, and next month
    agency = await scheduling_agency(api, "America/Toronto")
    caregiver, patient = await people(agency)
    first = next_monday(hour=15).astimezone(TORONTO)
    year, month = next_month(dt.datetime.now(TORONTO).date())

    # when a Monday, Wednesday and Friday series is made for that month only (BYMONTH)
    data = series_input(patient, caregiver, first, byweekday=["MO", "WE", "FR"], bymonth=[month])
    group = await create_series(agency, data)

    # then it books every Monday, Wednesday and Friday of that month, and nothing else
    days = [dt.date(year, month, 1) + dt.timedelta(days=n) for n in range(31)]
    expected = [
        d for d in days if d.month == month and d.weekday() in (0, 2, 4) and d >= first.date()
    ]
    assert local_days(await live_visits(api, group["id"])) == expected
    # and its occurrences in the coming year fall in that month only
    found = await occurrences(agency, group["id"], first, first + dt.timedelta(days=365))
    assert {m.astimezone(TORONTO).month for m in found} == {month}
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["bymonth"] == [month]


async def test_this_and_following_keeps_the_rule_parts_and_hands_on_extra_days(api: Api) -> None:
    # given "the first weekday of the month" in the next two months (BYMONTH, BYSETPOS) at
    # 10:00 Toronto time, with an extra visit on the first month's second Saturday, and the
    # second month's visit clocked in
    agency = await scheduling_agency(api, "America/Toronto")
    caregiver, patient = await people(agency)
    today = dt.datetime.now(TORONTO).date()
    (y1, m1), (y2, m2) = next_month(today), next_month(today, 2)
    first_one = next(dt.date(y1, m1, d) for d in range(1, 8) if dt.date(y1, m1, d).weekday() < 5)
    second = next(dt.date(y2, m2, d) for d in range(1, 8) if dt.date(y2, m2, d).weekday() < 5)
    saturday = next(dt.date(y1, m1, d) for d in range(8, 15) if dt.date(y1, m1, d).weekday() == 5)
    rule = {"freq": "MONTHLY", "byweekday": WEEKDAYS, "bysetpos": [1], "bymonth": [m1, m2]}
    data = series_input(patient, caregiver, at_ten(first_one), rdate=[saturday.isoformat()], **rule)
    group = await create_series(agency, data)
    visits = await live_visits(api, group["id"])
    assert local_days(visits) == [first_one, saturday, second]
    await stored_punchcard(agency, visits[2]["_id"], key(caregiver["id"]))

    # when the series is split at the extra Saturday, with new notes
    split = await agency.ok(
        SPLIT_GROUP,
        {"id": group["id"], "revision": group["revision"], "at": iso(at_ten(saturday)),
         "input": {"notes": "After the split."}},
    )  # fmt: skip

    # then the new series has the same rule parts, starts on the rule's next occurrence and
    # holds the extra Saturday; the old one ends before the Saturday, without it
    payload = split["eventGroupSplit"]
    assert payload["userErrors"] == []
    new = (await agency.ok(GROUP, {"id": payload["newEventGroup"]["id"]}))["eventGroup"]
    assert {name: new[name] for name in rule} == rule
    assert (new["rdate"], new["notes"]) == ([saturday.isoformat()], "After the split.")
    assert utc(new["start"]) == utc(at_ten(second))
    old = (await agency.ok(GROUP, {"id": group["id"]}))["eventGroup"]
    assert (old["rdate"], old["bymonth"], old["bysetpos"]) == ([], [m1, m2], [1])
    assert utc(old["until"]) == utc(at_ten(saturday)) - dt.timedelta(seconds=1)
    stored = await api.database.db.eventsgroups.find_one({"_id": key(new["id"])})
    assert stored is not None
    assert (stored["bymonth"], stored["bysetpos"], len(stored["rdate"])) == ([m1, m2], [1], 1)
    # and the Saturday's visit is rebooked under the new series, the clocked one kept and
    # handed to it as it was, the first month's visit left with the old series
    assert [(k["event"]["id"], k["reason"]) for k in payload["kept"]] == [
        (to_global_id("Event", visits[2]["_id"]), "CLOCKED")
    ]
    moved = await live_visits(api, new["id"])
    assert local_days(moved) == [saturday, second]
    assert [v["notes"] for v in moved] == ["After the split.", "Weekly help."]
    assert local_days(await live_visits(api, group["id"])) == [first_one]
    # and the new series' occurrences are dateutil's for its rule and extra day
    own = rrule.rruleset()
    own.rrule(rrule.rrule(
        rrule.MONTHLY, byweekday=(rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR),
        bysetpos=1, bymonth=(m1, m2), dtstart=at_ten(second),
    ))  # fmt: skip
    own.rdate(at_ten(saturday))
    since = at_ten(saturday)
    until = since + dt.timedelta(days=366)
    found = await occurrences(agency, new["id"], since, until)
    assert found == [utc(m) for m in own.between(since - dt.timedelta(seconds=1), until)]


async def test_cancelling_the_rest_of_a_series_drops_its_later_extra_days(api: Api) -> None:
    # given a Monday series with an extra visit on its third Saturday
    agency = await scheduling_agency(api, "America/Toronto")
    caregiver, patient = await people(agency)
    first = next_monday(hour=15).astimezone(TORONTO)
    saturday = first.date() + dt.timedelta(days=19)
    data = series_input(patient, caregiver, first, byweekday=["MO"], rdate=[saturday.isoformat()])
    group = await create_series(agency, data)
    assert saturday in local_days(await live_visits(api, group["id"]))

    # when the series is cancelled from its second Monday on
    cancel = await agency.ok(
        CANCEL_FROM,
        {"id": group["id"], "revision": group["revision"],
         "from": iso(first + dt.timedelta(weeks=1))},
    )  # fmt: skip

    # then its extra Saturday goes too: its visit removed, the day off the stored series
    assert cancel["eventGroupCancelFrom"]["userErrors"] == []
    assert local_days(await live_visits(api, group["id"])) == [first.date()]
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["rdate"] == []


# --- refused --------------------------------------------------------------------------------------

REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"freq": "MONTHLY", "bysetpos": [-1]}, "input.bysetpos"),
    ({"freq": "MONTHLY", "byweekno": [20], "byweekday": ["MO"]}, "input.byweekno"),
    ({"freq": "DAILY", "byyearday": [100]}, "input.byyearday"),
    ({"freq": "WEEKLY", "byyearday": [100]}, "input.byyearday"),
    ({"freq": "MONTHLY", "byyearday": [100]}, "input.byyearday"),
    ({"freq": "WEEKLY", "byweekday": ["MO", "-1FR"]}, "input.byweekday.1"),
    ({"freq": "DAILY", "byweekday": ["1MO"]}, "input.byweekday.0"),
    ({"freq": "YEARLY", "byweekno": [20], "byweekday": ["1MO"]}, "input.byweekday.0"),
    ({"freq": "MONTHLY", "byweekday": ["6MO"]}, "input.byweekday.0"),
    ({"freq": "YEARLY", "bymonth": [6], "byweekday": ["-6TU"]}, "input.byweekday.0"),
    ({"freq": "WEEKLY", "byweekday": ["MO"], "bymonthday": [1]}, "input.bymonthday"),
    ({"freq": "YEARLY", "bymonth": [0]}, "input.bymonth.0"),
    ({"freq": "YEARLY", "bymonth": [6, 13]}, "input.bymonth.1"),
    ({"freq": "YEARLY", "byyearday": [0]}, "input.byyearday.0"),
    ({"freq": "YEARLY", "byyearday": [367]}, "input.byyearday.0"),
    ({"freq": "YEARLY", "byyearday": [1, -367]}, "input.byyearday.1"),
    ({"freq": "YEARLY", "byweekno": [54]}, "input.byweekno.0"),
    ({"freq": "YEARLY", "byweekno": [-54]}, "input.byweekno.0"),
    ({"freq": "MONTHLY", "byweekday": ["MO"], "bysetpos": [0]}, "input.bysetpos.0"),
    ({"freq": "MONTHLY", "byweekday": ["MO"], "bysetpos": [-367]}, "input.bysetpos.0"),
    ({"freq": "DAILY", "bymonth": [2], "bymonthday": [30]}, "input.bymonthday"),
    ({"freq": "MONTHLY", "byweekday": ["MO"], "bysetpos": [6]}, "input.bysetpos"),
    ({"freq": "YEARLY", "bymonth": [4], "byyearday": [1]}, "input.byyearday"),
    ({"freq": "WEEKLY", "byweekday": ["MO"], "until": "2040-04-01T00:00:00Z",
      "rdate": ["2040-03-09", "2040-04-06"]}, "input.rdate.1"),
]  # fmt: skip
ACCEPTED: list[dict[str, Any]] = [
    {"freq": "YEARLY", "byyearday": [-1, 366], "bysetpos": [-1]},
    {"freq": "YEARLY", "byweekno": [-1, 53], "byweekday": ["SU"]},
    {"freq": "YEARLY", "byweekday": ["-53MO", "20MO"]},
    {"freq": "MONTHLY", "bymonthday": [-31, 31], "bymonth": [1, 12]},
    {"freq": "DAILY", "bymonth": [2], "bymonthday": [29], "byweekday": ["MO"]},
]


@pytest.mark.parametrize(("rule", "field"), REFUSED, ids=[r[1] for r in REFUSED])
async def test_a_rule_rfc_5545_does_not_allow_is_refused_naming_the_part(
    api: Api, rule: dict[str, Any], field: str
) -> None:
    # given an agency
    agency = await scheduling_agency(api)
    started = time.monotonic()

    # when a series with the rule is created
    data = series_input(None, None, next_monday(), **{"byweekday": [], **rule})
    answer = await agency.gql(CREATE, {"input": data})

    # then it is refused, on the part that breaks it, with a message saying why; at once, and
    # nothing is stored
    assert time.monotonic() - started < 3
    assert answer.errors == []
    payload = answer.data["eventGroupCreate"]
    assert payload["eventGroup"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID")]
    assert "Unexpected" not in payload["userErrors"][0]["message"]
    assert await api.count("eventsgroups", _account=agency.account_id) == 0


async def test_rules_at_the_edges_of_each_range_are_accepted(api: Api) -> None:
    # given an agency
    agency = await scheduling_agency(api)

    # when series with each part at the ends of its range (from the end too) are created
    made = [
        await agency.ok(
            CREATE, {"input": series_input(None, None, next_monday(), **{"byweekday": [], **rule})}
        )
        for rule in ACCEPTED
    ]

    # then each is stored as given
    assert [m["eventGroupCreate"]["userErrors"] for m in made] == [[]] * len(ACCEPTED)
    assert await api.count("eventsgroups", _account=agency.account_id) == len(ACCEPTED)
    yearly = made[0]["eventGroupCreate"]["eventGroup"]
    assert (yearly["byyearday"], yearly["bysetpos"]) == ([-1, 366], [-1])


async def test_a_change_that_breaks_the_rule_is_refused_and_changes_nothing(api: Api) -> None:
    # given a yearly series on the 100th day of the year
    agency = await scheduling_agency(api)
    group = await rule_series(agency, next_monday(), {"freq": "YEARLY", "byyearday": [100]})

    # when it is changed to a monthly one, keeping its day of the year
    answer = await agency.ok(
        UPDATE, {"id": group["id"], "revision": group["revision"], "input": {"freq": "MONTHLY"}}
    )

    # then the change is refused on the part it breaks, and the series is as it was
    payload = answer["eventGroupUpdate"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("input.byyearday", "INVALID")
    ]
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and (stored["freq"], stored["_revision"]) == ("YEARLY", 1)


async def test_a_stored_rule_no_day_matches_answers_at_once(api: Api) -> None:
    # given a series whose stored rule no day matches (the 30th of February every day), as one
    # stored before rules were checked could be
    agency = await scheduling_agency(api)
    group = await rule_series(agency, next_monday(), {"freq": "DAILY", "count": None})
    impossible = {"bymonth": [2], "bymonthday": [30], "materialised_until": None}
    await api.database.db.eventsgroups.update_one({"_id": key(group["id"])}, {"$set": impossible})

    # when its occurrences for a year are read, and the horizon job looks at it
    started = time.monotonic()
    found = await occurrences(
        agency, group["id"], next_monday(), next_monday() + dt.timedelta(days=365)
    )
    answered = time.monotonic() - started
    await extend_all(api.database, event_store(api.database, check_conflicts=False), now())

    # then it has none, answered within seconds (dateutil alone looks until the year 9999,
    # ten seconds of CPU), and the job marks it ended
    assert found == []
    assert answered < 3
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["ended"] is True
