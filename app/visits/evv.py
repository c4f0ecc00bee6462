"""Electronic visit verification (EVV): a punchcard as an aggregator's visit record.

The 21st Century Cures Act (section 12006) asks, for every Medicaid personal care or home
health visit: the type of service, the individual served, the date, the location, the
individual providing the service, and the times it began and ended. Aggregators add who pays
(payer, program, member id), the procedure code and modifiers, the provider (NPI), and a
reason code for every manual call or edited time.

The record follows the visit element of Sandata's "Alternate EVV" interface (altEVV, the
aggregator of many state Medicaid programs), as the public Connecticut DSS-DMHAS EVV Vendor
Specification v1.5 lists it (its field names, qualifiers and formats; transcribed in
github.com/benfwalla/evv-ct, docs/api-reference/visit/create.mdx): ProviderIdentification
(ProviderQualifier, ProviderID), VisitOtherID, SequenceID, EmployeeQualifier,
EmployeeIdentifier, EmployeeOtherID, ClientIDQualifier, ClientID, ClientOtherID,
VisitCancelledIndicator, PayerID, PayerProgram, ProcedureCode, Modifier1-4, VisitTimeZone,
ScheduleStartTime, ScheduleEndTime, AdjInDateTime, AdjOutDateTime, BillVisit, HoursToBill,
HoursToPay, Memo; Calls (CallExternalID, CallDateTime, CallAssignment "Time In"/"Time Out",
CallType Mobile/Telephony/Manual, ProcedureCode, CallLatitude, CallLongitude); VisitChanges
(SequenceID, ChangeMadeBy, ChangeDateTime, ReasonCode, ChangeReasonMemo). Times are UTC,
`YYYY-MM-DDTHH:MM:SSZ`. Where the state's addendum asks for an SSN-based employee id we send
the agency's own (EmployeeCustomID), and the provider is named by NPI.

Where they come from: the provider is the account's `npi`; the payer is the patient's first
payer with an aggregator payer id (`billing[].payer_code`), with its `member_id` and
`program`; the procedure code and modifiers are the account service's `hcpcs` and
`modifiers`; the calls are the punches as first recorded, the adjusted times the office's
correction, and the changes the correction and the review's approval with their reason codes.
A visit that lacks any of it is not exported and is listed with why (`EvvSkipReason`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.billing.payers import payers_of
from app.common.clock import as_utc
from app.common.codes import Code
from app.common.identifiers import valid_npi
from app.common.money import to_decimal
from app.common.services import RawDoc
from app.graphql.relay import to_global_id
from app.visits.documents import ClockMethod
from app.visits.review_documents import ReviewStatus

MEMO = 1024
CALL_TYPES = {
    ClockMethod.GPS.value: "Mobile",
    ClockMethod.TELEPHONY.value: "Telephony",
    ClockMethod.MANUAL.value: "Manual",
}


class EvvSkipReason(Code):
    """Why a visit of the period was not exported to the EVV aggregator."""

    NOT_CLOCKED_OUT = "not_clocked_out", "The caregiver has not clocked out: the visit goes on."
    PENDING_REVIEW = "pending_review", "Its punches wait for the office's review."
    REJECTED = "rejected", "The office rejected its punches: the visit is not verified."
    NO_PROVIDER_ID = (
        "no_provider_id",
        "The account has no valid NPI (the provider's id: ten digits with their check digit).",
    )
    NO_EVV_PAYER = (
        "no_evv_payer",
        "None of the patient's payers has an aggregator payer id (payerCode): private pay.",
    )
    NO_MEMBER_ID = "no_member_id", "The payer has no member id (Medicaid number) of the patient."
    NO_PROGRAM = "no_program", "The payer has no program code."
    NO_PROCEDURE_CODE = "no_procedure_code", "The visit's service has no HCPCS code."
    NO_LOCATION = "no_location", "A punch from the mobile app carries no position."
    NO_REASON_CODE = (
        "no_reason_code",
        "A manual punch or an edited time has no reason code (approve the review, or give the "
        "correction a reasonCode).",
    )


@dataclass
class Context:
    """What records are built from, besides the punchcards: read once per batch."""

    account: RawDoc
    patients: dict[Any, RawDoc] = field(default_factory=dict)
    users: dict[Any, RawDoc] = field(default_factory=dict)

    @property
    def services(self) -> dict[Any, RawDoc]:
        return {s.get("code"): s for s in self.account.get("services") or []}


@dataclass
class Built:
    """A visit's record, or why there is none."""

    punchcard: Any
    record: RawDoc | None
    reasons: list[EvvSkipReason]


def utc(value: Any) -> str | None:
    """A stored time as the aggregators write it: UTC, to the second, with Z."""
    if not isinstance(value, dt.datetime):
        return None
    return as_utc(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(kind: str, key: Any) -> str | None:
    return to_global_id(kind, key) if key is not None else None


def _payer(patient: RawDoc | None) -> RawDoc | None:
    """The patient's first payer known to the aggregator."""
    return next((p.raw for p in payers_of(patient) if p.raw.get("payer_code")), None)


def _why_not(card: RawDoc, ctx: Context) -> list[EvvSkipReason]:
    """Why the punchcard cannot be a record yet, before building it."""
    actual = card.get("actual") or {}
    status = (card.get("review") or {}).get("status")
    reasons = []
    if actual.get("clock_out") is None:
        reasons.append(EvvSkipReason.NOT_CLOCKED_OUT)
    if status == ReviewStatus.PENDING.value:
        reasons.append(EvvSkipReason.PENDING_REVIEW)
    elif status == ReviewStatus.REJECTED.value:
        reasons.append(EvvSkipReason.REJECTED)
    if not valid_npi(str(ctx.account.get("npi") or "")):
        reasons.append(EvvSkipReason.NO_PROVIDER_ID)
    payer = _payer(ctx.patients.get((card.get("patient") or {}).get("_id")))
    if payer is None:
        reasons.append(EvvSkipReason.NO_EVV_PAYER)
    else:
        if not payer.get("member_id"):
            reasons.append(EvvSkipReason.NO_MEMBER_ID)
        if not payer.get("program"):
            reasons.append(EvvSkipReason.NO_PROGRAM)
    service = ctx.services.get((card.get("service") or {}).get("code")) or {}
    if not service.get("hcpcs"):
        reasons.append(EvvSkipReason.NO_PROCEDURE_CODE)
    if str(actual.get("method") or ClockMethod.GPS.value) == ClockMethod.GPS.value and not (
        _point(actual.get("clock_in_location")) and _point(actual.get("clock_out_location"))
    ):
        reasons.append(EvvSkipReason.NO_LOCATION)
    return reasons


def build(card: RawDoc, ctx: Context) -> Built:
    """The punchcard's visit record, or the reasons it has none."""
    reasons = _why_not(card, ctx)
    if reasons:
        return Built(card["_id"], None, reasons)
    changes = _changes(card)
    actual = card.get("actual") or {}
    manual = str(actual.get("method")) == ClockMethod.MANUAL.value
    corrected = card.get("correction") is not None
    if (manual or corrected) and not any(c["ReasonCode"] for c in changes):
        return Built(card["_id"], None, [EvvSkipReason.NO_REASON_CODE])
    return Built(card["_id"], _record(card, ctx, changes, corrected), [])


def _record(card: RawDoc, ctx: Context, changes: list[RawDoc], corrected: bool) -> RawDoc:
    account, actual = ctx.account, card.get("actual") or {}
    patient = ctx.patients.get((card.get("patient") or {}).get("_id"))
    payer = _payer(patient) or {}
    service = ctx.services.get((card.get("service") or {}).get("code")) or {}
    modifiers = [*(service.get("modifiers") or []), None, None, None, None][:4]
    caregiver = (card.get("user") or {}).get("_id")
    event = card.get("_event") or {}
    bill, pay = card.get("bill") or {}, card.get("pay") or {}
    code = service.get("hcpcs")
    return {
        "ProviderIdentification": {"ProviderQualifier": "NPI", "ProviderID": account["npi"]},
        "VisitOtherID": to_global_id("Punchcard", card["_id"]),
        "SequenceID": int(card.get("_revision") or 1),
        "EmployeeQualifier": "EmployeeCustomID",
        "EmployeeIdentifier": (ctx.users.get(caregiver) or {}).get("ext_id")
        or _person("User", caregiver),
        "EmployeeOtherID": _person("User", caregiver),
        "ClientIDQualifier": "ClientMedicaidID",
        "ClientID": payer.get("member_id"),
        "ClientOtherID": _person("Patient", (card.get("patient") or {}).get("_id")),
        "VisitCancelledIndicator": "false",
        "PayerID": payer.get("payer_code"),
        "PayerProgram": payer.get("program"),
        "ProcedureCode": code,
        **{f"Modifier{n}": modifiers[n - 1] for n in range(1, 5)},
        "VisitTimeZone": (account.get("settings") or {}).get("timezone") or "UTC",
        "ScheduleStartTime": utc(event.get("start")),
        "ScheduleEndTime": utc(event.get("end")),
        "AdjInDateTime": utc(actual.get("clock_in")) if corrected else None,
        "AdjOutDateTime": utc(actual.get("clock_out")) if corrected else None,
        "BillVisit": "true" if bill.get("billable", True) else "false",
        "HoursToBill": _hours(bill.get("hours")),
        "HoursToPay": _hours(pay.get("hours")),
        "Memo": (actual.get("notes") or "")[:MEMO] or None,
        "Calls": _calls(card, str(code)),
        "VisitChanges": changes,
    }


def _calls(card: RawDoc, code: str) -> list[RawDoc]:
    """The clock-in and clock-out as first recorded (before any correction)."""
    actual, key = card.get("actual") or {}, to_global_id("Punchcard", card["_id"])
    kind = CALL_TYPES.get(str(actual.get("method") or ClockMethod.GPS.value), "Mobile")
    calls = []
    for suffix, assignment, punch in (
        ("IN", "Time In", "clock_in"),
        ("OUT", "Time Out", "clock_out"),
    ):
        at = actual.get(f"original_{punch}") or actual.get(punch)
        point = _point(actual.get(f"{punch}_location"))
        calls.append({
            "CallExternalID": f"{key}-{suffix}", "CallDateTime": utc(at),
            "CallAssignment": assignment, "CallType": kind, "ProcedureCode": code,
            "CallLatitude": point[1] if point else None,
            "CallLongitude": point[0] if point else None,
        })  # fmt: skip
    return calls


def _changes(card: RawDoc) -> list[RawDoc]:
    """The office's edits: the correction of the times, and the review's approval."""
    found = []
    correction = card.get("correction")
    if correction is not None:
        found.append(_change(correction, correction.get("reason_code"), correction.get("notes")))
    review = card.get("review") or {}
    if review.get("status") == ReviewStatus.APPROVED.value:
        found.append(_change(review, review.get("reason"), review.get("notes")))
    for number, change in enumerate(found, start=1):
        change["SequenceID"] = str(number)
    return found


def _change(done: RawDoc, code: Any, notes: Any) -> RawDoc:
    who = _person("User", done.get("user")) or done.get("api_client") or "office"
    return {"SequenceID": "1", "ChangeMadeBy": who, "ChangeDateTime": utc(done.get("date")),
            "ReasonCode": code, "ChangeReasonMemo": (notes or None)}  # fmt: skip


def _point(geo: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of a stored GeoJSON point."""
    coordinates = (geo or {}).get("coordinates") if isinstance(geo, dict) else None
    if not coordinates or len(coordinates) != 2:
        return None
    return float(coordinates[0]), float(coordinates[1])


def _hours(value: Any) -> str | None:
    hours = to_decimal(value)
    return None if hours is None else f"{hours.quantize(Decimal('0.01'))}"
