"""A batch's patients invoiced several at a time: one transaction per group of patients.

Each invoice of a batch could be its own transaction (`app.billing.generation.generate`, six
commands); a group of GROUP patients costs six commands in all: their punchcards of the period
read (one query, in the transaction), the numbers taken as a block (`take_numbers`, no gap:
the counter moves with the group's transaction), the invoices inserted, the punchcards marked
(one bulk write, `app.visits.marking.mark_each`), the audit entries, the commit. A patient the
generation refuses before anything is written (nothing to bill, a punchcard without a
service, an authorization exceeded) is reported and the group goes on without them. Anything
refused while writing (a number given by hand meanwhile, a punchcard marked meanwhile) aborts
the whole group, which wrote nothing: the batch then invoices its patients one by one, so one
patient never blocks the others and the report still says what happened to each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.billing.generation import (
    Generated,
    GenerateOptions,
    Period,
    Plan,
    Target,
    billable_query,
    mark_shares_billed,
    plan,
)
from app.billing.numbering import take_numbers
from app.billing.services import invoice_store
from app.billing.snapshots import billed_ids, invoice_snapshot
from app.common.routing import GreatCircle, RoutingProvider
from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ServiceError
from app.visits.marking import mark_each
from app.visits.reviews import Held

GROUP = 20
"""Patients per transaction (measured: see the README's "Measured")."""

DAYS = [("_search.date", 1)]
GROUP_REFUSED = (ServiceError, DuplicateKeyError, BulkWriteError)
"""What aborts a group's transaction: its patients are then invoiced one by one."""


@dataclass
class Grouped:
    """What a group's transaction did for each of its patients."""

    made: dict[Any, Generated] = field(default_factory=dict)
    refused: dict[Any, ServiceError] = field(default_factory=dict)


async def generate_group(
    scope: Scope,
    period: Period,
    patients: dict[Any, RawDoc],
    options: GenerateOptions,
    account: RawDoc,
    routing: RoutingProvider | None = None,
) -> Grouped:
    """The invoices of these patients (live, of the account) in one transaction (see the
    module); raises one of GROUP_REFUSED, having written nothing, when a write is refused."""
    routing = routing or GreatCircle()
    store = invoice_store(scope.database)

    async def work(tx: Tx) -> Grouped:
        # one query per patient: with several patients in one filter ($in, a range of ids)
        # the embedded server scans the collection (measured: 1.3 s for 20 patients among
        # 1,000, against 2 ms each)
        found: dict[Any, list[RawDoc]] = {}
        for key in patients:
            query = billable_query(account, period, [key])
            found[key] = [card async for card in tx["punchcards"].find(query, sort=DAYS)]
        grouped = Grouped()
        planned: list[tuple[Target, list[Plan], list[Held]]] = []
        for key, patient in patients.items():
            target = Target({key: patient}, key)
            try:
                plans, held = await plan(
                    store, tx, account, target, period, found[key], options, routing
                )
            except ServiceError as refusal:  # nothing written for them: the others go on
                grouped.refused[key] = refusal
                continue
            planned.append((target, plans, held))
        documents = [document for _, plans, _ in planned for document, _, _ in plans]
        if not documents:
            return grouped
        numbers = await take_numbers(tx, account, len(documents))
        for document, number in zip(documents, numbers, strict=True):
            document.number, document.id = number, PydanticObjectId()
        raws = [store.new_raw(document) for document in documents]
        await tx.insert(store.record_type, store.collection_name, raws)
        read = {card["_id"]: card for cards in found.values() for card in cards}
        marks = [(invoice_snapshot(raw), billed_ids(raw, shared=False)) for raw in raws]
        await mark_each(tx, "invoice", marks, read)
        made = iter(raws)
        for target, plans, held in planned:
            mine = [next(made) for _ in plans]
            for raw, (_, bill, cards) in zip(mine, plans, strict=True):
                await mark_shares_billed(tx, raw, bill, cards, target)
            count = len({card["_id"] for _, _, cards in plans for card in cards})
            grouped.made[target.patient] = Generated(
                mine, count, False, None, [target.patient], held
            )
        return grouped

    return await scope.transact(work)
