"""Code attributes of the catalogue (its `id`-typed codes) as enums shared by every domain."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Gender as recorded for a person.")
class Gender(Enum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


@strawberry.enum(description="What a phone number is used for.")
class PhoneType(Enum):
    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"
    FAX = "fax"
    EMERGENCY = "emergency"
    OTHER = "other"


@strawberry.enum(description="A day of the week (ISO order, Monday first).")
class Weekday(Enum):
    MONDAY = "MO"
    TUESDAY = "TU"
    WEDNESDAY = "WE"
    THURSDAY = "TH"
    FRIDAY = "FR"
    SATURDAY = "SA"
    SUNDAY = "SU"


@strawberry.enum(description="How well a caregiver does a task, or how much a patient needs.")
class SkillLevel(Enum):
    NONE = "none"
    BASIC = "basic"
    GOOD = "good"
    EXPERT = "expert"


@strawberry.enum(description="Highest level of education.")
class Education(Enum):
    NONE = "none"
    HIGH_SCHOOL = "high_school"
    CERTIFICATE = "certificate"
    DIPLOMA = "diploma"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


@strawberry.enum(description="Who a person lives with.")
class LivingStatus(Enum):
    ALONE = "alone"
    WITH_SPOUSE = "with_spouse"
    WITH_FAMILY = "with_family"
    WITH_ROOMMATES = "with_roommates"
    ASSISTED_LIVING = "assisted_living"
    LONG_TERM_CARE = "long_term_care"


@strawberry.enum(description="How a caregiver travels to visits, or what a patient needs.")
class Transportation(Enum):
    CAR = "car"
    PUBLIC_TRANSIT = "public_transit"
    BICYCLE = "bicycle"
    WALKING = "walking"
    NONE = "none"


@strawberry.enum(description="A kind of pet.")
class PetType(Enum):
    DOG = "dog"
    CAT = "cat"
    BIRD = "bird"
    FISH = "fish"
    OTHER = "other"


@strawberry.enum(description="The right to work a person holds.")
class WorkPermit(Enum):
    CITIZEN = "citizen"
    PERMANENT_RESIDENT = "permanent_resident"
    WORK_VISA = "work_visa"
    STUDENT_VISA = "student_visa"
    NONE = "none"


@strawberry.enum(description="The kind of engagement: full time, part time, temporary or on call.")
class WorkStatusType(Enum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    TEMPORARY = "temporary"
    ON_CALL = "on_call"


@strawberry.enum(description="Marital status.")
class MaritalStatus(Enum):
    SINGLE = "single"
    MARRIED = "married"
    PARTNERED = "partnered"
    SEPARATED = "separated"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


@strawberry.enum(description="How often a bill or pay period repeats.")
class PeriodType(Enum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMI_MONTHLY = "semi_monthly"
    MONTHLY = "monthly"


@strawberry.enum(description="How a money amount is rounded to the cent.")
class MoneyRounding(Enum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"


@strawberry.enum(description="How a service is counted on a bill or a pay slip.")
class ServiceUnit(Enum):
    HOUR = "hour"
    VISIT = "visit"
    DAY = "day"


@strawberry.enum(description="What kind of person holds a role.")
class RoleType(Enum):
    ADMINISTRATOR = "administrator"
    OFFICE = "office"
    CAREGIVER = "caregiver"
    CLIENT = "client"


@strawberry.enum(
    description="Something a role may do. API clients act with their role's permissions."
)
class Permission(Enum):
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
    VIEW_PAY = "view_pay"
    VIEW_BILLING = "view_billing"
    VIEW_CLINICAL = "view_clinical"
    VIEW_HR = "view_hr"


@strawberry.enum(description="Where a patient stands with the agency.")
class PatientStatus(Enum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    DISCHARGED = "discharged"
    DECEASED = "deceased"


@strawberry.enum(description="How much of a language a person speaks.")
class Fluency(Enum):
    BASIC = "basic"
    CONVERSATIONAL = "conversational"
    FLUENT = "fluent"
    NATIVE = "native"
