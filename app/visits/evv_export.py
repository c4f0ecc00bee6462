"""The EVV export of a period: every punchcard of its days (the account's), in day order, as an
aggregator's visit record (`app.visits.evv`), or listed with why it could not be one.

Two formats of the same records: JSON lines (one altEVV visit object a line, `Calls` and
`VisitChanges` nested) and CSV (one row a visit, the same names, the calls flattened into
CallIn*/CallOut* columns and the latest change into the Change* columns: `COLUMNS`). The file
is streamed as the punchcards are read, 200 at a time (each batch reads its patients and
caregivers in one query each), so a month of an agency costs a few commands per 200 visits
and no more memory than a batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from app.audit.documents import AuditAction
from app.common.codes import Code
from app.common.days import local_midnight, zone_of
from app.common.services import RawDoc
from app.data.audit import audit_event
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError
from app.visits.evv import Built, Context, build

MAX_DAYS = 31
BATCH = 200
PATIENT_FIELDS = {"billing": 1, "name": 1}
USER_FIELDS = {"ext_id": 1}
COLUMNS = (
    "ProviderQualifier", "ProviderID", "VisitOtherID", "SequenceID", "EmployeeQualifier",
    "EmployeeIdentifier", "EmployeeOtherID", "ClientIDQualifier", "ClientID", "ClientOtherID",
    "VisitCancelledIndicator", "PayerID", "PayerProgram", "ProcedureCode", "Modifier1",
    "Modifier2", "Modifier3", "Modifier4", "VisitTimeZone", "ScheduleStartTime",
    "ScheduleEndTime", "CallInDateTime", "CallInType", "CallInLatitude", "CallInLongitude",
    "CallOutDateTime", "CallOutType", "CallOutLatitude", "CallOutLongitude", "AdjInDateTime",
    "AdjOutDateTime", "BillVisit", "HoursToBill", "HoursToPay", "ChangeMadeBy",
    "ChangeDateTime", "ReasonCode", "ChangeReasonMemo", "Memo",
)  # fmt: skip
"""The CSV's columns, in order (its first line names them)."""


class EvvFormat(Code):
    """The layout of an EVV export file."""

    CSV = "csv", "Comma-separated values, one visit a row, a header row first (text/csv)."
    JSONL = "jsonl", "JSON lines: one visit object a line (application/x-ndjson)."

    @property
    def content_type(self) -> str:
        return "text/csv" if self is EvvFormat.CSV else "application/x-ndjson"


@dataclass(frozen=True)
class ExportPeriod:
    """The days exported, both ends included, in the account's time zone."""

    start: dt.date
    end: dt.date

    def check(self, field: str = "period") -> None:
        if self.end < self.start:
            raise ServiceError.one(
                "The period ends on or after the day it starts.", ErrorCode.INVALID, f"{field}.end"
            )
        if (self.end - self.start).days >= MAX_DAYS:
            raise ServiceError.one(
                f"An EVV export covers at most {MAX_DAYS} days.", ErrorCode.INVALID, f"{field}.end"
            )

    def file_name(self, kind: EvvFormat) -> str:
        return f"evv-{self.start:%Y%m%d}-{self.end:%Y%m%d}.{kind.value}"

    def path(self, kind: EvvFormat) -> str:
        return f"/evv/export?start={self.start}&end={self.end}&format={kind.value}"


@dataclass
class Summary:
    """What an export holds: how many visits it exports, and those it cannot, with why."""

    exported: int = 0
    skipped: list[Built] = field(default_factory=list)


async def account_of(scope: Scope) -> RawDoc:
    return await scope["accounts"].find_one({"_id": scope.account_id}) or {}


async def visits(scope: Scope, period: ExportPeriod, account: RawDoc) -> AsyncIterator[Built]:
    """Every live punchcard of the period's days, built, in day order."""
    zone = zone_of(account)
    days = {"$gte": local_midnight(period.start, zone),
            "$lt": local_midnight(period.end + dt.timedelta(days=1), zone)}  # fmt: skip
    # the date index alone: deletion is checked here (see billable_query)
    cursor = scope["punchcards"].find({"_search.date": days}, sort=[("_search.date", 1)])
    batch: list[RawDoc] = []
    async for card in cursor:
        if not card.get("_deleted"):
            batch.append(card)
        if len(batch) == BATCH:
            for built in await _built(scope, account, batch):
                yield built
            batch = []
    for built in await _built(scope, account, batch):
        yield built


async def _built(scope: Scope, account: RawDoc, cards: list[RawDoc]) -> list[Built]:
    if not cards:
        return []
    patients = await scope["patients"].by_ids(
        ((c.get("patient") or {}).get("_id") for c in cards), PATIENT_FIELDS
    )
    users = await scope["users"].by_ids(((c.get("user") or {}).get("_id") for c in cards),
                                        USER_FIELDS)  # fmt: skip
    context = Context(account, patients, users)
    return [build(card, context) for card in cards]


async def summary(scope: Scope, period: ExportPeriod) -> Summary:
    """What the export of the period holds (nothing written, no file made)."""
    period.check()
    done = Summary()
    async for built in visits(scope, period, await account_of(scope)):
        if built.record is None:
            done.skipped.append(built)
        else:
            done.exported += 1
    return done


def flattened(record: RawDoc) -> dict[str, Any]:
    """A record as a CSV row (see COLUMNS): the calls in columns, the latest change."""
    calls = {call["CallAssignment"]: call for call in record.get("Calls") or []}
    changes = record.get("VisitChanges") or []
    latest = changes[-1] if changes else {}
    row = {name: record.get(name) for name in COLUMNS if name in record}
    row.update(record["ProviderIdentification"])
    for prefix, assignment in (("CallIn", "Time In"), ("CallOut", "Time Out")):
        call = calls.get(assignment) or {}
        row.update({f"{prefix}DateTime": call.get("CallDateTime"),
                    f"{prefix}Type": call.get("CallType"),
                    f"{prefix}Latitude": call.get("CallLatitude"),
                    f"{prefix}Longitude": call.get("CallLongitude")})  # fmt: skip
    for name in ("ChangeMadeBy", "ChangeDateTime", "ReasonCode", "ChangeReasonMemo"):
        row[name] = latest.get(name)
    return row


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


async def lines(scope: Scope, period: ExportPeriod, kind: EvvFormat) -> AsyncIterator[bytes]:
    """The export file, a line at a time (a CSV starts with its header)."""
    account = await account_of(scope)
    if kind is EvvFormat.CSV:
        yield _csv_line(list(COLUMNS)).encode()
    async for built in visits(scope, period, account):
        if built.record is None:
            continue
        if kind is EvvFormat.CSV:
            row = flattened(built.record)
            yield _csv_line([row.get(name) for name in COLUMNS]).encode()
        else:
            yield (json.dumps(built.record, separators=(",", ":")) + "\n").encode()


async def record_export(scope: Scope, period: ExportPeriod, kind: EvvFormat) -> None:
    """The export reads patients' member ids and visits: one entry in the trail says so."""
    entry = audit_event(
        scope.actor,
        AuditAction.READ_SENSITIVE,
        "Account",
        scope.account_id,
        fields_read=["evvExport"],
        reason=f"EVV export of {period.start} to {period.end} ({kind.value})",
    )
    await scope.audit_reads([entry])
