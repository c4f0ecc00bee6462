"""Demo invoices made by `invoiceGenerate`'s service from the visits the caregivers clocked
last week: one invoice per patient with visits done, its lines, rates, taxes and number computed
and its punchcards linked exactly as for a clerk. A patient whose payer is one of the demo
clients (an insurer) is billed to that client. This week's visits, still under way, are left to
bill: the billing clerk's normal state.

Then the office's week: every invoice is sent; the first is paid in part, the second is paid in
full and closed, the third is closed and corrected by a credit note (a visit cut short).
Payments and the credit note go through their services too, so every figure adds up. An
agency with nothing clocked last week gets no invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from app.billing.batch import patients_to_bill
from app.billing.credit import CreditLine, credit_invoice
from app.billing.enums import InvoiceStatus, PaymentMethod
from app.billing.generation import GenerateOptions, Period, generate, target_of
from app.billing.payments import payment_store
from app.billing.services import invoice_store
from app.billing.snapshots import invoice_snapshot
from app.common.codes import ServiceUnit
from app.common.demo import DemoAccount, RawDoc
from app.common.money import to_cent
from app.common.services import decode
from app.common.text import normalise
from app.data.scope import Scope
from app.errors import ServiceError

CUT_SHORT = Decimal("0.5")
"""Hours credited on the credited invoice: a visit that ended half an hour early."""

REFERENCE = {
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.EFT: "EFT",
    PaymentMethod.CARD: "Card",
    PaymentMethod.INSURANCE: "Claim",
}
"""How a payment's reference starts, by its method."""

Step = Callable[[DemoAccount, RawDoc, bool], Awaitable[None]]


def _period(demo: DemoAccount) -> Period:
    """Last week, Monday to Sunday: all its visits are over and clocked."""
    return Period(demo.week_start - dt.timedelta(days=7), demo.week_start - dt.timedelta(days=1))


def _payers(demo: DemoAccount) -> dict[str, Any]:
    """The demo clients by their name as a patient's payer names them."""
    return {
        normalise(str(name)): client["_id"]
        for client in demo.made.get("clients") or []
        if (name := (client.get("company") or {}).get("name"))
    }


def _payer(patient: RawDoc | None, payers: dict[str, Any]) -> Any:
    payer = (((patient or {}).get("billing") or [{}])[0] or {}).get("payer")
    return payers.get(normalise(str(payer))) if payer else None


async def _pay(demo: DemoAccount, invoice: RawDoc, share: Decimal, insured: bool) -> None:
    method = (
        PaymentMethod.INSURANCE
        if insured
        else demo.rng.choice([PaymentMethod.CHEQUE, PaymentMethod.EFT, PaymentMethod.CARD])
    )
    amount = to_cent(Decimal(str(decode(invoice["total"]))) * share)
    payment = await payment_store(demo.database).create(
        demo.actor,
        {
            "invoice": invoice["_id"],
            "amount": amount,
            "method": method,
            "reference": f"{REFERENCE[method]} {demo.rng.randint(1000, 99999)}",
        },
    )
    demo.made["payments"].append(payment)


async def _close(demo: DemoAccount, invoice: RawDoc) -> None:
    store = invoice_store(demo.database)
    current = await store.get(demo.actor, invoice["_id"])
    await store.close(demo.actor, invoice["_id"], int(current.get("_revision") or 1))


async def _paid_in_part(demo: DemoAccount, invoice: RawDoc, insured: bool) -> None:
    await _pay(demo, invoice, Decimal("0.4"), insured)


async def _paid_and_closed(demo: DemoAccount, invoice: RawDoc, insured: bool) -> None:
    await _pay(demo, invoice, Decimal(1), insured)
    await _close(demo, invoice)


async def _closed_and_credited(demo: DemoAccount, invoice: RawDoc, insured: bool) -> None:
    await _close(demo, invoice)
    hourly = [
        (position, line)
        for position, line in enumerate(decode(invoice.get("services") or []))
        if line.get("unit") == ServiceUnit.HOUR.value and Decimal(str(line["quantity"])) > 0
    ]
    if not hourly:
        return
    position, line = hourly[0]
    quantity = min(CUT_SHORT, Decimal(str(line["quantity"])))
    wanted = [CreditLine(None, quantity, line=position)]  # a code and rate may name two lines
    scope = Scope(demo.database, demo.actor)
    await credit_invoice(scope, invoice["_id"], wanted, "A visit ended half an hour early.")


# what the office did with the week's first invoices once sent; the others are sent and due
PLAN: list[Step] = [_paid_in_part, _paid_and_closed, _closed_and_credited]


async def seed(demo: DemoAccount) -> None:
    demo.made["invoices"], demo.made["payments"] = [], []
    store, period = invoice_store(demo.database), _period(demo)
    scope = Scope(demo.database, demo.actor)
    account = await store.account(demo.actor)
    patients = {p["_id"]: p for p in demo.patients}
    payers = _payers(demo)
    start = period.start
    made: list[tuple[RawDoc, bool]] = []
    for key in await patients_to_bill(scope, account, period):
        options = GenerateOptions(
            status=InvoiceStatus.SENT,
            notes=f"Visits of the week of {start:%B} {start.day}, {start.year}.",
        )
        client = _payer(patients.get(key), payers)
        try:
            target = await target_of(scope, key, client)
            generated = await generate(scope, period, target, options, account)
        except ServiceError:
            continue  # as a batch would: this patient's visits stay to bill
        made.append((generated.invoice, client is not None))
    for (invoice, insured), step in zip(made, PLAN, strict=False):
        await step(demo, invoice, insured)
    await _remember(scope, demo, [invoice["_id"] for invoice, _ in made])


async def _remember(scope: Scope, demo: DemoAccount, keys: list[Any]) -> None:
    """The invoices as stored (with their credit notes), and the invoice on each punchcard."""
    query = {"$or": [{"_id": {"$in": keys}}, {"credited_invoice._id": {"$in": keys}}]}
    cursor = scope["invoices"].find(query, sort=[("_id", 1)])
    demo.made["invoices"] = [doc async for doc in cursor]
    billed = {
        card["_id"]: invoice_snapshot(invoice)
        for invoice in demo.made["invoices"]
        for card in invoice.get("punchcards") or []
    }
    for card in demo.made.get("punchcards") or []:
        if card["_id"] in billed:
            card["invoice"] = billed[card["_id"]]
