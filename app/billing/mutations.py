"""Writing invoices and payments. Needs MANAGE_BILLING.

Invoices have the generic create, update, delete, restore and import, plus `invoiceClose`.
Payments are created (or imported), corrected and voided: never deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.billing.batch import BatchReport, generate_batch
from app.billing.credit import credit_invoice
from app.billing.generation import Generated, generate, target_of
from app.billing.generation_types import (
    BillingPeriodInput,
    InvoiceBatchPayload,
    InvoiceBatchReport,
    InvoiceCreditLineInput,
    InvoiceCreditPayload,
    InvoiceGenerateOptions,
    InvoiceGeneratePayload,
)
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
from app.common.routing import routing_for
from app.common.services import RawDoc
from app.graphql.arguments import PATCH, Changes, Reason, RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    import_payload_type,
    payload_type,
    restore_mutation,
    update_mutation,
)
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import attempt
from app.visits.review_types import HeldPunchcard

INVOICE = RecordSpec(
    node=Invoice,
    field="invoice",
    plural="invoices",
    store=invoice_store,
    permission=Permission.MANAGE_BILLING,
    create_input=InvoiceCreateInput,
    update_input=InvoiceUpdateInput,
)


@strawberry.type
class InvoiceMutations:
    invoice_create = create_mutation(INVOICE, "invoiceCreate")
    invoice_update = update_mutation(INVOICE, "invoiceUpdate")
    invoice_delete = delete_mutation(INVOICE, "invoiceDelete")
    invoice_restore = restore_mutation(INVOICE, "invoiceRestore")
    invoice_import = import_mutation(INVOICE, "invoiceImport")


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
    async def invoice_close(self, info: Info, id: RecordId, revision: Revision) -> InvoicePayload:
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
    async def payment_create(
        self,
        info: Info,
        input: Annotated[PaymentCreateInput, strawberry.argument(description="The payment.")],
    ) -> PaymentPayload:
        async def act() -> Payment:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            store = payment_store(info.context.database)
            return Payment.from_doc(await store.create(actor, input_data(input, store.model)))

        payment, errors = await attempt(act())
        return PaymentPayload(payment=payment, user_errors=errors)

    @strawberry.mutation(
        description="Correct a payment's date, method, reference or notes (not a void one). "
        f"{PATCH} Refused with CONFLICT if `revision` is not the current one. Needs "
        "MANAGE_BILLING."
    )
    async def payment_update(
        self, info: Info, id: RecordId, revision: Revision, input: Changes[PaymentUpdateInput]
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
        self, info: Info, id: RecordId, revision: Revision, reason: Reason
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
        self,
        info: Info,
        input: Annotated[
            list[PaymentCreateInput],
            strawberry.argument(description="The payments to record, in this order; at most 5000."),
        ],
    ) -> PaymentImportPayload:
        async def act() -> list[Payment]:
            actor = actor_of(info, Permission.MANAGE_BILLING)
            store = payment_store(info.context.database)
            items = [input_data(item, store.model, f"input.{i}") for i, item in enumerate(input)]
            return Payment.from_docs(await store.create_many(actor, items))

        payments, errors = await attempt(act())
        return PaymentImportPayload(payments=payments or [], user_errors=errors)


@strawberry.type
class InvoiceGenerateMutations:
    @strawberry.mutation(
        description="Generate an invoice from a period's billable punchcards (not deleted, "
        "billable, not yet invoiced, their day in the period in the account's time zone) of a "
        "patient, or of every patient whose payer is the client: one line per service code "
        "and rate (hours, or visits for a VISIT service; statutory-holiday visits on their own "
        "line at the rate times billingSettings.holidayMultiplier), taxes per line, the next "
        "number of the account's sequence (no gaps), due date from the term. The invoice, its "
        "number and every punchcard's link to it are written in one transaction, so a visit is "
        "never billed twice: a second generation at once finds nothing left and is refused "
        "(INVALID_STATE). Given both a patient and a client, the client must be a payer of the "
        "patient (INVALID otherwise). Another account's patient or client is NOT_FOUND. "
        "Payers sharing a patient's care (a co-pay, or percents under 100) are each billed "
        "their share: for the patient, one invoice per payer in one transaction (`invoices`); "
        "for a client, its share. Each line's parts add up to the whole line to the cent "
        "(largest remainder). Punchcards waiting for review or rejected are not billed "
        "(`heldForReview`); billing past a payer's service authorization is refused "
        "(INVALID_STATE, naming it). Needs MANAGE_BILLING."
    )
    async def invoice_generate(
        self,
        info: Info,
        billing_period: Annotated[
            BillingPeriodInput, strawberry.argument(description="The days of care to bill.")
        ],
        patient: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The patient to bill, by global ID."),
        ] = None,
        client: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The client (payer) to bill, by global ID: every patient it pays for."
            ),
        ] = None,
        options: Annotated[
            InvoiceGenerateOptions | None,
            strawberry.argument(description="How the invoices are made; left out, the defaults."),
        ] = None,
    ) -> InvoiceGeneratePayload:
        chosen = (options or InvoiceGenerateOptions()).options()

        async def act() -> Generated:
            actor_of(info, Permission.MANAGE_BILLING)
            scope = info.context.scope
            patient_key = decode_global_id(patient, "Patient", "patient") if patient else None
            client_key = decode_global_id(client, "Client", "client") if client else None
            target = await target_of(scope, patient_key, client_key)
            routing = routing_for(info.context.settings)
            return await generate(scope, billing_period.period(), target, chosen, None, routing)

        made, errors = await attempt(act())
        return InvoiceGeneratePayload(
            invoice=Invoice.from_doc(made.invoice) if made else None,
            invoices=Invoice.from_docs(made.invoices) if made else [],
            dry_run=chosen.dry_run,
            preview_number=made.preview_number if made else None,
            punchcards_billed=made.punchcards if made else 0,
            held_for_review=HeldPunchcard.of(made.held) if made else [],
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Generate an invoice for every patient of the account with punchcards "
        "left to bill in the period (see invoiceGenerate), each in its own transaction: a "
        "refused patient is reported in `failed` and the others stand. Running it again bills "
        "only what is still unbilled (resumable; no second invoice). Needs MANAGE_BILLING."
    )
    async def invoice_generate_batch(
        self,
        info: Info,
        billing_period: Annotated[
            BillingPeriodInput, strawberry.argument(description="The days of care to bill.")
        ],
        options: Annotated[
            InvoiceGenerateOptions | None,
            strawberry.argument(description="How the invoices are made; left out, the defaults."),
        ] = None,
    ) -> InvoiceBatchPayload:
        chosen = (options or InvoiceGenerateOptions()).options()

        async def act() -> BatchReport:
            actor_of(info, Permission.MANAGE_BILLING)
            routing = routing_for(info.context.settings)
            period = billing_period.period()
            return await generate_batch(info.context.scope, period, chosen, routing)

        report, errors = await attempt(act())
        return InvoiceBatchPayload(
            report=InvoiceBatchReport.of(report) if report else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Credit a closed invoice with a credit note: an invoice of type "
        "CREDIT_NOTE with its own number, naming the invoice (creditedInvoice) and the reason. "
        "Its quantities and amounts are positive and are credited: the invoice's "
        "amountCredited grows by the note's total and its amountDue shrinks by it, in the same "
        "transaction. Without `lines` it credits everything not yet credited; each line at "
        "most what is left of it, in all at most what is still due (void a payment first). An "
        "open invoice is edited instead (INVALID_STATE). Needs MANAGE_BILLING."
    )
    async def invoice_credit(
        self,
        info: Info,
        id: RecordId,
        reason: Reason,
        lines: Annotated[
            list[InvoiceCreditLineInput] | None,
            strawberry.argument(
                description="What to credit, line by line; left out, everything not yet credited."
            ),
        ] = None,
    ) -> InvoiceCreditPayload:
        async def act() -> tuple[RawDoc, RawDoc]:
            actor_of(info, Permission.MANAGE_BILLING)
            key = decode_global_id(id, "Invoice", "id")
            wanted = [line.line_to_credit() for line in lines] if lines is not None else None
            return await credit_invoice(info.context.scope, key, wanted, reason)

        done, errors = await attempt(act())
        note, invoice = done if done else (None, None)
        return InvoiceCreditPayload(
            credit_note=Invoice.from_doc(note) if note else None,
            invoice=Invoice.from_doc(invoice) if invoice else None,
            user_errors=errors,
        )
