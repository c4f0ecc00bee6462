"""The account's settings: the embedded models an `Account` holds, one per part of how the
agency works (general, billing, invoices, payroll, candidates, scheduling, visits, security,
webhooks), and the lists it keeps (roles, sales reps, services, taxes, holidays, payment terms,
visit reason codes, the telephony line). The `Account` document itself is in `documents.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from app.common.codes import (
    CorrectionReason,
    DistanceUnit,
    HolidayPayNotWorked,
    MoneyRounding,
    PeriodType,
    Permission,
    RoleType,
    ServiceUnit,
)
from app.common.documents import BILLING, PAY, Embedded
from app.common.identifiers import HCPCS, MODIFIER
from app.common.money import MAX_AMOUNT


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
    rounding_minutes: int = Field(
        15, ge=1, le=60, description="Paid time (visits and travel) is rounded to this."
    )
    overtime_daily_hours: Decimal | None = Field(
        None, ge=0, le=24,
        description="Hours in a day (the local day of each visit's clock-in) past which daily "
        "overtime is paid, such as 8 in California; null: no daily overtime. Hours paid as "
        "daily overtime do not also count toward the weekly threshold.",
    )  # fmt: skip
    overtime_daily_multiplier: Decimal | None = Field(
        None, ge=1, le=10,
        description="Pay factor of daily overtime; null: the overtime multiplier.",
    )  # fmt: skip
    holiday_hours_count_toward_overtime: bool = Field(
        True,
        description="Whether hours worked on a statutory holiday (paid at the holiday "
        "multiplier) count toward the daily and weekly overtime thresholds. Off, as in "
        "Ontario, they are holiday hours only and the thresholds count the other hours.",
    )
    holiday_pay_not_worked: HolidayPayNotWorked = Field(
        HolidayPayNotWorked.NONE,
        description="What payroll generation pays a caregiver for a statutory holiday of the "
        "period they did not work.",
    )
    mileage_rate: Decimal | None = Field(
        None, ge=0, le=1000,
        description="Paid per distance unit driven between a caregiver's consecutive visits of "
        "a day; null: mileage is not paid by payroll generation.",
    )  # fmt: skip
    distance_unit: DistanceUnit = Field(
        DistanceUnit.KM,
        description="The unit of mileage: distances paid (mileageRate) and billed "
        "(a service's mileageBillRate) are counted in it.",
    )
    pay_travel_time: bool = Field(
        False,
        description="Whether the time between a caregiver's consecutive visits of a day "
        "(clock-out to the next clock-in, at most maxTravelMinutes) is paid, as travel hours.",
    )
    travel_time_rate: Decimal | None = Field(
        None, ge=0, le=MAX_AMOUNT,
        description="Hourly rate of travel time; null: the pay rate of the visit travelled to.",
    )  # fmt: skip
    max_travel_minutes: int = Field(
        60, ge=0, le=1440,
        description="The most travel time paid between two visits: a longer gap is a break.",
    )  # fmt: skip


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
    bill_rate: Decimal = Field(ge=0, description="Charged per unit.", json_schema_extra=BILLING)
    pay_rate: Decimal = Field(
        ge=0, description="Paid to the caregiver per unit.", json_schema_extra=PAY
    )
    taxes: list[str] = Field(default_factory=list, description="Codes of the taxes it bears.")
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$", description="Hex colour.")
    active: bool = Field(True, description="Whether it can be booked.")
    bill_mileage: bool = Field(
        False,
        description="Whether invoices bill the distance a caregiver drove to its visits from "
        "their previous visit of the day, on a mileage line at mileageBillRate.",
    )
    mileage_bill_rate: Decimal | None = Field(
        None, ge=0, le=1000, json_schema_extra=BILLING,
        description="Charged per distance unit (payrollSettings.distanceUnit) driven to its "
        "visits; required when billMileage is on.",
    )  # fmt: skip
    hcpcs: str | None = Field(
        None,
        pattern=HCPCS,
        description="Its HCPCS procedure code (such as T1019, personal care), sent to an "
        "electronic visit verification aggregator as ProcedureCode; a visit of a service "
        "without one is not exported.",
    )
    modifiers: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="Up to four HCPCS modifiers of its procedure code (two letters or digits "
        "each, such as U1), in order: Modifier1 to Modifier4 of an EVV export.",
    )

    @field_validator("unit")
    @classmethod
    def _counted_by_time(cls, unit: ServiceUnit) -> ServiceUnit:
        if unit in (ServiceUnit.KILOMETRE, ServiceUnit.MILE):
            raise ValueError("a service is counted by the hour, visit or day; distance is mileage")
        return unit

    @model_validator(mode="after")
    def _mileage_rate(self) -> ServiceSetting:
        if self.bill_mileage and self.mileage_bill_rate is None:
            raise ValueError("mileageBillRate is required when billMileage is on")
        return self

    @field_validator("modifiers")
    @classmethod
    def _modifiers(cls, modifiers: list[str]) -> list[str]:
        for modifier in modifiers:
            if not MODIFIER.fullmatch(modifier):
                raise ValueError("a modifier is two capital letters or digits, such as U1")
        return modifiers


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


class VisitReasonCode(Embedded):
    """A reason code of the account: why the office approved or rejected a punch in review, or
    why it edited one. The code is what an electronic visit verification export sends as
    ReasonCode (aggregators publish their own lists: use theirs)."""

    code: str = Field(
        min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$", description="The code sent."
    )
    description: str = Field(min_length=1, max_length=200, description="What it means.")
    correction_reason: CorrectionReason | None = Field(
        None,
        description="The correction reason (FORGOT_TO_CLOCK, ...) this code reports in an EVV "
        "export when a correction names no code of its own; at most one code per reason.",
    )


DEFAULT_REASON_CODES = [
    VisitReasonCode(code="CLIENT_CONFIRMED",
                    description="The client or their family confirmed the visit and its times."),
    VisitReasonCode(code="GPS_DRIFT",
                    description="The phone's position was off or missing; the visit was at home."),
    VisitReasonCode(code="COMMUNITY",
                    description="Care given away from home (an errand, an appointment)."),
    VisitReasonCode(code="FORGOT", description="The caregiver forgot to clock in or out.",
                    correction_reason=CorrectionReason.FORGOT_TO_CLOCK),
    VisitReasonCode(code="DEVICE", description="The caregiver's phone or the app failed.",
                    correction_reason=CorrectionReason.DEVICE_PROBLEM),
    VisitReasonCode(code="WRONG_TIME", description="A punch recorded the wrong time.",
                    correction_reason=CorrectionReason.WRONG_TIME_RECORDED),
    VisitReasonCode(code="NO_SIGNAL", description="No network at the visit.",
                    correction_reason=CorrectionReason.NO_SIGNAL),
    VisitReasonCode(code="OTHER", description="Another reason, said in the notes.",
                    correction_reason=CorrectionReason.OTHER),
    VisitReasonCode(code="NOT_VERIFIED",
                    description="The visit could not be verified: not billed, not paid."),
]  # fmt: skip
"""The reason codes of an account that sets none."""


class VisitSettings(Embedded):
    """How visits are verified."""

    punchcards_enabled: bool = Field(True, description="Caregivers clock in and out.")
    gps_required: bool = Field(True, description="A punch must carry a location.")
    radius_meters: int = Field(250, ge=10, le=50_000, description="Farthest a punch may be.")
    early_minutes: int = Field(15, ge=0, description="How early a clock-in may be.")
    late_minutes: int = Field(15, ge=0, description="How late a clock-in may be.")
    max_early_minutes: int = Field(
        2880,
        ge=0,
        le=10080,
        description="The earliest a caregiver may clock in before the visit's start, in "
        "minutes (two days unless set): a clock-in earlier than this is refused (INVALID), "
        "not only flagged as EARLY_CLOCK_IN (which earlyMinutes decides).",
    )
    allow_overrides: bool = Field(True, description="Office staff may correct punches.")
    telephony_enabled: bool = Field(False, description="Punches by phone call are accepted.")
    reason_codes: list[VisitReasonCode] = Field(
        default_factory=lambda: list(DEFAULT_REASON_CODES),
        max_length=100,
        description="The codes the office gives when it approves or rejects a punch in review "
        "(visitReviewApprove, visitReviewReject) and that an EVV export sends for edited "
        "visits; codes unique (case ignored).",
    )

    @field_validator("reason_codes")
    @classmethod
    def _unique_codes(cls, codes: list[VisitReasonCode]) -> list[VisitReasonCode]:
        seen = [code.code.casefold() for code in codes]
        if len(set(seen)) != len(seen):
            raise ValueError("each reason code is listed once")
        reasons = [code.correction_reason for code in codes if code.correction_reason]
        if len(set(reasons)) != len(reasons):
            raise ValueError("a correction reason is reported by one code at most")
        return codes


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
