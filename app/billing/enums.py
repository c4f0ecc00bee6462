"""The codes of invoices and payments: stored as their values, shown as GraphQL enums."""

from __future__ import annotations

from app.common.codes import Code


class InvoiceStatus(Code):
    """Where an invoice stands. PARTIALLY_PAID and PAID follow from its payments; a client sets
    DRAFT, SENT or VOID."""

    DRAFT = "draft", "Being prepared; not sent yet."
    SENT = "sent", "Sent to whoever pays; nothing paid yet."
    PARTIALLY_PAID = "partially_paid", "Payments cover part of the total."
    PAID = "paid", "Payments cover the total."
    VOID = "void", "Cancelled: nothing is owed."


class InvoiceType(Code):
    """The kind of invoice."""

    STANDARD = "standard", "A regular bill for a period."
    CREDIT_NOTE = "credit_note", "A credit given back (its amounts are credited)."
    INTERIM = "interim", "A bill for part of a period."
    FINAL = "final", "The last bill, when service ends."


class InvoiceDelivery(Code):
    """How an invoice is delivered."""

    EMAIL = "email", "By email."
    MAIL = "mail", "By post."
    PORTAL = "portal", "Through the client portal."


class PaymentMethod(Code):
    """How money is paid."""

    CASH = "cash", "Cash."
    CHEQUE = "cheque", "A cheque."
    CARD = "card", "A credit or debit card."
    EFT = "eft", "An electronic funds transfer."
    INSURANCE = "insurance", "Paid by an insurer."
    OTHER = "other", "Any other way."
