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

    FEMALE = "female", "Female."
    MALE = "male", "Male."
    NON_BINARY = "non_binary", "Neither female nor male."
    UNDISCLOSED = "undisclosed", "Not told, or chosen not to say."


class PhoneType(Code):
    """What a phone number is used for."""

    MOBILE = "mobile", "A mobile phone."
    HOME = "home", "A phone at home."
    WORK = "work", "A phone at work."
    FAX = "fax", "A fax machine."
    EMERGENCY = "emergency", "Whom to call in an emergency."
    OTHER = "other", "Any other number."


class Weekday(Code):
    """A day of the week (ISO order, Monday first)."""

    MONDAY = "MO", "Monday (MO)."
    TUESDAY = "TU", "Tuesday (TU)."
    WEDNESDAY = "WE", "Wednesday (WE)."
    THURSDAY = "TH", "Thursday (TH)."
    FRIDAY = "FR", "Friday (FR)."
    SATURDAY = "SA", "Saturday (SA)."
    SUNDAY = "SU", "Sunday (SU)."


class SkillLevel(Code):
    """How well a caregiver does a task, or how much a patient needs."""

    NONE = "none", "Cannot do it, or needs none of it."
    BASIC = "basic", "Can do the basics, or needs a little help."
    GOOD = "good", "Does it well, or needs regular help."
    EXPERT = "expert", "Does it expertly, or needs expert care."


class Education(Code):
    """Highest level of education."""

    NONE = "none", "No formal education."
    HIGH_SCHOOL = "high_school", "A high-school diploma."
    CERTIFICATE = "certificate", "A vocational certificate (such as a PSW certificate)."
    DIPLOMA = "diploma", "A college diploma."
    BACHELOR = "bachelor", "A bachelor's degree."
    MASTER = "master", "A master's degree."
    DOCTORATE = "doctorate", "A doctorate."


class LivingStatus(Code):
    """Who a person lives with."""

    ALONE = "alone", "Lives alone."
    WITH_SPOUSE = "with_spouse", "Lives with a spouse or partner."
    WITH_FAMILY = "with_family", "Lives with family."
    WITH_ROOMMATES = "with_roommates", "Lives with roommates."
    ASSISTED_LIVING = "assisted_living", "Lives in an assisted-living residence."
    LONG_TERM_CARE = "long_term_care", "Lives in a long-term care home."


class Transportation(Code):
    """How a caregiver travels to visits, or what a patient needs."""

    CAR = "car", "By car."
    PUBLIC_TRANSIT = "public_transit", "By bus, tram or train."
    BICYCLE = "bicycle", "By bicycle."
    WALKING = "walking", "On foot."
    NONE = "none", "No means of travel, or none needed."


class PetType(Code):
    """A kind of pet."""

    DOG = "dog", "A dog."
    CAT = "cat", "A cat."
    BIRD = "bird", "A bird."
    FISH = "fish", "Fish."
    OTHER = "other", "Any other animal."


class WorkPermit(Code):
    """The right to work a person holds."""

    CITIZEN = "citizen", "A citizen."
    PERMANENT_RESIDENT = "permanent_resident", "A permanent resident."
    WORK_VISA = "work_visa", "Holds a work visa or permit."
    STUDENT_VISA = "student_visa", "Holds a student visa (limited hours)."
    NONE = "none", "No right to work."


class WorkStatusType(Code):
    """The kind of engagement: full time, part time, temporary or on call."""

    FULL_TIME = "full_time", "Full time."
    PART_TIME = "part_time", "Part time."
    TEMPORARY = "temporary", "For a limited time."
    ON_CALL = "on_call", "Called in when needed."


class MaritalStatus(Code):
    """Marital status."""

    SINGLE = "single", "Single."
    MARRIED = "married", "Married."
    PARTNERED = "partnered", "In a civil or common-law partnership."
    SEPARATED = "separated", "Separated."
    DIVORCED = "divorced", "Divorced."
    WIDOWED = "widowed", "Widowed."


class PeriodType(Code):
    """How often a bill or pay period repeats."""

    WEEKLY = "weekly", "Every week."
    BIWEEKLY = "biweekly", "Every two weeks."
    SEMI_MONTHLY = (
        "semi_monthly",
        "Twice a month: the 1st to the 15th, and the 16th to the month's end.",
    )
    MONTHLY = "monthly", "Every calendar month."


class MoneyRounding(Code):
    """How a money amount is rounded to the cent."""

    HALF_UP = "half_up", "To the nearest cent; half a cent up."
    HALF_EVEN = (
        "half_even",
        "To the nearest cent; half a cent to the even cent (banker's rounding).",
    )
    DOWN = "down", "Down to the cent (towards zero)."
    UP = "up", "Up to the cent (towards positive infinity)."


class ServiceUnit(Code):
    """How a service is counted on a bill or a pay slip."""

    HOUR = "hour", "By the hour worked."
    VISIT = "visit", "By the visit, whatever its length."
    DAY = "day", "By the day."
    KILOMETRE = (
        "km",
        "By the kilometre driven: an invoice's mileage line (a service itself is not counted so).",
    )
    MILE = (
        "mi",
        "By the mile driven: an invoice's mileage line (a service itself is not counted so).",
    )


class RoleType(Code):
    """What kind of person holds a role."""

    ADMINISTRATOR = "administrator", "Runs the agency's account."
    OFFICE = "office", "Office staff: schedulers, billing and payroll clerks."
    CAREGIVER = "caregiver", "Gives care at visits."
    CLIENT = "client", "A client of the agency (such as a payer or a family member)."


class Permission(Code):
    """Something a role may do. API clients and people act with their role's permissions;
    the built-in roles and what each permission opens are one policy table
    (app/data/policy.py, shown in the README)."""

    MANAGE_ACCOUNT = (
        "manage_account",
        "Change the account: its settings, roles, API clients, skills and tags.",
    )
    MANAGE_STAFF = (
        "manage_staff",
        "Add and change users, candidates and notes about staff; hire candidates.",
    )
    MANAGE_PATIENTS = (
        "manage_patients",
        "Add and change patients, progress notes, contacts and conversations.",
    )
    MANAGE_SCHEDULE = "manage_schedule", "Book and change visits and series; correct punchcards."
    RECORD_VISITS = "record_visits", "Clock visits in and out."
    MANAGE_BILLING = "manage_billing", "Make and change invoices, payments and clients."
    MANAGE_PAYROLL = "manage_payroll", "Make, adjust and close payrolls."
    MANAGE_TICKETS = "manage_tickets", "Raise and work on care tickets and their categories."
    VIEW_SENSITIVE = (
        "view_sensitive",
        "Read identity fields (SSN, date of birth) and private progress notes.",
    )
    VIEW_AUDIT = "view_audit", "Read the audit trail and each record's history."
    VIEW_PAY = (
        "view_pay",
        "Read what caregivers are paid: pay rates, punchcards' pay, payrolls and their lines.",
    )
    VIEW_BILLING = (
        "view_billing",
        "Read what patients are billed: bill rates, punchcards' bills, payers, invoices and "
        "payments.",
    )
    VIEW_CLINICAL = (
        "view_clinical",
        "Read clinical records: progress notes and their text, patients' health problems.",
    )
    VIEW_HR = (
        "view_hr",
        "Read HR records: candidates, screening answers, licences and certifications, notes "
        "about staff.",
    )


class PatientStatus(Code):
    """Where a patient stands with the agency."""

    PROSPECT = "prospect", "Not yet receiving care."
    ACTIVE = "active", "Receiving care."
    ON_HOLD = "on_hold", "Care paused (a hospital stay, a trip)."
    DISCHARGED = "discharged", "Care ended."
    DECEASED = "deceased", "Has died."


class Fluency(Code):
    """How much of a language a person speaks."""

    BASIC = "basic", "A few words and phrases."
    CONVERSATIONAL = "conversational", "Can hold a conversation."
    FLUENT = "fluent", "Speaks it with ease."
    NATIVE = "native", "A first language."


class DistanceUnit(Code):
    """How the agency measures distance driven: mileage is paid and billed per unit."""

    KM = "km", "Kilometres."
    MI = "mi", "Statute miles (1.609344 km)."


class HolidayPayNotWorked(Code):
    """What a caregiver is paid for a statutory holiday they did not work."""

    NONE = "none", "Nothing: only hours worked on a holiday are paid (at its multiplier)."
    AVERAGE_DAILY_LAST_4_WEEKS = (
        "average_daily_last_4_weeks",
        "Their average daily pay of the 28 days before the holiday: the straight-time pay "
        "(hours x rate, premiums left out) of their visits in those days divided by the "
        "number of days they worked; only caregivers who worked in those days get it.",
    )


class CorrectionReason(Code):
    """Why the office corrected a punchcard's clock-in or clock-out, or recorded a punch on a
    caregiver's behalf: the reason codes electronic visit verification asks for."""

    FORGOT_TO_CLOCK = "forgot_to_clock", "The caregiver forgot to clock in or out."
    DEVICE_PROBLEM = "device_problem", "The caregiver's phone or the app failed."
    WRONG_TIME_RECORDED = (
        "wrong_time_recorded",
        "A punch recorded the wrong time (a mistaken entry, a device's clock off).",
    )
    NO_SIGNAL = "no_signal", "No network at the visit: the punch could not be sent in time."
    OTHER = "other", "Another reason, said in the notes."


class CopayUnit(Code):
    """What a payer's fixed co-pay is charged per."""

    VISIT = "visit", "A fixed amount per visit."
    HOUR = "hour", "A fixed amount per hour billed."
