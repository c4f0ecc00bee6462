"""What the demo seed writes: its places (one per agency), and the fields of each demo
account, office worker, caregiver and patient, drawn from a random generator seeded from the
account's number so the same agency comes out every time. The seeding itself (accounts,
records through the services, progress, credentials) is in `app/seed.py`; each domain's own
demo records are in its `demo.py`."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.common.codes import (
    Fluency,
    Gender,
    PatientStatus,
    PeriodType,
    PhoneType,
    RoleType,
    SkillLevel,
    Weekday,
    WorkStatusType,
)
from app.common.identifiers import with_check_digit

SEED = 20240601
BASE_DATE = dt.date(2025, 6, 1)


@dataclass(frozen=True)
class Place:
    """Where a demo agency works."""

    agency: str
    city: str
    region: str
    latitude: float
    longitude: float
    area_code: str
    postal: str


PLACES = [
    Place("Sunrise Home Care", "Toronto", "ON", 43.6532, -79.3832, "416", "M5V"),
    Place("Maple Leaf Care Services", "Ottawa", "ON", 45.4215, -75.6972, "613", "K1P"),
    Place("Harbourview Home Health", "Halifax", "NS", 44.6488, -63.5752, "902", "B3H"),
]
FIRST = "Amara Ben Chloe Daniel Elena Farid Grace Hiro Isla Jamal Kiran Leah Mateo Nadia Omar "
FIRST += "Priya Quinn Rosa Samir Tessa Uma Victor Wei Yara Zoe Arjun Bianca Colin Dara Emeka"
LAST = "Smith Tremblay Nguyen Patel Martin Roy Wilson Gagnon Chen Singh Brown Lee Taylor Ali "
LAST += "Campbell Anderson Kaur Leblanc Murphy Santos Okafor Kowalski Rossi Haddad Ivanova Walsh"
STREETS = ["King St", "Queen St", "Elm Ave", "Bank St", "Oak Cres", "Maple Dr", "Front St"]
SKILLS = ["Dementia care", "Palliative care", "Mobility assistance", "Medication reminders"]
SKILLS += ["Meal preparation", "Personal hygiene", "Diabetes care", "Wound care"]
LANGUAGES = [("fr", "French"), ("es", "Spanish"), ("zh", "Chinese"), ("pa", "Punjabi")]
LANGUAGES += [("tl", "Tagalog"), ("it", "Italian"), ("ar", "Arabic")]
PROBLEMS = ["Type 2 diabetes", "Alzheimer's disease", "Hypertension", "COPD", "Osteoarthritis"]
PROBLEMS += ["Parkinson's disease", "Congestive heart failure", "Stroke recovery"]
TASKS = ["Check vital signs", "Medication reminder", "Assist with bathing", "Prepare lunch"]
TASKS += ["Light housekeeping", "Walk for 20 minutes", "Record fluid intake"]
SERVICES = [
    ("PSW", "Personal support worker visit", "34.00", "22.50", "#1976d2"),
    ("RN", "Registered nurse visit", "85.00", "52.00", "#c62828"),
    ("COMP", "Companionship", "30.00", "19.00", "#2e7d32"),
    ("RESP", "Overnight respite", "38.00", "24.00", "#6a1b9a"),
]
PROCEDURES = {"PSW": ("T1019", []), "RN": ("S9123", []), "COMP": ("S5135", []),
              "RESP": ("S5151", ["U1"])}  # fmt: skip
"""Each demo service's HCPCS code and modifiers, for the EVV export (personal care, nursing
visit, companion, respite per diem)."""


def place_of(number: int) -> Place:
    place = PLACES[(number - 1) % len(PLACES)]
    if number <= len(PLACES):
        return place
    return replace(place, agency=f"{place.agency} {number}")


def _phone(rng: random.Random, place: Place, kind: PhoneType = PhoneType.MOBILE) -> dict[str, Any]:
    number = f"+1 {place.area_code} 555 {rng.randint(0, 9999):04d}"
    return {"number": number, "type": kind, "primary": True}


def _location(rng: random.Random, place: Place, label: str = "Home") -> dict[str, Any]:
    return {
        "label": label,
        "address1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
        "city": place.city,
        "region": place.region,
        "postal_code": f"{place.postal} {rng.randint(1, 9)}A{rng.randint(1, 9)}",
        "country": "CA",
        "primary": True,
        "geo": {
            "latitude": round(place.latitude + rng.uniform(-0.12, 0.12), 5),
            "longitude": round(place.longitude + rng.uniform(-0.18, 0.18), 5),
        },
    }


def _person(rng: random.Random, domain: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST.split()), rng.choice(LAST.split())
    return {
        "name": {"first": first, "last": last},
        "email": f"{first}.{last}{rng.randint(1, 99)}@{domain}".lower(),
        "gender": rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.NON_BINARY]),
    }


def _languages(rng: random.Random) -> list[dict[str, Any]]:
    spoken = [{"code": "en", "name": "English", "fluency": Fluency.NATIVE, "primary": True}]
    for code, name in rng.sample(LANGUAGES, rng.randint(0, 2)):
        spoken.append({"code": code, "name": name, "fluency": rng.choice(list(Fluency))})
    return spoken


def account_fields(number: int) -> dict[str, Any]:
    """What create_account needs beyond the name: settings, rates, taxes, terms, sales reps."""
    place, rng = place_of(number), random.Random(SEED + number)
    domain = place.agency.lower().replace(" ", "") + ".example.ca"
    fields = ("code", "description", "bill_rate", "pay_rate", "color")
    services = [
        {
            **dict(zip(fields, row, strict=True)),
            "taxes": ["HST"],
            "hcpcs": PROCEDURES[row[0]][0],
            "modifiers": PROCEDURES[row[0]][1],
        }
        for row in SERVICES
    ]
    return {
        "ext_id": f"demo-{number}",
        "email": f"office@{domain}",
        "website": f"https://{domain}",
        "hst_number": f"{rng.randint(100000000, 999999999)} RT0001",
        "npi": with_check_digit(f"{123456700 + number}"),
        "locations": [_location(rng, place, "Head office")],
        "emergency_phones": [_phone(rng, place, PhoneType.EMERGENCY)],
        "settings": {"timezone": "America/Toronto", "currency": "CAD", "country": "CA"},
        "billing_settings": {"billing_period": PeriodType.BIWEEKLY, "default_term_days": 30},
        "invoice_settings": {"number_prefix": f"{place.city[:3].upper()}-", "sales_rep": "rep1"},
        "services": services,
        "taxes": [{"code": "HST", "label": f"HST ({place.region}) 13%", "rate": Decimal("13")}],
        "terms": [
            {"key": "due", "name": "Due on receipt", "days": 0},
            {"key": "net15", "name": "Net 15", "days": 15},
            {"key": "net30", "name": "Net 30", "days": 30},
        ],
        "sales_reps": [
            {
                "key": f"rep{n}",
                "name": " ".join(_person(rng, domain)["name"].values()),
                "office": place.city,
                "phone": _phone(rng, place, PhoneType.WORK)["number"],
            }
            for n in (1, 2)
        ],
    }


def office_data(rng: random.Random, place: Place, index: int) -> dict[str, Any]:
    """An office worker: the first is an administrator, then schedulers and a billing clerk."""
    role = "administrator" if index == 0 else "billing" if index % 4 == 3 else "scheduler"
    return {
        **_person(rng, "office.example.ca"),
        "role": role,
        "role_type": RoleType.OFFICE,
        "phones": [_phone(rng, place, PhoneType.WORK)],
        "locations": [_location(rng, place, "Office")],
        "languages": _languages(rng),
        "start_date": BASE_DATE - dt.timedelta(days=rng.randint(60, 3000)),
    }


def _certifications(rng: random.Random) -> list[dict[str, Any]]:
    certificates = []
    for name, years in rng.sample([("CPR", 1), ("First Aid", 3), ("PSW Certificate", 5)], 2):
        issued = BASE_DATE - dt.timedelta(days=rng.randint(30, 900))
        certificates.append(
            {
                "name": name,
                "issuer": "Red Cross" if years < 5 else "Ontario College",
                "number": f"C{rng.randint(100000, 999999)}",
                "issued_date": issued,
                "expiry_date": issued + dt.timedelta(days=365 * years),
                "verified": rng.random() < 0.8,
            }
        )
    return certificates


def _availability(rng: random.Random) -> dict[str, Any]:
    days = sorted(rng.sample(list(Weekday), rng.randint(3, 6)), key=list(Weekday).index)
    start = rng.choice(["07:00", "08:00", "09:00", "12:00"])
    end = {"07:00": "15:00", "08:00": "16:00", "09:00": "17:00", "12:00": "20:00"}[start]
    weekly = [{"weekday": day, "start": start, "end": end} for day in days]
    return {"weekly": weekly, "max_hours_per_week": Decimal(rng.choice([24, 32, 40, 44]))}


def caregiver_data(rng: random.Random, place: Place, managers: list[ObjectId]) -> dict[str, Any]:
    """A caregiver with a manager, skills, languages, certificates, hours and a home."""
    return {
        **_person(rng, "mail.example.ca"),
        "role": "caregiver",
        "role_type": RoleType.CAREGIVER,
        "manager": rng.choice(managers),
        "date_of_birth": dt.date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28)),
        "phones": [_phone(rng, place)],
        "locations": [_location(rng, place)],
        "languages": _languages(rng),
        "skills": [
            {"title": title, "level": rng.choice([SkillLevel.GOOD, SkillLevel.EXPERT])}
            for title in rng.sample(SKILLS, rng.randint(2, 4))
        ],
        "certifications": _certifications(rng),
        "availability": _availability(rng),
        "services": [{"code": code} for code, *_ in rng.sample(SERVICES[:3], rng.randint(1, 2))],
        "experience": rng.randint(0, 25),
        "work_status": {"type": rng.choice(list(WorkStatusType))},
        "drivers_licence": {"has_licence": rng.random() < 0.7, "has_vehicle": rng.random() < 0.5},
        "start_date": BASE_DATE - dt.timedelta(days=rng.randint(10, 2500)),
    }


def _patient_care(rng: random.Random) -> dict[str, Any]:
    codes = rng.sample([code for code, *_ in SERVICES], rng.randint(1, 2))
    titles = rng.sample(PROBLEMS, rng.randint(1, 3))
    return {
        "problems": [
            {"title": t, "severity": rng.choice(["mild", "moderate", "severe"])} for t in titles
        ],
        "services": [
            {"code": c, "hours_per_week": Decimal(rng.choice([3, 6, 10, 14, 21]))} for c in codes
        ],
        "checklist": {"items": [{"title": t} for t in rng.sample(TASKS, rng.randint(2, 4))]},
        "service_date": {"start": BASE_DATE - dt.timedelta(days=rng.randint(0, 900))},
    }


def patient_data(rng: random.Random, place: Place, coordinators: list[ObjectId]) -> dict[str, Any]:
    """A patient with a coordinator, a home, family to call, problems, needs and a payer."""
    person = _person(rng, "mail.example.ca")
    relative = f"{rng.choice(FIRST.split())} {person['name']['last']}"
    insured = rng.random() < 0.4
    return {
        **person,
        "status": rng.choice(
            [PatientStatus.ACTIVE] * 6 + [PatientStatus.PROSPECT] * 2 + [PatientStatus.ON_HOLD]
        ),
        "date_of_birth": dt.date(rng.randint(1925, 1960), rng.randint(1, 12), rng.randint(1, 28)),
        "ssn": f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
        "chart_id": f"CH{rng.randint(10000, 99999)}",
        "phones": [_phone(rng, place, PhoneType.HOME)],
        "locations": [_location(rng, place)],
        "languages": _languages(rng)[:2],
        "case_coordinator": rng.choice(coordinators),
        "contacts": [
            {
                "name": relative,
                "relationship": rng.choice(["daughter", "son", "spouse"]),
                "phones": [_phone(rng, place)],
                "emergency": True,
            }
        ],
        "billing": [_payer(insured, f"P{rng.randint(10**6, 10**7)}" if insured else None)],
        **_patient_care(rng),
    }


def _payer(insured: bool, policy: str | None) -> dict[str, Any]:
    """A patient's payer: themselves, or an insurer known to the EVV aggregator (its payer id,
    the program, and the patient's member id, which is their policy number)."""
    payer: dict[str, Any] = {
        "payer": "Blue Cross" if insured else "Self",
        "policy_number": policy,
        "billing_period": PeriodType.MONTHLY,
    }
    if insured:
        payer.update(payer_code="BLUECROSS", program="PCS", member_id=policy)
    return payer
