"""Demo invoices: this week's punchcards billed (and linked), and last month's care of a few
patients: one paid in part, one paid, one sent.

Each invoice has two service lines at the account's rates, with the account's HST on them,
and is built through the stores, so its amounts are computed exactly as a clerk's would be.
A patient whose payer is one of the demo clients (an insurer) is billed to that client.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.billing.enums import InvoiceDelivery, InvoiceStatus, PaymentMethod
from app.billing.payments import payment_store
from app.billing.services import invoice_store
from app.common.demo import DemoAccount, RawDoc
from app.common.money import to_cent
from app.common.services import decode
from app.common.text import normalise

# (status set by the clerk, share of the total paid, how it is paid)
PLAN = [
    (InvoiceStatus.SENT, Decimal("0.4"), PaymentMethod.CHEQUE),
    (InvoiceStatus.SENT, Decimal("1"), PaymentMethod.EFT),
    (InvoiceStatus.SENT, None, None),
    (InvoiceStatus.DRAFT, None, None),
]
REFERENCE = {
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.EFT: "EFT",
    PaymentMethod.INSURANCE: "Claim",
}
HOURS = [Decimal(h) for h in ("8", "10.5", "12", "14", "16.25", "20", "24")]


def _last_month(week_start: dt.date) -> tuple[dt.date, dt.date]:
    end = week_start.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _lines(demo: DemoAccount, patient: RawDoc, taxes: list[str]) -> list[dict[str, Any]]:
    """Two lines: the patient's own services first, then others the account sells."""
    sold = [s["code"] for s in demo.account.get("services") or [] if s.get("active", True)]
    own = [s.get("code") for s in patient.get("services") or [] if s.get("code") in sold]
    codes = list(dict.fromkeys([*own, *demo.rng.sample(sold, len(sold))]))[:2]
    return [{"code": code, "quantity": demo.rng.choice(HOURS), "taxes": taxes} for code in codes]


async def seed(demo: DemoAccount) -> None:
    demo.made["invoices"], demo.made["payments"] = [], []
    account = demo.account
    if len(account.get("services") or []) < 2 or not demo.patients:
        return
    invoices, payments = invoice_store(demo.database), payment_store(demo.database)
    start, end = _last_month(demo.week_start)
    issued = end + dt.timedelta(days=1)
    hst = [t["code"] for t in account.get("taxes") or [] if t.get("code") == "HST"]
    terms = {t.get("key") for t in account.get("terms") or []}
    active = [p for p in demo.patients if p.get("status") == "active"] or demo.patients
    payers = {
        normalise(str((client.get("company") or {}).get("name"))): client
        for client in demo.made.get("clients") or []
        if (client.get("company") or {}).get("name")
    }
    made = []
    for patient, (status, share, method) in zip(active, PLAN, strict=False):
        payer = ((patient.get("billing") or [{}])[0] or {}).get("payer")
        client = payers.get(normalise(str(payer))) if payer else None
        if client is not None and method is not None:
            method = PaymentMethod.INSURANCE
        invoice = await invoices.create(
            demo.actor,
            {
                "patient": {"record": patient["_id"]},
                "client": {"record": client["_id"]} if client else None,
                "claim_number": f"CL-{demo.rng.randint(100000, 999999)}" if client else None,
                "payment_method": method,
                "invoice_date": issued,
                "billing_period": {"start": start, "end": end},
                "services": _lines(demo, patient, hst),
                "status": status,
                "method": InvoiceDelivery.EMAIL,
                "term": {"key": "net30"} if "net30" in terms else None,
                "notes": f"Care from {start:%B} {start.day} to {end:%B} {end.day}, {end.year}.",
            },
        )
        made.append(invoice["_id"])
        if share is None or method is None:
            continue
        total = Decimal(decode(invoice["total"]))
        paid_on = min(issued + dt.timedelta(days=demo.rng.randint(3, 12)), demo.week_start)
        reference = f"{REFERENCE[method]} {demo.rng.randint(1000, 99999)}"
        demo.made["payments"].append(
            await payments.create(
                demo.actor,
                {
                    "invoice": invoice["_id"],
                    "amount": to_cent(total * share),
                    "date": paid_on,
                    "method": method,
                    "reference": reference,
                },
            )
        )
    made += await _bill_the_week(demo)
    cursor = demo.database.db.invoices.find({"_id": {"$in": made}}, sort=[("_id", 1)])
    demo.made["invoices"] = [doc async for doc in cursor]


def _billed(card: RawDoc) -> dict[str, Any]:
    """What an invoice keeps of a punchcard it bills."""
    clock_in = (card.get("actual") or {}).get("clock_in") or card["_search"]["date"]
    return {
        "record": card["_id"],
        "date": clock_in.date(),
        "hours": decode(card["bill"]["hours"]),
        "service_code": (card.get("service") or {}).get("code"),
        "amount": decode(card["bill"].get("amount")),
    }


async def _bill_the_week(demo: DemoAccount, patients: int = 3) -> list[Any]:
    """Invoice the week's punchcards of a few patients: a line per service, hours summed (the
    store marks each punchcard as billed by its invoice)."""
    by_patient: dict[Any, list[RawDoc]] = {}
    for card in demo.made.get("punchcards") or []:
        if (card.get("bill") or {}).get("billable", True) and card.get("patient"):
            by_patient.setdefault(card["patient"]["_id"], []).append(card)
    start, end = demo.week_start, demo.week_start + dt.timedelta(days=6)
    made = []
    for patient_id, cards in list(by_patient.items())[:patients]:
        hours: dict[str, Decimal] = {}
        for card in cards:
            code = str((card.get("service") or {}).get("code"))
            hours[code] = hours.get(code, Decimal(0)) + Decimal(decode(card["bill"]["hours"]))
        invoice = await invoice_store(demo.database).create(
            demo.actor,
            {
                "patient": {"record": patient_id},
                "invoice_date": end,
                "billing_period": {"start": start, "end": end},
                "services": [
                    {"code": code, "quantity": quantity} for code, quantity in hours.items()
                ],
                "punchcards": [_billed(card) for card in cards],
                "status": InvoiceStatus.DRAFT,
                "notes": f"Visits of the week of {start:%B} {start.day}.",
            },
        )
        made.append(invoice["_id"])
    return made
