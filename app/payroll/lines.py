"""What a payroll line copies and checks of the records it names: the caregiver's name, and
each punchcard's pay, caregiver and day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.days import local_day
from app.common.money import MAX_AMOUNT, MAX_QUANTITY, to_cent
from app.common.services import RawDoc, decode, snapshot_id
from app.errors import ErrorCode, Problem
from app.payroll.totals import NO_HOURS, as_hours
from app.visits.reviews import is_held


def paid_twice(field: str) -> Problem:
    return Problem("This punchcard is already paid on another line.", ErrorCode.DUPLICATE, field)


def punchcard_ids(entries: Any) -> list[Any]:
    return [key for e in entries or [] if (key := snapshot_id(e)) is not None]


def paid_by(line: RawDoc | None) -> tuple[Any, list[Any]]:
    """The payroll a stored line pays in and the punchcards it pays; none when deleted."""
    if line is None or line.get("_deleted"):
        return None, []
    return line.get("payroll"), punchcard_ids(line.get("punchcards"))


def fill_user(item: dict[str, Any], people: dict[Any, RawDoc], where: str) -> list[Problem]:
    snapshot = item.get("user")
    key = snapshot_id(snapshot)
    if not isinstance(snapshot, dict) or key is None:
        return []
    person = people.get(key)
    if person is None:
        return [Problem("No User with this id.", ErrorCode.NOT_FOUND, f"{where}.user.record")]
    name = person.get("name") or {}
    filled = dict(snapshot)
    if filled.get("name") is None:
        filled["name"] = name
    if filled.get("nickname") is None:
        filled["nickname"] = name.get("nickname")
    item["user"] = filled
    return []


PAY = ("hours", "rate", "amount")


def _pay_of(
    entry: dict[str, Any], card: RawDoc, field: str
) -> tuple[dict[str, Any], list[Problem]]:
    """What a line pays for a punchcard. Nothing given, or only the punchcard's own values:
    the punchcard's pay, copied whole (its amount, overtime hours and holiday flag, premiums
    included, and the travel to it). Hours or rate given otherwise: the other one is the
    punchcard's, the amount is hours times rate, rounded half-up to the cent, without
    premiums (the travel to it is still the punchcard's); an amount given that differs from it
    is refused."""
    pay = decode(card.get("pay") or {})
    given = {k: entry.get(k) for k in PAY if entry.get(k) is not None}
    if all(pay.get(k) is not None and pay[k] == v for k, v in given.items()):
        hours = pay.get("hours")
        return {
            **{k: pay.get(k) for k in PAY},
            "hours": None if hours is None else as_hours(hours),
            "overtime_hours": as_hours(pay.get("overtime_hours") or NO_HOURS),
            "daily_overtime_hours": as_hours(pay.get("daily_overtime_hours") or NO_HOURS),
            "holiday": bool(pay.get("holiday")),
            "travel": pay.get("travel"),
        }, []
    hours = given.get("hours", pay.get("hours"))
    rate = given.get("rate", pay.get("rate"))
    missing = [k for k, v in (("hours", hours), ("rate", rate)) if v is None]
    if missing:
        return given, [
            Problem("Field required: the punchcard has no pay to take it from.",
                    ErrorCode.REQUIRED, f"{field}.{k}")
            for k in missing
        ]  # fmt: skip
    try:
        hours, rate = Decimal(str(hours)), Decimal(str(rate))
    except ArithmeticError:
        return given, []  # not a number: the model's validation refuses it
    if not (0 <= hours <= MAX_QUANTITY and 0 <= rate <= MAX_AMOUNT):
        return given, []  # out of bounds: the model's validation refuses it
    amount = to_cent(hours * rate)
    if given.get("amount") is not None and given["amount"] != amount:
        return given, [
            Problem(f"The amount is hours times rate: {amount}.", ErrorCode.INVALID,
                    f"{field}.amount")
        ]  # fmt: skip
    return {"hours": as_hours(hours), "rate": rate, "amount": amount, "overtime_hours": NO_HOURS,
            "daily_overtime_hours": NO_HOURS, "holiday": False,
            "travel": pay.get("travel")}, []  # fmt: skip


def fill_punchcards(
    item: dict[str, Any],
    punchcards: dict[Any, RawDoc],
    caregiver: Any,
    period: tuple[dt.date, dt.date] | None,
    zone: dt.tzinfo,
    where: str,
) -> list[Problem]:
    entries = item.get("punchcards")
    if not isinstance(entries, list):
        return []
    problems, filled = [], []
    for number, entry in enumerate(entries):
        key = snapshot_id(entry)
        if not isinstance(entry, dict) or key is None:
            filled.append(entry)
            continue
        at = f"{where}.punchcards.{number}"
        field = f"{at}.record"
        card = punchcards.get(key)
        if card is None:
            problems.append(Problem("No Punchcard with this id.", ErrorCode.NOT_FOUND, field))
            filled.append(entry)
            continue
        if card.get("_deleted"):
            problems.append(Problem("This punchcard is deleted.", ErrorCode.INVALID_STATE, field))
        elif is_held(card):
            message = "This punchcard waits for the office's review or was rejected: it is paid "
            message += "once approved (visitReviewApprove)."
            problems.append(Problem(message, ErrorCode.INVALID_STATE, field))
        if caregiver is not None and (card.get("user") or {}).get("_id") != caregiver:
            problems.append(
                Problem("This punchcard is another caregiver's.", ErrorCode.INVALID, field)
            )
        day = local_day((card.get("_search") or {}).get("date"), zone)
        if period is not None and (day is None or not period[0] <= day <= period[1]):
            problems.append(
                Problem(
                    f"This punchcard is not in the payroll's period ({period[0]} to {period[1]}).",
                    ErrorCode.INVALID,
                    field,
                )
            )
        pay, wrong = _pay_of(entry, card, at)
        problems += wrong
        code = (card.get("service") or {}).get("code")
        filled.append({**entry, **pay, "service_code": code})
    item["punchcards"] = filled
    return problems
