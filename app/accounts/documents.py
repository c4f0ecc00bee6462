"""The account (an agency, the tenant), its settings, and the API clients that act for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, IndexModel

from app.common.codes import MoneyRounding, PeriodType, Permission, RoleType, ServiceUnit
from app.common.documents import (
    CareDocument,
    CompanyName,
    Embedded,
    FileSnapshot,
    Location,
    Phone,
)


class GeneralSettings(Embedded):
    """Where and how the agency works: time zone, currency, country, language."""

    timezone: str = Field("America/Toronto", description="IANA time zone of visits and holidays.")
    currency: str = Field("CAD", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code.")
    country: str = Field("CA", pattern=r"^[A-Z]{2}$", description="ISO 3166 country code.")
    language: str = Field("en", min_length=2, max_length=8, description="Default language code.")
    week_start: str = Field("MO", pattern=r"^(MO|SU|SA)$", description="First day of the week.")


class BillingSettings(Embedded):
    """How visits are billed."""

    billing_period: PeriodType = Field(
        PeriodType.MONTHLY, description="How often clients are billed."
    )
    rounding_minutes: int = Field(15, ge=1, le=60, description="Billed time is rounded to this.")
    money_rounding: MoneyRounding = Field(MoneyRounding.HALF_UP, description="How cents round.")
    late_checkout_grace_minutes: int = Field(
        10, ge=0, description="Minutes past the visit's end that are not billed."
    )
    bill_late_checkout: bool = Field(False, description="Whether time past the grace is billed.")
    holiday_multiplier: Decimal = Field(
        Decimal("1.5"), ge=0, description="Rate multiplier on statutory holidays."
    )
    default_term_days: int = Field(30, ge=0, description="Days until an invoice is due.")


class InvoiceSettings(Embedded):
    """How invoices look and are numbered."""

    number_prefix: str = Field("INV-", max_length=20, description="Put before invoice numbers.")
    next_number: int = Field(1, ge=1, description="The number the next invoice takes.")
    sales_rep: str | None = Field(None, description="Key of the default sales rep.")
    header_message: str | None = Field(None, max_length=2000, description="Printed at the top.")
    footer_message: str | None = Field(None, max_length=2000, description="Printed at the bottom.")
    from_email: str | None = Field(None, max_length=200, description="Invoices are sent from it.")
    template: str | None = Field(None, max_length=60, description="Layout used to print.")


class PayrollSettings(Embedded):
    """How caregivers are paid."""

    period_type: PeriodType = Field(PeriodType.BIWEEKLY, description="How often pay runs.")
    period_anchor: dt.date | None = Field(None, description="A first day of some pay period.")
    overtime_weekly_hours: Decimal = Field(
        Decimal("40"), ge=0, description="Hours a week after which overtime is paid."
    )
    overtime_multiplier: Decimal = Field(Decimal("1.5"), ge=1, description="Overtime pay factor.")
    holiday_multiplier: Decimal = Field(Decimal("1.5"), ge=1, description="Holiday pay factor.")
    rounding_minutes: int = Field(15, ge=1, le=60, description="Paid time is rounded to this.")


class StageSetting(Embedded):
    """A step of the hiring pipeline."""

    key: str = Field(min_length=1, max_length=40, description="Stable code, such as interviewed.")
    name: str = Field(min_length=1, max_length=100, description="Shown name.")
    description: str | None = Field(None, max_length=500, description="What happens here.")


class CandidateSettings(Embedded):
    """How caregiver candidates are recruited."""

    stages: list[StageSetting] = Field(default_factory=list, description="The hiring pipeline.")
    hr_email: str | None = Field(None, max_length=200, description="Where applications go.")
    required_documents: list[str] = Field(
        default_factory=list, description="Documents a candidate must give before hiring."
    )


class RoleSettings(Embedded):
    """Which roles new people get."""

    default_staff_role: str | None = Field(None, description="Role key for new office staff.")
    default_caregiver_role: str | None = Field(None, description="Role key for new caregivers.")


class Role(Embedded):
    """A role in the agency and what it may do."""

    key: str = Field(min_length=1, max_length=40, description="Stable code, such as scheduler.")
    name: str = Field(min_length=1, max_length=100, description="Shown name.")
    type: RoleType = Field(description="What kind of person holds it.")
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$", description="Hex colour.")
    permissions: list[Permission] = Field(default_factory=list, description="What it may do.")


class SalesRep(Embedded):
    """Someone who brings clients to the agency."""

    key: str = Field(min_length=1, max_length=40, description="Stable code.")
    name: str = Field(min_length=1, max_length=200, description="Full name.")
    nickname: str | None = Field(None, max_length=100, description="Name they go by.")
    office: str | None = Field(None, max_length=100, description="Office they work from.")
    email: str | None = Field(None, max_length=200, description="Email address.")
    phone: str | None = Field(None, max_length=40, description="Phone number.")


class SchedulerSettings(Embedded):
    """How visits are scheduled."""

    default_visit_minutes: int = Field(60, ge=5, le=1440, description="Length of a new visit.")
    horizon_weeks: int = Field(
        12, ge=1, le=104, description="Recurring visits are created this far."
    )
    min_rest_minutes: int = Field(0, ge=0, description="Least gap between a caregiver's visits.")
    caregivers_see_schedule: bool = Field(True, description="Caregivers see their own visits.")
    caregivers_can_swap: bool = Field(False, description="Caregivers may trade visits.")


class ServiceSetting(Embedded):
    """A service the agency sells, with its rates."""

    code: str = Field(min_length=1, max_length=20, description="Stable code, such as PSW.")
    description: str = Field(min_length=1, max_length=200, description="What is done.")
    unit: ServiceUnit = Field(ServiceUnit.HOUR, description="How it is counted.")
    bill_rate: Decimal = Field(ge=0, description="Charged per unit.")
    pay_rate: Decimal = Field(ge=0, description="Paid to the caregiver per unit.")
    taxes: list[str] = Field(default_factory=list, description="Codes of the taxes it bears.")
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$", description="Hex colour.")
    active: bool = Field(True, description="Whether it can be booked.")


class Tax(Embedded):
    """A sales tax."""

    code: str = Field(min_length=1, max_length=20, description="Stable code, such as HST.")
    label: str = Field(min_length=1, max_length=100, description="As printed on invoices.")
    rate: Decimal = Field(ge=0, le=100, description="Percent of the line amount.")
    active: bool = Field(True, description="Whether it applies to new invoices.")


class Holiday(Embedded):
    """A statutory holiday: visits on that day (in the account's time zone) bill and pay at the
    holiday multipliers."""

    date: dt.date = Field(description="The day.")
    name: str = Field(min_length=1, max_length=100, description="Its name, such as Canada Day.")


class TelephonyError(Embedded):
    """A failure of the telephony provider."""

    date: dt.datetime = Field(description="When it happened.")
    message: str = Field(description="What the provider said.")


class Telephony(Embedded):
    """The phone line caregivers call to clock in and out."""

    provider: str | None = Field(None, max_length=60, description="The telephony provider.")
    account_sid: str | None = Field(None, max_length=100, description="Provider account id.")
    auth_token: str | None = Field(
        None,
        max_length=200,
        description="Provider secret; it can be set, never read.",
        json_schema_extra={"writeonly": True},
    )
    phone_number: str | None = Field(None, max_length=40, description="The number to call.")
    errors: list[TelephonyError] = Field(default_factory=list, description="Recent failures.")


class Term(Embedded):
    """A payment term offered to clients."""

    key: str = Field(min_length=1, max_length=40, description="Stable code, such as net30.")
    name: str = Field(min_length=1, max_length=100, description="Shown name, such as Net 30.")
    days: int = Field(ge=0, le=365, description="Days after the invoice date it is due.")
    description: str | None = Field(None, max_length=500, description="The wording.")


class VisitSettings(Embedded):
    """How visits are verified."""

    punchcards_enabled: bool = Field(True, description="Caregivers clock in and out.")
    gps_required: bool = Field(True, description="A punch must carry a location.")
    radius_meters: int = Field(250, ge=10, le=50_000, description="Farthest a punch may be.")
    early_minutes: int = Field(15, ge=0, description="How early a clock-in may be.")
    late_minutes: int = Field(15, ge=0, description="How late a clock-in may be.")
    allow_overrides: bool = Field(True, description="Office staff may correct punches.")
    telephony_enabled: bool = Field(False, description="Punches by phone call are accepted.")


class SecuritySettings(Embedded):
    """How the agency's people sign in."""

    require_two_factor_roles: list[str] = Field(
        default_factory=list,
        description="Keys of the roles whose users must sign in with a one-time code from an "
        "authenticator app (signIn answers OTP_REQUIRED without one).",
    )


class WebhookSettings(Embedded):
    """Where the agency's webhooks may deliver."""

    allow_private_addresses: bool = Field(
        False,
        description="Webhooks may deliver to loopback and private network addresses (10.x, "
        "192.168.x...): for a receiver inside the agency's own network. Off, only public "
        "addresses are reached (and loopback outside production).",
    )


class Account(CareDocument):
    """An agency: the tenant every other record belongs to. Its `_account` is its own number."""

    id: int | None = Field(None, alias="_id", description="The account number.")  # type: ignore[assignment]
    active: int = Field(1, ge=0, le=1, description="1 when the account is active, 0 when not.")
    name: CompanyName = Field(description="The agency's names.")
    email: str | None = Field(None, max_length=200, description="The agency's main email.")
    website: str | None = Field(None, max_length=200, description="The agency's website.")
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")
    hst_number: str | None = Field(None, max_length=40, description="Sales-tax (HST) number.")
    locations: list[Location] = Field(default_factory=list, description="Offices.")
    emergency_phones: list[Phone] = Field(default_factory=list, description="After-hours lines.")
    logo: FileSnapshot | None = Field(None, description="The agency's logo.")
    policy: FileSnapshot | None = Field(None, description="The agency's policy document.")
    settings: GeneralSettings = Field(
        default_factory=GeneralSettings, description="Time zone, currency, country, language."
    )
    billing_settings: BillingSettings = Field(
        default_factory=BillingSettings, description="How visits are billed."
    )
    invoice_settings: InvoiceSettings = Field(
        default_factory=InvoiceSettings, description="How invoices look and are numbered."
    )
    payroll_settings: PayrollSettings = Field(
        default_factory=PayrollSettings, description="How caregivers are paid."
    )
    candidate_settings: CandidateSettings = Field(
        default_factory=CandidateSettings, description="How candidates are recruited."
    )
    scheduler_settings: SchedulerSettings = Field(
        default_factory=SchedulerSettings, description="How visits are scheduled."
    )
    visit_settings: VisitSettings = Field(
        default_factory=VisitSettings, description="How visits are verified."
    )
    role_settings: RoleSettings = Field(
        default_factory=RoleSettings, description="Which roles new people get."
    )
    roles: list[Role] = Field(default_factory=list, description="Roles and their permissions.")
    sales_reps: list[SalesRep] = Field(default_factory=list, description="Sales reps.")
    services: list[ServiceSetting] = Field(default_factory=list, description="Services sold.")
    taxes: list[Tax] = Field(default_factory=list, description="Sales taxes.")
    holidays: list[Holiday] = Field(
        default_factory=list, description="Statutory holidays, billed and paid at a premium."
    )
    terms: list[Term] = Field(default_factory=list, description="Payment terms.")
    telephony: Telephony = Field(default_factory=Telephony, description="Clock-in phone line.")
    security_settings: SecuritySettings = Field(
        default_factory=SecuritySettings, description="How the agency's people sign in."
    )
    webhook_settings: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Where the agency's webhooks may deliver."
    )

    class Settings:
        name = "accounts"
        indexes = [IndexModel([("ext_id", ASCENDING)], unique=True, sparse=True)]


class ApiClient(Document):
    """A program that acts for an account: its key and secret are stored hashed only."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    name: str
    role: str
    key_hash: str
    secret_hash: str
    created_date: dt.datetime = Field(alias="_created_date")
    revoked: bool = False

    class Settings:
        name = "api_clients"
        indexes = [
            IndexModel([("key_hash", ASCENDING)], unique=True),
            IndexModel([("_account", ASCENDING), ("name", ASCENDING)]),
        ]


class AccessToken(Document):
    """An expiring token given for a key and secret; expired ones are removed by MongoDB."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    api_client: PydanticObjectId
    token_hash: str
    expires_at: dt.datetime

    class Settings:
        name = "access_tokens"
        indexes = [
            IndexModel([("token_hash", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        ]


class Counter(Document):
    """A named sequence (account numbers, invoice numbers): one atomic increment per value."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    value: int = 0

    class Settings:
        name = "counters"
