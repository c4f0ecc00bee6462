"""Writing invoices and payments. Needs MANAGE_BILLING.

Invoices have the generic create, update, delete, restore and import, plus `invoiceClose`.
Payments are created (or imported), corrected and voided: never deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry

from app.billing.inputs import (
    InvoiceCreateInput,
    InvoiceUpdateInput,
    PaymentCreateInput,
    PaymentUpdateInput,
)
from app.billing.payments import payment_store
from app.billing.services import invoice_store
from app.billing.types import Invoice, Payment
from app.common.codes import Permission
from app.graphql.context import Info
from app.graphql.crud import RecordSpec, import_payload_type, payload_type, record_mutations
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import attempt

InvoiceMutations = record_mutations(
    RecordSpec(
        node=Invoice,
        field="invoice",
        plural="invoices",
        store=invoice_store,
        permission=Permission.MANAGE_BILLING,
        create_input=InvoiceCreateInput,
        update_input=InvoiceUpdateInput,
    )
)


if TYPE_CHECKING:
    InvoicePayload = Any
    PaymentPayload = Any
    PaymentImportPayload = Any
else:
    InvoicePayload = payload_type(Invoice, "invoice")
    PaymentPayload = payload_type(Payment, "payment")
    PaymentImportPayload = import_payload_type(Payment, "payments")


@strawberry.type
class InvoiceCloseMutations:
    @strawberry.mutation(
        description="Close an invoice: from then on it cannot be edited or deleted. Payments "
        "are still recorded and voided against a closed invoice (money arrives after closing), "
        "and they change its amountPaid, amountDue and status. Refused with CONFLICT if "
        "`revision` is not the current one. Needs MANAGE_BILLING."
    )
    async def invoice_close(self, info: Info, id: strawberry.ID, revision: int) -> InvoicePayload:
        async def act() -> Invoice:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            key = decode_global_id(id, "Invoice", "id")
            return Invoice.from_doc(
                await invoice_store(info.context.database).close(actor, key, revision)
            )

        invoice, errors = await attempt(act())
        return InvoicePayload(invoice=invoice, user_errors=errors)


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Record a payment against an invoice of your account that is not void. A "
        "closed invoice takes payments too: money arrives after closing, so a payment changes "
        "a closed invoice's amountPaid, amountDue and status (nothing else of it). More than "
        "the invoice's amount due is refused as an overpayment. The invoice changes with the "
        "payment, in the same transaction. Needs MANAGE_BILLING."
    )
    async def payment_create(self, info: Info, input: PaymentCreateInput) -> PaymentPayload:
        async def act() -> Payment:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            store = payment_store(info.context.database)
            return Payment.from_doc(await store.create(actor, input_data(input, store.model)))

        payment, errors = await attempt(act())
        return PaymentPayload(payment=payment, user_errors=errors)

    @strawberry.mutation(
        description="Correct a payment's date, method, reference or notes (not a void one). "
        "Refused with CONFLICT if `revision` is not the current one. Needs MANAGE_BILLING."
    )
    async def payment_update(
        self, info: Info, id: strawberry.ID, revision: int, input: PaymentUpdateInput
    ) -> PaymentPayload:
        async def act() -> Payment:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            store = payment_store(info.context.database)
            key = decode_global_id(id, "Payment", "id")
            changes = input_data(input, store.model)
            return Payment.from_doc(await store.update(actor, key, revision, changes))

        payment, errors = await attempt(act())
        return PaymentPayload(payment=payment, user_errors=errors)

    @strawberry.mutation(
        description="Void a payment, saying why: it stops counting, and its invoice's amount "
        "paid, amount due and status are recomputed in the same transaction. Payments are "
        "voided, never deleted. Needs MANAGE_BILLING."
    )
    async def payment_void(
        self, info: Info, id: strawberry.ID, revision: int, reason: str
    ) -> PaymentPayload:
        async def act() -> Payment:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            key = decode_global_id(id, "Payment", "id")
            store = payment_store(info.context.database)
            return Payment.from_doc(await store.void(actor, key, revision, reason))

        payment, errors = await attempt(act())
        return PaymentPayload(payment=payment, user_errors=errors)

    @strawberry.mutation(
        description="Record many payments at once, all or nothing: one invalid item refuses "
        "them all (its errors name its index) and nothing is written; at most 5000. For "
        "migrations from another system. Needs MANAGE_BILLING."
    )
    async def payment_import(
        self, info: Info, input: list[PaymentCreateInput]
    ) -> PaymentImportPayload:
        async def act() -> list[Payment]:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            store = payment_store(info.context.database)
            items = [input_data(item, store.model, f"input.{i}") for i, item in enumerate(input)]
            return Payment.from_docs(await store.create_many(actor, items))

        payments, errors = await attempt(act())
        return PaymentImportPayload(payments=payments or [], user_errors=errors)
