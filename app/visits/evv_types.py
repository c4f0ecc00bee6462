"""GraphQL of the EVV export: what a period's file holds, where to stream it from, and the
visits it leaves out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.relay import to_global_id
from app.visits.evv import Built, EvvSkipReason
from app.visits.evv_check import CURES_ACT
from app.visits.evv_export import COLUMNS, EvvFormat, ExportPeriod, Summary
from app.visits.types import Punchcard


@strawberry.input(description="The days of an EVV export, both ends included (at most 31).")
class EvvPeriodInput:
    start: dt.date = strawberry.field(description="The first day (the account's time zone).")
    end: dt.date = strawberry.field(description="The last day.")

    def period(self) -> ExportPeriod:
        return ExportPeriod(self.start, self.end)


@strawberry.type(description="A visit of the period the export leaves out, and why.")
class EvvSkippedVisit:
    punchcard_id: strawberry.Private[Any]
    reasons: list[EvvSkipReason] = strawberry.field(description="Why it is not exported.")

    @strawberry.field(description="The punchcard's global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Punchcard", self.punchcard_id))

    @strawberry.field(description="The punchcard (the visit as punched).")
    async def punchcard(self, info: Info) -> Punchcard | None:
        return await Punchcard.load(info, self.punchcard_id)

    @strawberry.field(description="The reasons in words, in the order of `reasons`.")
    def messages(self) -> list[str]:
        return [reason.description for reason in self.reasons]

    @classmethod
    def of(cls, built: Built) -> EvvSkippedVisit:
        return cls(punchcard_id=built.punchcard, reasons=list(built.reasons))


@strawberry.type(description="One element the 21st Century Cures Act asks of every visit.")
class EvvElement:
    element: str = strawberry.field(description="The element, as section 12006 names it.")
    fields: str = strawberry.field(description="The export's field(s) holding it.")


@strawberry.type(
    description="An EVV export of a period: how many visits its file holds, where to stream "
    "the file from, and the visits it leaves out with why."
)
class EvvExport:
    start: dt.date = strawberry.field(description="The first day exported.")
    end: dt.date = strawberry.field(description="The last day exported.")
    format: EvvFormat = strawberry.field(description="The file's layout.")
    exported: int = strawberry.field(description="How many visits the file holds.")
    skipped: list[EvvSkippedVisit] = strawberry.field(
        description="Every other punchcard of the period, with why it is not exported; with "
        "the exported ones, every punchcard of the period's days (not deleted)."
    )
    url: str = strawberry.field(
        description="Where to GET the file, with the same Authorization header: "
        "/evv/export?start=…&end=…&format=…, streamed (Content-Disposition: attachment)."
    )
    content_type: str = strawberry.field(description="The file's media type.")
    columns: list[str] = strawberry.field(
        description="The CSV's columns in order (the JSON lines use the same names, with "
        "Calls and VisitChanges nested)."
    )
    cures_act: list[EvvElement] = strawberry.field(
        description="Where the six elements of Cures Act section 12006 are in a record."
    )

    @classmethod
    def of(cls, period: ExportPeriod, kind: EvvFormat, done: Summary) -> EvvExport:
        return cls(
            start=period.start,
            end=period.end,
            format=kind,
            exported=done.exported,
            skipped=[EvvSkippedVisit.of(built) for built in done.skipped],
            url=period.path(kind),
            content_type=kind.content_type,
            columns=list(COLUMNS),
            cures_act=[EvvElement(element=k, fields=v) for k, v in CURES_ACT.items()],
        )
