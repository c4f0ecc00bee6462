"""Invoices for every patient of the account with visits left to bill in a period.

Patients are invoiced GROUP at a time, each group in one transaction (`app.billing.groups`):
a patient refused before anything is written (a punchcard without a service, a missing rate)
is reported and the others go on; a group whose writes are refused is invoiced again one
patient per transaction (`app.billing.generation`). A crash leaves whole invoices only.
Running the batch again bills only what is still unbilled, so it is resumable and idempotent:
a second run over a finished period makes no invoice.

Database commands are bounded: patients are found in one aggregation and loaded in one query,
the account is read once; each patient's punchcards are then read in their group's
transaction, and each group costs five commands more (the numbers, the invoices, the marks,
the audit entries, the commit), whatever the number of patients.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.billing.generation import Generated, GenerateOptions, Period, Target, generate
from app.billing.groups import GROUP, GROUP_REFUSED, Grouped, generate_group
from app.billing.services import invoice_store
from app.common.money import ZERO
from app.common.routing import RoutingProvider
from app.common.services import RawDoc, decode
from app.data.scope import Scope
from app.db import CommandTally, current_tally
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.reviews import Held

log = logging.getLogger(__name__)
MAX_BATCH_PATIENTS = 20_000


@dataclass
class BatchFailure:
    """A patient whose invoice was refused, and why."""

    patient: Any
    problems: list[Problem]


@dataclass
class BatchReport:
    """What a batch did."""

    patients_considered: int = 0
    invoices: list[RawDoc] = field(default_factory=list)
    skipped: list[BatchFailure] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)
    punchcards_billed: int = 0
    subtotal: Decimal = ZERO
    tax_total: Decimal = ZERO
    total: Decimal = ZERO
    db_commands: int = 0
    held: list[Held] = field(default_factory=list)

    @property
    def db_commands_per_invoice(self) -> Decimal:
        if not self.invoices:
            return ZERO
        return (Decimal(self.db_commands) / len(self.invoices)).quantize(Decimal("0.1"))

    def count(self, made: Generated) -> None:
        self.invoices.extend(made.invoices)
        self.punchcards_billed += made.punchcards
        self.held.extend(made.held)
        for invoice in made.invoices:
            for name in ("subtotal", "tax_total", "total"):
                value = Decimal(str(decode(invoice.get(name)) or ZERO))
                setattr(self, name, getattr(self, name) + value)


async def patients_to_bill(scope: Scope, account: RawDoc, period: Period) -> list[Any]:
    """The patients with punchcards left to bill in the period, in id order (one aggregation
    on the account's date index)."""
    start, end = period.utc_bounds(account)
    pipeline: list[dict[str, Any]] = [
        {
            "$match": {
                "_search.date": {"$gte": start, "$lt": end},
                "_deleted": {"$ne": True},
                "bill.billable": True,
                "invoice._id": {"$exists": False},
            }
        },
        {"$group": {"_id": "$patient._id"}},
        {"$sort": {"_id": 1}},
    ]
    cursor = await scope["punchcards"].aggregate(pipeline)
    return [row["_id"] async for row in cursor if row["_id"] is not None]


async def _bill_group(
    scope: Scope,
    period: Period,
    group: dict[Any, RawDoc],
    options: GenerateOptions,
    account: RawDoc,
    routing: RoutingProvider | None,
    report: BatchReport,
) -> None:
    """A group's invoices in one transaction (`app.billing.groups`); one by one when the
    group's writes are refused, so that one patient never blocks the others."""
    if options.dry_run:
        # a group's transaction writes (numbers, invoices, marks): a preview only reads, one
        # patient at a time
        grouped = Grouped()
    else:
        try:
            grouped = await generate_group(scope, period, group, options, account, routing)
        except GROUP_REFUSED:
            grouped = Grouped()  # nothing was written: each patient on their own
    for key, patient in group.items():
        outcome = grouped.made.get(key) or grouped.refused.get(key)
        if outcome is None:
            target = Target({key: patient}, key)
            try:
                outcome = await generate(scope, period, target, options, account, routing)
            except ServiceError as refusal:
                outcome = refusal
        if isinstance(outcome, ServiceError):
            report.failed.append(BatchFailure(key, list(outcome.problems)))
        else:
            report.count(outcome)


@contextmanager
def _tally() -> Iterator[CommandTally]:
    """The request's command tally, or one of our own (a script has none)."""
    tally = current_tally.get()
    if tally is not None:
        yield tally
        return
    token = current_tally.set(CommandTally())
    try:
        yield current_tally.get()  # type: ignore[misc]
    finally:
        current_tally.reset(token)


async def generate_batch(
    scope: Scope,
    period: Period,
    options: GenerateOptions,
    routing: RoutingProvider | None = None,
) -> BatchReport:
    """Generate an invoice per patient with visits left to bill (see the module); drives billed
    as mileage measured by `routing` (the great circle when None)."""
    period.check()
    report = BatchReport()
    with _tally() as tally:
        before = tally.commands
        account = await invoice_store(scope.database).account(scope.actor)
        ids = await patients_to_bill(scope, account, period)
        report.patients_considered = len(ids)
        patients = await scope["patients"].by_ids(ids)
        log.info("invoice batch: %d patients to bill", len(ids))
        live: dict[Any, RawDoc] = {}
        for key in ids:
            patient = patients.get(key)
            if patient is None or patient.get("_deleted"):
                problem = Problem("The patient is deleted.", ErrorCode.INVALID_STATE, "patient")
                report.skipped.append(BatchFailure(key, [problem]))
            else:
                live[key] = patient
        keys = list(live)
        for at in range(0, len(keys), GROUP):
            group = {key: live[key] for key in keys[at : at + GROUP]}
            await _bill_group(scope, period, group, options, account, routing, report)
        report.db_commands = tally.commands - before
    log.info(
        "invoice batch: %d invoices, %d failed, %d commands",
        len(report.invoices),
        len(report.failed),
        report.db_commands,
    )
    return report
