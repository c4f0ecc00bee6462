"""What an invoice takes from its account: today in the account's time zone, and the defaults
(agency snapshot, date, currency, messages, sales rep, term, due date) a caller leaves out."""

from __future__ import annotations

import datetime as dt

from app.billing.documents import Invoice
from app.billing.snapshot_documents import InvoiceAccount, InvoiceSalesRep
from app.common.days import zone_of
from app.common.services import RawDoc
from app.errors import ErrorCode, Problem


def account_today(account: RawDoc | None) -> dt.date:
    """Today in the account's time zone."""
    return dt.datetime.now(zone_of(account)).date()


def fill_defaults(doc: Invoice, account: RawDoc) -> None:
    """What a new invoice takes from the account when the caller leaves it out."""
    settings = account.get("invoice_settings") or {}
    doc.account_snapshot = InvoiceAccount.model_validate(
        {k: account.get(k) for k in ("name", "email", "website", "hst_number", "locations")}
    )
    doc.invoice_date = doc.invoice_date or account_today(account)
    doc.currency = doc.currency or (account.get("settings") or {}).get("currency") or "CAD"
    doc.hst_number = doc.hst_number or account.get("hst_number")
    for name in ("from_email", "header_message", "footer_message", "template"):
        if getattr(doc, name) is None:
            setattr(doc, name, settings.get(name))
    if doc.sales_rep is None and settings.get("sales_rep"):
        doc.sales_rep = InvoiceSalesRep(key=settings["sales_rep"])


def fill_sales_rep(doc: Invoice, account: RawDoc, given: bool, problems: list[Problem]) -> None:
    """The rep's details from the account's rep of that key; a key the account lacks is an
    error when given, and a stale default rep is left out."""
    assert doc.sales_rep is not None
    reps = {rep.get("key"): rep for rep in account.get("sales_reps") or []}
    rep = reps.get(doc.sales_rep.key)
    if rep is None:
        if given:
            problems.append(
                Problem(
                    "The account has no sales rep with this key.",
                    ErrorCode.NOT_FOUND,
                    "salesRep.key",
                )
            )
        doc.sales_rep = None
        return
    for name in ("name", "nickname", "office", "email", "phone"):
        if getattr(doc.sales_rep, name) is None:
            setattr(doc.sales_rep, name, rep.get(name))


def fill_term(doc: Invoice, account: RawDoc, problems: list[Problem]) -> None:
    """The term's name and days from the account's term of that key."""
    assert doc.term is not None
    term = next((t for t in account.get("terms") or [] if t.get("key") == doc.term.key), None)
    if term is None:
        if doc.term.days is None:
            problems.append(
                Problem(
                    "The account has no term with this key; give its days.",
                    ErrorCode.NOT_FOUND,
                    "term.key",
                )
            )
        return
    doc.term.name = doc.term.name or term.get("name")
    doc.term.days = doc.term.days if doc.term.days is not None else term.get("days")


def fill_due_date(doc: Invoice, account: RawDoc) -> None:
    """Left out, the due date is the invoice date plus the term's (or the account's) days."""
    if doc.due_date is None and doc.invoice_date is not None:
        default_days = (account.get("billing_settings") or {}).get("default_term_days", 30)
        days = doc.term.days if doc.term and doc.term.days is not None else default_days
        doc.due_date = doc.invoice_date + dt.timedelta(days=int(days))
