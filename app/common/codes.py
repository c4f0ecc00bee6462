"""Code attributes of the catalogue (its `id`-typed codes) as enums shared by every domain."""

from __future__ import annotations

from enum import Enum
from typing import Any, Self


class Code(Enum):
    """Base of the codes a record stores: each member is its stored value and what it means,
    `DRAFT = "draft", "Being prepared; not sent yet."`, and the class docstring says what the
    code is. Free of GraphQL: app/graphql shows every Code as an enum of the same name."""

    description: str

    def __new__(cls, value: Any, description: str = "") -> Self:
        member = object.__new__(cls)
        member._value_ = value
        member.description = description
        return member


class Gender(Code):
    """Gender as recorded for a person."""

    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


class PhoneType(Code):
    """What a phone number is used for."""

    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"
    FAX = "fax"
    EMERGENCY = "emergency"
    OTHER = "other"


class Weekday(Code):
    """A day of the week (ISO order, Monday first)."""

    MONDAY = "MO"
    TUESDAY = "TU"
    WEDNESDAY = "WE"
    THURSDAY = "TH"
    FRIDAY = "FR"
    SATURDAY = "SA"
    SUNDAY = "SU"


class SkillLevel(Code):
    """How well a caregiver does a task, or how much a patient needs."""

    NONE = "none"
    BASIC = "basic"
    GOOD = "good"
    EXPERT = "expert"


class Education(Code):
    """Highest level of education."""

    NONE = "none"
    HIGH_SCHOOL = "high_school"
    CERTIFICATE = "certificate"
    DIPLOMA = "diploma"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


class LivingStatus(Code):
    """Who a person lives with."""

    ALONE = "alone"
    WITH_SPOUSE = "with_spouse"
    WITH_FAMILY = "with_family"
    WITH_ROOMMATES = "with_roommates"
    ASSISTED_LIVING = "assisted_living"
    LONG_TERM_CARE = "long_term_care"


class Transportation(Code):
    """How a caregiver travels to visits, or what a patient needs."""

    CAR = "car"
    PUBLIC_TRANSIT = "public_transit"
    BICYCLE = "bicycle"
    WALKING = "walking"
    NONE = "none"


class PetType(Code):
    """A kind of pet."""

    DOG = "dog"
    CAT = "cat"
    BIRD = "bird"
    FISH = "fish"
    OTHER = "other"


class WorkPermit(Code):
    """The right to work a person holds."""

    CITIZEN = "citizen"
    PERMANENT_RESIDENT = "permanent_resident"
    WORK_VISA = "work_visa"
    STUDENT_VISA = "student_visa"
    NONE = "none"


class WorkStatusType(Code):
    """The kind of engagement: full time, part time, temporary or on call."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    TEMPORARY = "temporary"
    ON_CALL = "on_call"


class MaritalStatus(Code):
    """Marital status."""

    SINGLE = "single"
    MARRIED = "married"
    PARTNERED = "partnered"
    SEPARATED = "separated"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


class PeriodType(Code):
    """How often a bill or pay period repeats."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMI_MONTHLY = "semi_monthly"
    MONTHLY = "monthly"


class MoneyRounding(Code):
    """How a money amount is rounded to the cent."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"


class ServiceUnit(Code):
    """How a service is counted on a bill or a pay slip."""

    HOUR = "hour"
    VISIT = "visit"
    DAY = "day"


class RoleType(Code):
    """What kind of person holds a role."""

    ADMINISTRATOR = "administrator"
    OFFICE = "office"
    CAREGIVER = "caregiver"
    CLIENT = "client"


class Permission(Code):
    """Something a role may do. API clients act with their role's permissions."""

    MANAGE_ACCOUNT = "manage_account"
    MANAGE_STAFF = "manage_staff"
    MANAGE_PATIENTS = "manage_patients"
    MANAGE_SCHEDULE = "manage_schedule"
    RECORD_VISITS = "record_visits"
    MANAGE_BILLING = "manage_billing"
    MANAGE_PAYROLL = "manage_payroll"
    MANAGE_TICKETS = "manage_tickets"
    VIEW_SENSITIVE = "view_sensitive"
    VIEW_AUDIT = "view_audit"


class PatientStatus(Code):
    """Where a patient stands with the agency."""

    PROSPECT = "prospect"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    DISCHARGED = "discharged"
    DECEASED = "deceased"


class Fluency(Code):
    """How much of a language a person speaks."""

    BASIC = "basic"
    CONVERSATIONAL = "conversational"
    FLUENT = "fluent"
    NATIVE = "native"
