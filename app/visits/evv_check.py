"""A check of EVV visit records against the documented layout (`app.visits.evv`): what an
aggregator would reject, found before the file leaves. Used by the tests on every exported
record, and handy for an integrator's own files: `problems(record)` is empty for a good one.

CSV rows are read back into records (`record_of_row`) and checked the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.common.identifiers import HCPCS, MODIFIER, valid_npi

UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
HOURS = re.compile(r"\d{1,2}\.\d{2}")
CALL_TYPES = {"Mobile", "Telephony", "Manual"}
CURES_ACT = {
    "type of service": "ProcedureCode",
    "individual receiving the service": "ClientID",
    "date of the service": "Calls.CallDateTime",
    "location of the service": "Calls.CallLatitude/CallLongitude (or a Manual call)",
    "individual providing the service": "EmployeeIdentifier",
    "time the service begins and ends": "Calls Time In / Time Out",
}
"""The six elements of 21st Century Cures Act section 12006, and the fields holding them."""


def _text(record: dict[str, Any], name: str, most: int, problems: list[str]) -> None:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{name} is required")
    elif len(value) > most:
        problems.append(f"{name} is longer than {most} characters")


def _time(value: Any, name: str, problems: list[str], required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not UTC_TIME.fullmatch(value):
        problems.append(f"{name} is not a UTC time YYYY-MM-DDTHH:MM:SSZ: {value!r}")


def problems(record: dict[str, Any]) -> list[str]:
    """What is wrong with one visit record; empty when an aggregator would take it."""
    found: list[str] = []
    provider = record.get("ProviderIdentification") or {}
    if provider.get("ProviderQualifier") != "NPI":
        found.append("ProviderIdentification.ProviderQualifier is NPI")
    if not valid_npi(str(provider.get("ProviderID") or "")):
        found.append("ProviderIdentification.ProviderID is not a valid NPI")
    _text(record, "VisitOtherID", 50, found)
    if not isinstance(record.get("SequenceID"), int) or record["SequenceID"] < 1:
        found.append("SequenceID is a whole number from 1")
    if record.get("EmployeeQualifier") != "EmployeeCustomID":
        found.append("EmployeeQualifier is EmployeeCustomID")
    _text(record, "EmployeeIdentifier", 64, found)
    if record.get("ClientIDQualifier") != "ClientMedicaidID":
        found.append("ClientIDQualifier is ClientMedicaidID")
    _text(record, "ClientID", 64, found)
    _text(record, "PayerID", 64, found)
    _text(record, "PayerProgram", 9, found)
    if not re.fullmatch(HCPCS, str(record.get("ProcedureCode") or "")):
        found.append("ProcedureCode is not a HCPCS code")
    for n in range(1, 5):
        modifier = record.get(f"Modifier{n}")
        if modifier is not None and not MODIFIER.fullmatch(str(modifier)):
            found.append(f"Modifier{n} is two letters or digits")
    try:
        ZoneInfo(str(record.get("VisitTimeZone")))
    except (ZoneInfoNotFoundError, ValueError):
        found.append("VisitTimeZone is not an IANA time zone")
    for name in ("ScheduleStartTime", "ScheduleEndTime", "AdjInDateTime", "AdjOutDateTime"):
        _time(record.get(name), name, found, required=False)
    if record.get("VisitCancelledIndicator") not in ("true", "false"):
        found.append("VisitCancelledIndicator is true or false")
    if record.get("BillVisit") not in ("true", "false"):
        found.append("BillVisit is true or false")
    for name in ("HoursToBill", "HoursToPay"):
        if record.get(name) is not None and not HOURS.fullmatch(str(record[name])):
            found.append(f"{name} is hours with two decimals")
    if len(str(record.get("Memo") or "")) > 1024:
        found.append("Memo is at most 1024 characters")
    manual = _calls(record, found)
    adjusted = record.get("AdjInDateTime") or record.get("AdjOutDateTime")
    _changes(record, bool(manual or adjusted), found)
    return found


def _calls(record: dict[str, Any], found: list[str]) -> bool:
    """Check the Time In and Time Out calls; whether a call was manual."""
    calls = record.get("Calls") or []
    by_kind = {call.get("CallAssignment"): call for call in calls}
    if len(calls) != 2 or set(by_kind) != {"Time In", "Time Out"}:
        found.append("Calls holds one Time In and one Time Out")
        return False
    for call in calls:
        where = f"Calls[{call['CallAssignment']}]"
        _time(call.get("CallDateTime"), f"{where}.CallDateTime", found)
        if call.get("CallType") not in CALL_TYPES:
            found.append(f"{where}.CallType is Mobile, Telephony or Manual")
        if call.get("ProcedureCode") != record.get("ProcedureCode"):
            found.append(f"{where}.ProcedureCode is the visit's")
        if not str(call.get("CallExternalID") or "").strip():
            found.append(f"{where}.CallExternalID is required")
        if call.get("CallType") == "Mobile":
            latitude, longitude = call.get("CallLatitude"), call.get("CallLongitude")
            if not isinstance(latitude, float | int) or not -90 <= latitude <= 90:
                found.append(f"{where}.CallLatitude is -90 to 90 for a Mobile call")
            if not isinstance(longitude, float | int) or not -180 <= longitude <= 180:
                found.append(f"{where}.CallLongitude is -180 to 180 for a Mobile call")
    began, ended = by_kind["Time In"].get("CallDateTime"), by_kind["Time Out"].get("CallDateTime")
    if isinstance(began, str) and isinstance(ended, str) and not began < ended:
        found.append("the Time Out call is after the Time In call")
    return any(call.get("CallType") == "Manual" for call in calls)


def _changes(record: dict[str, Any], required: bool, found: list[str]) -> None:
    changes = record.get("VisitChanges") or []
    if required and not changes:
        found.append("VisitChanges is required for a Manual call or adjusted times")
    for index, change in enumerate(changes):
        where = f"VisitChanges[{index}]"
        for name, most in (("ChangeMadeBy", 64), ("SequenceID", 16)):
            value = str(change.get(name) or "")
            if not value.strip() or len(value) > most:
                found.append(f"{where}.{name} is required (at most {most} characters)")
        _time(change.get("ChangeDateTime"), f"{where}.ChangeDateTime", found)
        if required and not str(change.get("ReasonCode") or "").strip():
            found.append(f"{where}.ReasonCode is required")


def record_of_row(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row of the export read back into the record it flattens (see `evv_export`)."""

    def value(name: str) -> str | None:
        return row.get(name) or None

    def number(name: str) -> float | None:
        text = value(name)
        return float(text) if text is not None else None

    plain = {k: value(k) for k in row if not k.startswith(("Call", "Change", "Provider"))}
    plain.pop("ReasonCode", None)
    calls = [
        {"CallExternalID": f"{row['VisitOtherID']}-{suffix.upper()}",
         "CallDateTime": value(f"Call{suffix}DateTime"), "CallAssignment": assignment,
         "CallType": value(f"Call{suffix}Type"), "ProcedureCode": value("ProcedureCode"),
         "CallLatitude": number(f"Call{suffix}Latitude"),
         "CallLongitude": number(f"Call{suffix}Longitude")}
        for suffix, assignment in (("In", "Time In"), ("Out", "Time Out"))
    ]  # fmt: skip
    changes = (
        [{"SequenceID": "1", "ChangeMadeBy": value("ChangeMadeBy"),
          "ChangeDateTime": value("ChangeDateTime"), "ReasonCode": value("ReasonCode"),
          "ChangeReasonMemo": value("ChangeReasonMemo")}]
        if value("ChangeMadeBy") else []
    )  # fmt: skip
    return {
        **plain,
        "ProviderIdentification": {"ProviderQualifier": value("ProviderQualifier"),
                                   "ProviderID": value("ProviderID")},
        "SequenceID": int(row["SequenceID"]) if row.get("SequenceID", "").isdigit() else None,
        "Calls": calls,
        "VisitChanges": changes,
    }  # fmt: skip


def date_of(call_time: str, zone: str) -> dt.date:
    """The local day of a call (the Cures Act's date of service)."""
    moment = dt.datetime.strptime(call_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(zone)).date()
