"""The codes of invoices and payments: stored as their values, shown as GraphQL enums."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description="Where an invoice stands. PARTIALLY_PAID and PAID follow from its payments; "
    "a client sets DRAFT, SENT or VOID."
)
class InvoiceStatus(Enum):
    DRAFT = strawberry.enum_value("draft", description="Being prepared; not sent yet.")
    SENT = strawberry.enum_value("sent", description="Sent to whoever pays; nothing paid yet.")
    PARTIALLY_PAID = strawberry.enum_value(
        "partially_paid", description="Payments cover part of the total."
    )
    PAID = strawberry.enum_value("paid", description="Payments cover the total.")
    VOID = strawberry.enum_value("void", description="Cancelled: nothing is owed.")


@strawberry.enum(description="The kind of invoice.")
class InvoiceType(Enum):
    STANDARD = strawberry.enum_value("standard", description="A regular bill for a period.")
    CREDIT_NOTE = strawberry.enum_value(
        "credit_note", description="A credit given back (its amounts are credited)."
    )
    INTERIM = strawberry.enum_value("interim", description="A bill for part of a period.")
    FINAL = strawberry.enum_value("final", description="The last bill, when service ends.")


@strawberry.enum(description="How an invoice is delivered.")
class InvoiceDelivery(Enum):
    EMAIL = strawberry.enum_value("email", description="By email.")
    MAIL = strawberry.enum_value("mail", description="By post.")
    PORTAL = strawberry.enum_value("portal", description="Through the client portal.")


@strawberry.enum(description="How money is paid.")
class PaymentMethod(Enum):
    CASH = strawberry.enum_value("cash", description="Cash.")
    CHEQUE = strawberry.enum_value("cheque", description="A cheque.")
    CARD = strawberry.enum_value("card", description="A credit or debit card.")
    EFT = strawberry.enum_value("eft", description="An electronic funds transfer.")
    INSURANCE = strawberry.enum_value("insurance", description="Paid by an insurer.")
    OTHER = strawberry.enum_value("other", description="Any other way.")
