"""Invoices and payments made through the API, for an agency set up to bill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson import Decimal128, ObjectId

from app.common.services import encode
from app.visits.documents import Punchcard
from app.visits.services import punchcard_search
from tests.factories import Agency, Api, create_patient, create_user
from tests.factories_visits import create_punchcard

INVOICE_FIELDS = """id revision number status invoiceType invoiceDate dueDate currency hstNumber
  billingPeriod { start end } billingPeriodStart billingPeriodEnd
  services { code description quantity unit rate amount taxes }
  taxes { code label rate amount } subtotal taxTotal total amountPaid amountDue
  patient { record { id } name { first last } phone location { city } }
  client { record { id } type name email phone } referredBy { name contact { id } }
  punchcards { record { id } date hours amount }
  account { name { legal } website hstNumber locations { city } }
  salesRep { key name office } term { key name days } closed closedDate overdue deleted"""
PAYMENT_FIELDS = """id revision amount date method reference notes void voidDate voidReason
  invoice { id status amountPaid amountDue }"""

CREATE_INVOICE = f"""mutation($input: InvoiceCreateInput!) {{ invoiceCreate(input: $input) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_INVOICE = f"""mutation($id: ID!, $revision: Int!, $input: InvoiceUpdateInput!) {{
  invoiceUpdate(id: $id, revision: $revision, input: $input) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
CLOSE_INVOICE = """mutation($id: ID!, $revision: Int!) {
  invoiceClose(id: $id, revision: $revision) {
  invoice { id revision closed closedDate closedUser { id } }
  userErrors { field message code } } }"""
DELETE_INVOICE = """mutation($id: ID!, $reason: String!) { invoiceDelete(id: $id, reason: $reason) {
  invoice { id deleted } userErrors { field message code } } }"""
CREATE_PAYMENT = f"""mutation($input: PaymentCreateInput!) {{ paymentCreate(input: $input) {{
  payment {{ {PAYMENT_FIELDS} }} userErrors {{ field message code }} }} }}"""
VOID_PAYMENT = f"""mutation($id: ID!, $revision: Int!, $reason: String!) {{
  paymentVoid(id: $id, revision: $revision, reason: $reason) {{
  payment {{ {PAYMENT_FIELDS} }} userErrors {{ field message code }} }} }}"""

SERVICES = [
    ("PSW", "Personal support worker visit", "34.00", ["HST"]),
    ("RN", "Registered nurse visit", "85.00", ["HST"]),
    ("COMP", "Companionship", "30.00", []),
]


async def billing_agency(api: Api, name: str | None = None) -> Agency:
    """An agency with services, a 13% HST, terms and a sales rep, as billing needs."""
    agency = await api.agency(name)
    settings = {
        "hst_number": "123456789 RT0001",
        "website": "https://sunrise.example.ca",
        "locations": [{"label": "Head office", "city": "Toronto", "primary": True}],
        "services": [
            {
                "code": code,
                "description": text,
                "unit": "hour",
                "bill_rate": Decimal128(rate),
                "pay_rate": Decimal128("20.00"),
                "taxes": taxes,
                "active": True,
            }
            for code, text, rate, taxes in SERVICES
        ],
        "taxes": [
            {"code": "HST", "label": "HST (ON) 13%", "rate": Decimal128("13"), "active": True}
        ],
        "terms": [
            {"key": "net15", "name": "Net 15", "days": 15},
            {"key": "net30", "name": "Net 30", "days": 30},
        ],
        "sales_reps": [{"key": "rep1", "name": "Dana Reyes", "office": "Toronto"}],
        "invoice_settings.number_prefix": "INV-",
        "invoice_settings.sales_rep": "rep1",
        "billing_settings.default_term_days": 30,
    }
    await api.database.db.accounts.update_one({"_id": agency.account_id}, {"$set": settings})
    return agency


def line(code: str, quantity: str, rate: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"code": code, "quantity": quantity, **({"rate": rate} if rate else {}), **fields}


def invoice_input(patient_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "invoiceDate": "2025-05-31",
        "billingPeriod": {"start": "2025-05-01", "end": "2025-05-31"},
        "services": [line("PSW", "10"), line("COMP", "2")],
    }
    if patient_id is not None:
        base["patient"] = {"record": patient_id}
    return {**base, **overrides}


async def create_invoice(
    agency: Agency, patient_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    data = await agency.ok(CREATE_INVOICE, {"input": invoice_input(patient_id, **overrides)})
    assert data["invoiceCreate"]["userErrors"] == [], data
    return data["invoiceCreate"]["invoice"]  # type: ignore[no-any-return]


async def billed_patient(agency: Agency, first: str = "Walter", last: str = "Green") -> str:
    """A patient's global ID."""
    patient = await create_patient(
        agency,
        name={"first": first, "last": last},
        phones=[{"number": "+1 416 555 0101", "type": "HOME", "primary": True}],
    )
    return str(patient["id"])


async def pay(agency: Agency, invoice_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    payment = {"invoice": invoice_id, "amount": amount, "method": "CHEQUE", **fields}
    data = await agency.ok(CREATE_PAYMENT, {"input": payment})
    assert data["paymentCreate"]["userErrors"] == [], data
    return data["paymentCreate"]["payment"]  # type: ignore[no-any-return]


PUNCHCARD_INVOICE = """query($id: ID!) { punchcard(id: $id) {
  invoice { number date record { id number } } } }"""


async def caregiver(agency: Agency) -> str:
    """A caregiver's global ID."""
    return str((await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"])


async def visit(agency: Agency, caregiver_id: str, patient_id: str, day: int = 0) -> str:
    """A punchcard's global ID: two billable hours of care on the day'th day of May 2025."""
    clock_in = dt.datetime(2025, 5, 1 + day, 9, tzinfo=dt.UTC)
    card = await create_punchcard(
        agency,
        caregiver_id,
        patient_id,
        actual={
            "clockIn": clock_in.isoformat(),
            "clockOut": (clock_in + dt.timedelta(hours=2)).isoformat(),
            "method": "GPS",
        },
    )
    return str(card["id"])


def billed(punchcard_id: str, day: int = 0) -> dict[str, Any]:
    """A punchcard as an invoice input lists it."""
    return {"record": punchcard_id, "date": f"2025-05-{1 + day:02d}", "hours": "2"}


# --- generation from punchcards ---------------------------------------------------------------

GENERATE_INVOICE = f"""mutation($period: BillingPeriodInput!, $patient: ID, $client: ID,
  $options: InvoiceGenerateOptions) {{
  invoiceGenerate(billingPeriod: $period, patient: $patient, client: $client, options: $options) {{
  invoice {{ {INVOICE_FIELDS} amountCredited }} dryRun previewNumber punchcardsBilled
  userErrors {{ field message code }} }} }}"""
GENERATE_BATCH = """mutation($period: BillingPeriodInput!, $options: InvoiceGenerateOptions) {
  invoiceGenerateBatch(billingPeriod: $period, options: $options) {
  report { patientsConsidered invoices { number total patient { record { id } } }
    skipped { patient errors { code message } } failed { patient errors { field code message } }
    punchcardsBilled subtotal taxTotal total dbCommands dbCommandsPerInvoice }
  userErrors { field message code } } }"""
CREDIT_INVOICE = """mutation($id: ID!, $reason: String!, $lines: [InvoiceCreditLineInput!]) {
  invoiceCredit(id: $id, reason: $reason, lines: $lines) {
  creditNote { id number invoiceType status
    services { code quantity rate amount taxes creditsLine }
    subtotal taxTotal total amountDue creditedInvoice { record { id } number } creditReason }
  invoice { id status total amountCredited amountPaid amountDue }
  userErrors { field message code } } }"""
MAY = {"start": "2025-05-01", "end": "2025-05-31"}


async def generation_agency(api: Api) -> Agency:
    """A billing agency in Toronto with a second tax (PST 8% on companionship), Victoria Day
    as a statutory holiday and a 1.5 holiday multiplier."""
    agency = await billing_agency(api)
    account = await api.database.db.accounts.find_one({"_id": agency.account_id})
    assert account is not None
    services = account["services"]
    for service in services:
        if service["code"] == "COMP":
            service["taxes"] = ["PST"]
    taxes = [
        *account["taxes"],
        {"code": "PST", "label": "PST 8%", "rate": Decimal128("8"), "active": True},
        {"code": "OLD", "label": "Retired 5%", "rate": Decimal128("5"), "active": False},
    ]
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id},
        {
            "$set": {
                "services": services,
                "taxes": taxes,
                "holidays": [{"date": dt.datetime(2025, 5, 19), "name": "Victoria Day"}],
                "billing_settings.holiday_multiplier": Decimal128("1.5"),
                "settings.timezone": "America/Toronto",
            }
        },
    )
    return agency


def punchcard_raw(
    account_id: int,
    patient: ObjectId,
    clock_in: dt.datetime,
    hours: str,
    rate: str,
    code: str | None = "PSW",
    **fields: Any,
) -> dict[str, Any]:
    """A punchcard as the visits package stores it, billing `hours` at `rate`."""
    clock_out = clock_in + dt.timedelta(hours=float(hours))
    card = Punchcard.model_validate(
        {
            "account": account_id,
            "revision": 1,
            "created_date": clock_in,
            "last_updated_date": clock_in,
            "actual": {"clock_in": clock_in, "clock_out": clock_out},
            "bill": {"hours": Decimal(hours), "rate": Decimal(rate), "billable": True},
            "patient": {"_id": patient, "name": {"first": "Walter", "last": "Green"}},
            "user": {"_id": ObjectId(), "name": {"first": "Ada", "last": "Osei"}},
            "service": {"code": code} if code else None,
            **fields,
        }
    )
    card.search = punchcard_search(card)  # type: ignore[attr-defined]
    raw = encode(card)
    raw["_id"] = ObjectId()
    return raw


async def stored_punchcard(
    agency: Agency,
    patient: ObjectId,
    clock_in: dt.datetime,
    hours: str,
    rate: str,
    code: str | None = "PSW",
    **fields: Any,
) -> ObjectId:
    """A punchcard stored raw (see `punchcard_raw`); its id."""
    raw = punchcard_raw(agency.account_id, patient, clock_in, hours, rate, code, **fields)
    await agency.api.database.db.punchcards.insert_one(raw)
    return raw["_id"]  # type: ignore[no-any-return]
