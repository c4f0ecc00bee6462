"""RFC 5545's own recurrence examples (section 3.8.5.3), read back through `occurrences`: those
of FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY and WKST, then those of BYMONTH, BYYEARDAY,
BYWEEKNO, BYSETPOS and EXDATE (every example without BYHOUR, BYMINUTE or BYSECOND).

Every example starts at 09:00 America/New_York, as the RFC's DTSTART;TZID=America/New_York
does; the dates expected are the ones the RFC lists. The series are made through the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import Agency, Api
from tests.factories_scheduling import create_group, group_input, scheduling_agency

NEW_YORK = ZoneInfo("America/New_York")
TORONTO = ZoneInfo("America/Toronto")
OCCURRENCES = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  eventGroup(id: $id) { occurrences(from: $from, to: $to) } }"""


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def nine(year: int, month: int, day: int, zone: ZoneInfo = NEW_YORK) -> dt.datetime:
    """09:00 local time on a day."""
    return dt.datetime(year, month, day, 9, tzinfo=zone)


def days(year: int, month: int, *numbers: int) -> list[dt.datetime]:
    return [nine(year, month, n) for n in numbers]


async def occurrences_of(
    agency: Agency,
    rule: dict[str, Any],
    first: dt.datetime,
    until: dt.datetime,
    zone: ZoneInfo = NEW_YORK,
) -> list[dt.datetime]:
    """Make a series starting at `first` (an hour long) and read its occurrences to `until`."""
    data = group_input(None, None, start=iso(first), end=iso(first + dt.timedelta(hours=1)))
    group = await create_group(agency, {**data, "byweekday": [], **rule})
    window = {"id": group["id"], "from": iso(first), "to": iso(until)}
    found = (await agency.ok(OCCURRENCES, window))["eventGroup"]["occurrences"]
    return [dt.datetime.fromisoformat(value).astimezone(zone) for value in found]


EXAMPLES = [
    (
        "Daily for 10 occurrences",
        {"freq": "DAILY", "count": 10},
        nine(1997, 9, 2),
        days(1997, 9, *range(2, 12)),
    ),
    (
        "Every 10 days, 5 occurrences",
        {"freq": "DAILY", "interval": 10, "count": 5},
        nine(1997, 9, 2),
        days(1997, 9, 2, 12, 22) + days(1997, 10, 2, 12),
    ),
    (
        "Weekly for 10 occurrences",
        {"freq": "WEEKLY", "count": 10},
        nine(1997, 9, 2),
        days(1997, 9, 2, 9, 16, 23, 30) + days(1997, 10, 7, 14, 21, 28) + days(1997, 11, 4),
    ),
    (
        "Weekly on Tuesday and Thursday for five weeks",
        {"freq": "WEEKLY", "until": "1997-10-07T00:00:00Z", "wkst": "SUNDAY",
         "byweekday": ["TU", "TH"]},
        nine(1997, 9, 2),
        days(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + days(1997, 10, 2),
    ),
    (
        "Every other week on Monday, Wednesday, and Friday until December 24, 1997",
        {"freq": "WEEKLY", "interval": 2, "until": "1997-12-24T00:00:00Z", "wkst": "SUNDAY",
         "byweekday": ["MO", "WE", "FR"]},
        nine(1997, 9, 1),
        days(1997, 9, 1, 3, 5, 15, 17, 19, 29) + days(1997, 10, 1, 3, 13, 15, 17, 27, 29, 31)
        + days(1997, 11, 10, 12, 14, 24, 26, 28) + days(1997, 12, 8, 10, 12, 22),
    ),
    (
        "Monthly on the first Friday for 10 occurrences",
        {"freq": "MONTHLY", "count": 10, "byweekday": ["1FR"]},
        nine(1997, 9, 5),
        days(1997, 9, 5) + days(1997, 10, 3) + days(1997, 11, 7) + days(1997, 12, 5)
        + days(1998, 1, 2) + days(1998, 2, 6) + days(1998, 3, 6) + days(1998, 4, 3)
        + days(1998, 5, 1) + days(1998, 6, 5),
    ),
    (
        "Every other month on the first and last Sunday of the month for 10 occurrences",
        {"freq": "MONTHLY", "interval": 2, "count": 10, "byweekday": ["1SU", "-1SU"]},
        nine(1997, 9, 7),
        days(1997, 9, 7, 28) + days(1997, 11, 2, 30) + days(1998, 1, 4, 25)
        + days(1998, 3, 1, 29) + days(1998, 5, 3, 31),
    ),
    (
        "Monthly on the second-to-last Monday of the month for 6 months",
        {"freq": "MONTHLY", "count": 6, "byweekday": ["-2MO"]},
        nine(1997, 9, 22),
        days(1997, 9, 22) + days(1997, 10, 20) + days(1997, 11, 17) + days(1997, 12, 22)
        + days(1998, 1, 19) + days(1998, 2, 16),
    ),
    (
        "Monthly on the 2nd and 15th of the month for 10 occurrences",
        {"freq": "MONTHLY", "count": 10, "bymonthday": [2, 15]},
        nine(1997, 9, 2),
        days(1997, 9, 2, 15) + days(1997, 10, 2, 15) + days(1997, 11, 2, 15)
        + days(1997, 12, 2, 15) + days(1998, 1, 2, 15),
    ),
    (
        "Monthly on the first and last day of the month for 10 occurrences",
        {"freq": "MONTHLY", "count": 10, "bymonthday": [1, -1]},
        nine(1997, 9, 30),
        days(1997, 9, 30) + days(1997, 10, 1, 31) + days(1997, 11, 1, 30)
        + days(1997, 12, 1, 31) + days(1998, 1, 1, 31) + days(1998, 2, 1),
    ),
    (
        "WKST makes a difference: MO",
        {"freq": "WEEKLY", "interval": 2, "count": 4, "byweekday": ["TU", "SU"],
         "wkst": "MONDAY"},
        nine(1997, 8, 5),
        days(1997, 8, 5, 10, 19, 24),
    ),
    (
        "WKST makes a difference: SU",
        {"freq": "WEEKLY", "interval": 2, "count": 4, "byweekday": ["TU", "SU"],
         "wkst": "SUNDAY"},
        nine(1997, 8, 5),
        days(1997, 8, 5, 17, 19, 31),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "rule", "first", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES]
)
async def test_the_rfc_examples_give_the_rfc_dates(
    api: Api, title: str, rule: dict[str, Any], first: dt.datetime, expected: list[dt.datetime]
) -> None:
    # given an agency in New York, and a series with the RFC's rule from its DTSTART
    agency = await scheduling_agency(api, "America/New_York")

    # when its occurrences are read for most of a year
    found = await occurrences_of(agency, rule, first, first + dt.timedelta(days=300))

    # then they are the RFC's dates, each at 09:00 New York time (EDT, then EST)
    assert found == expected


async def occurrences_through(
    agency: Agency, rule: dict[str, Any], first: dt.datetime, last: dt.datetime
) -> list[dt.datetime]:
    """Make a series starting at `first` and read its occurrences up to `last` (included), a
    year at a time (the most one question answers)."""
    data = group_input(None, None, start=iso(first), end=iso(first + dt.timedelta(hours=1)))
    group = await create_group(agency, {**data, "byweekday": [], **rule})
    found: list[dt.datetime] = []
    since, end = first, last + dt.timedelta(hours=1)
    while since < end:
        to = min(since + dt.timedelta(days=365), end)
        window = {"id": group["id"], "from": iso(since), "to": iso(to)}
        answer = (await agency.ok(OCCURRENCES, window))["eventGroup"]["occurrences"]
        found += [dt.datetime.fromisoformat(value).astimezone(NEW_YORK) for value in answer]
        since = to
    return found


RICH_EXAMPLES = [
    (
        "Yearly in June and July for 10 occurrences",
        {"freq": "YEARLY", "count": 10, "bymonth": [6, 7]},
        nine(1997, 6, 10),
        [nine(year, month, 10) for year in range(1997, 2002) for month in (6, 7)],
    ),
    (
        "Every other year on January, February, and March for 10 occurrences",
        {"freq": "YEARLY", "interval": 2, "count": 10, "bymonth": [1, 2, 3]},
        nine(1997, 3, 10),
        days(1997, 3, 10)
        + [nine(year, month, 10) for year in (1999, 2001, 2003) for month in (1, 2, 3)],
    ),
    (
        "Every third year on the 1st, 100th, and 200th day for 10 occurrences",
        {"freq": "YEARLY", "interval": 3, "count": 10, "byyearday": [1, 100, 200]},
        nine(1997, 1, 1),
        days(1997, 1, 1) + days(1997, 4, 10) + days(1997, 7, 19)
        + days(2000, 1, 1) + days(2000, 4, 9) + days(2000, 7, 18)
        + days(2003, 1, 1) + days(2003, 4, 10) + days(2003, 7, 19) + days(2006, 1, 1),
    ),
    (
        "Every 20th Monday of the year, forever",
        {"freq": "YEARLY", "byweekday": ["20MO"]},
        nine(1997, 5, 19),
        days(1997, 5, 19) + days(1998, 5, 18) + days(1999, 5, 17),
    ),
    (
        "Monday of week number 20 (where the default start of the week is Monday), forever",
        {"freq": "YEARLY", "byweekno": [20], "byweekday": ["MO"]},
        nine(1997, 5, 12),
        days(1997, 5, 12) + days(1998, 5, 11) + days(1999, 5, 17),
    ),
    (
        "Every Thursday in March, forever",
        {"freq": "YEARLY", "bymonth": [3], "byweekday": ["TH"]},
        nine(1997, 3, 13),
        days(1997, 3, 13, 20, 27) + days(1998, 3, 5, 12, 19, 26) + days(1999, 3, 4, 11, 18, 25),
    ),
    (
        "Every Thursday, but only during June, July, and August, forever",
        {"freq": "YEARLY", "byweekday": ["TH"], "bymonth": [6, 7, 8]},
        nine(1997, 6, 5),
        days(1997, 6, 5, 12, 19, 26) + days(1997, 7, 3, 10, 17, 24, 31)
        + days(1997, 8, 7, 14, 21, 28) + days(1998, 6, 4, 11, 18, 25)
        + days(1998, 7, 2, 9, 16, 23, 30) + days(1998, 8, 6, 13, 20, 27)
        + days(1999, 6, 3, 10, 17, 24) + days(1999, 7, 1, 8, 15, 22, 29)
        + days(1999, 8, 5, 12, 19, 26),
    ),
    (
        "Every Friday the 13th, forever (EXDATE 1997-09-02)",
        {"freq": "MONTHLY", "byweekday": ["FR"], "bymonthday": [13], "exdate": ["1997-09-02"]},
        nine(1997, 9, 2),
        days(1998, 2, 13) + days(1998, 3, 13) + days(1998, 11, 13) + days(1999, 8, 13)
        + days(2000, 10, 13),
    ),
    (
        "The first Saturday that follows the first Sunday of the month, forever",
        {"freq": "MONTHLY", "byweekday": ["SA"], "bymonthday": [7, 8, 9, 10, 11, 12, 13]},
        nine(1997, 9, 13),
        days(1997, 9, 13) + days(1997, 10, 11) + days(1997, 11, 8) + days(1997, 12, 13)
        + days(1998, 1, 10) + days(1998, 2, 7) + days(1998, 3, 7) + days(1998, 4, 11)
        + days(1998, 5, 9) + days(1998, 6, 13),
    ),
    (
        "Every 4 years, the first Tuesday after a Monday in November, forever",
        {"freq": "YEARLY", "interval": 4, "bymonth": [11], "byweekday": ["TU"],
         "bymonthday": [2, 3, 4, 5, 6, 7, 8]},
        nine(1996, 11, 5),
        days(1996, 11, 5) + days(2000, 11, 7) + days(2004, 11, 2),
    ),
    (
        "The third instance into the month of one of Tuesday, Wednesday, or Thursday, "
        "for the next 3 months",
        {"freq": "MONTHLY", "count": 3, "byweekday": ["TU", "WE", "TH"], "bysetpos": [3]},
        nine(1997, 9, 4),
        days(1997, 9, 4) + days(1997, 10, 7) + days(1997, 11, 6),
    ),
    (
        "The second-to-last weekday of the month",
        {"freq": "MONTHLY", "byweekday": ["MO", "TU", "WE", "TH", "FR"], "bysetpos": [-2]},
        nine(1997, 9, 29),
        days(1997, 9, 29) + days(1997, 10, 30) + days(1997, 11, 27) + days(1997, 12, 30)
        + days(1998, 1, 29) + days(1998, 2, 26) + days(1998, 3, 30),
    ),
    (
        "Monthly on the 10th, 11th, 12th, 13th, 14th, and 15th for 10 occurrences",
        {"freq": "MONTHLY", "count": 10, "bymonthday": [10, 11, 12, 13, 14, 15]},
        nine(1997, 9, 10),
        days(1997, 9, *range(10, 16)) + days(1997, 10, 10, 11, 12, 13),
    ),
    (
        "Every Tuesday, every other month",
        {"freq": "MONTHLY", "interval": 2, "byweekday": ["TU"]},
        nine(1997, 9, 2),
        days(1997, 9, 2, 9, 16, 23, 30) + days(1997, 11, 4, 11, 18, 25)
        + days(1998, 1, 6, 13, 20, 27) + days(1998, 3, 3, 10, 17, 24, 31),
    ),
    (
        "Every day in January, for 3 years (YEARLY)",
        {"freq": "YEARLY", "until": "2000-01-31T14:00:00Z", "bymonth": [1],
         "byweekday": ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]},
        nine(1998, 1, 1),
        days(1998, 1, *range(1, 32)) + days(1999, 1, *range(1, 32)) + days(2000, 1, *range(1, 32)),
    ),
    (
        "Every day in January, for 3 years (DAILY)",
        {"freq": "DAILY", "until": "2000-01-31T14:00:00Z", "bymonth": [1]},
        nine(1998, 1, 1),
        days(1998, 1, *range(1, 32)) + days(1999, 1, *range(1, 32)) + days(2000, 1, *range(1, 32)),
    ),
    (
        "An invalid date (February 30) is ignored",
        {"freq": "MONTHLY", "bymonthday": [15, 30], "count": 5},
        nine(2007, 1, 15),
        days(2007, 1, 15, 30) + days(2007, 2, 15) + days(2007, 3, 15, 30),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "rule", "first", "expected"), RICH_EXAMPLES, ids=[e[0] for e in RICH_EXAMPLES]
)
async def test_the_rfc_examples_of_months_year_days_weeks_and_positions_give_the_rfc_dates(
    api: Api, title: str, rule: dict[str, Any], first: dt.datetime, expected: list[dt.datetime]
) -> None:
    # given an agency in New York, and a series with the RFC's rule (BYMONTH, BYYEARDAY,
    # BYWEEKNO, BYSETPOS, several BYMONTHDAY, EXDATE) from its DTSTART
    agency = await scheduling_agency(api, "America/New_York")

    # when its occurrences are read, a year at a time, up to the last date the RFC lists
    found = await occurrences_through(agency, rule, first, expected[-1])

    # then they are the RFC's dates, each at 09:00 New York time (EDT or EST)
    assert found == expected


async def test_open_ended_and_until_rules_give_the_rfc_dates(api: Api) -> None:
    # given an agency in New York
    agency = await scheduling_agency(api, "America/New_York")
    end = nine(1998, 3, 1)

    # when open-ended and until-bounded rules are read up to March 1998
    daily_until = await occurrences_of(
        agency, {"freq": "DAILY", "until": "1997-12-24T00:00:00Z"}, nine(1997, 9, 2), end
    )
    every_other_day = await occurrences_of(
        agency, {"freq": "DAILY", "interval": 2}, nine(1997, 9, 2), nine(1997, 10, 1)
    )
    third_to_last = await occurrences_of(
        agency, {"freq": "MONTHLY", "bymonthday": [-3]}, nine(1997, 9, 28), end
    )

    # then "Daily until December 24, 1997": Sep 2 to Dec 23, 113 days, all at 09:00 local
    assert len(daily_until) == 113
    assert (daily_until[0], daily_until[-1]) == (nine(1997, 9, 2), nine(1997, 12, 23))
    assert {moment.time() for moment in daily_until} == {dt.time(9)}
    # and "Every other day - forever": Sep 2, 4, 6 ... 30
    assert every_other_day == days(1997, 9, *range(2, 31, 2))
    # and "Monthly on the third-to-the-last day of the month, forever"
    assert third_to_last == days(1997, 9, 28) + days(1997, 10, 29) + days(1997, 11, 28) + days(
        1997, 12, 29
    ) + days(1998, 1, 29) + days(1998, 2, 26)


async def test_a_weekly_nine_oclock_series_keeps_nine_oclock_across_daylight_saving(
    api: Api,
) -> None:
    # given an agency in Toronto with a Monday 09:00 series across the March 2030 change
    agency = await scheduling_agency(api, "America/Toronto")
    first = nine(2030, 3, 4, TORONTO)

    # when its occurrences are read for March and the first days of November 2030
    march = await occurrences_of(agency, {"freq": "WEEKLY"}, first, nine(2030, 3, 26, TORONTO))

    # then every visit is at 09:00 local time; UTC moves from 14:00 to 13:00
    assert [m.date().day for m in march] == [4, 11, 18, 25]
    assert {m.time() for m in march} == {dt.time(9)}
    assert [m.astimezone(dt.UTC).hour for m in march] == [14, 13, 13, 13]


async def test_a_visit_in_the_spring_gap_starts_after_it(api: Api) -> None:
    # given a daily 02:30 Toronto series across the night clocks go forward (March 10, 2030)
    agency = await scheduling_agency(api, "America/Toronto")
    first = dt.datetime(2030, 3, 9, 2, 30, tzinfo=TORONTO)

    # when its occurrences are read
    found = await occurrences_of(
        agency, {"freq": "DAILY"}, first, first + dt.timedelta(days=3), TORONTO
    )

    # then the visit of the missing 02:30 is at 03:30 daylight time; none is lost
    assert [(m.day, m.hour, m.minute) for m in found] == [(9, 2, 30), (10, 3, 30), (11, 2, 30)]


async def test_a_window_longer_than_a_year_is_refused(api: Api) -> None:
    # given a daily series
    agency = await scheduling_agency(api, "America/New_York")
    first = nine(2030, 1, 1)
    data = group_input(None, None, start=iso(first), end=iso(first + dt.timedelta(hours=1)))
    group = await create_group(agency, {**data, "freq": "DAILY", "byweekday": []})

    # when two years of occurrences are asked for, or a reversed window
    long = await agency.gql(
        OCCURRENCES, {"id": group["id"], "from": iso(first), "to": "2032-01-01T00:00:00Z"}
    )
    reversed_ = await agency.gql(
        OCCURRENCES, {"id": group["id"], "from": iso(first), "to": "2029-01-01T00:00:00Z"}
    )

    # then both are refused with a message saying why
    assert "366 days" in long.errors[0]["message"]
    assert "after `from`" in reversed_.errors[0]["message"]
