"""Demo candidates at every stage of hiring (one hired as a caregiver), clients who pay and
contacts the office calls about patients. Users are made by `app/seed.py` itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.codes import Education, Gender, PhoneType, SkillLevel, WorkPermit, WorkStatusType
from app.common.demo import DemoAccount
from app.people.documents import CandidateStatus, PartyType
from app.people.services import candidate_store, client_store, contact_store

CANDIDATES = [
    ("Ines", "Moreau", CandidateStatus.APPLIED, None, ["Meal preparation"]),
    ("Kwame", "Asante", CandidateStatus.PHONE_SCREENED, 3, ["Mobility assistance"]),
    ("Lucia", "Ferreira", CandidateStatus.INTERVIEW_SELECTED, 4, ["Dementia care"]),
    ("Marek", "Novak", CandidateStatus.INTERVIEWED, 5, ["Palliative care", "Dementia care"]),
    ("Noor", "Rahman", CandidateStatus.INTERVIEWED, 4, ["Medication reminders"]),
    ("Olga", "Petrova", CandidateStatus.REJECTED, 2, ["Meal preparation"]),
]
NOTES = {
    CandidateStatus.PHONE_SCREENED: ["Friendly on the phone; available weekends."],
    CandidateStatus.INTERVIEW_SELECTED: ["Strong dementia experience; book an interview."],
    CandidateStatus.INTERVIEWED: ["Interview went well.", "References checked: both positive."],
    CandidateStatus.REJECTED: ["No weekend availability; not a fit for current clients."],
}


class Place:
    """Where the demo agency works, read from its office staff."""

    def __init__(self, demo: DemoAccount) -> None:
        home: dict[str, Any] = next(
            (loc for u in demo.office for loc in u.get("locations", [])), {}
        )
        phone = next((p["number"] for u in demo.office for p in u.get("phones", [])), "")
        self.city = home.get("city") or "Toronto"
        self.region = home.get("region") or "ON"
        self.postal = (home.get("postal_code") or "M5V 1A1")[:3]
        geo = (home.get("geo") or {}).get("coordinates") or [-79.38, 43.65]
        self.longitude, self.latitude = geo
        self.area = phone.split()[1] if phone.startswith("+1 ") else "416"

    def phone(self, demo: DemoAccount, kind: PhoneType = PhoneType.MOBILE) -> dict[str, Any]:
        number = f"+1 {self.area} 555 {demo.rng.randint(0, 9999):04d}"
        return {"number": number, "type": kind, "primary": True}

    def location(self, demo: DemoAccount, label: str, street: str) -> dict[str, Any]:
        rng = demo.rng
        return {
            "label": label,
            "address1": f"{rng.randint(1, 999)} {street}",
            "city": self.city,
            "region": self.region,
            "postal_code": f"{self.postal} {rng.randint(1, 9)}B{rng.randint(1, 9)}",
            "country": "CA",
            "primary": True,
            "geo": {
                "latitude": round(self.latitude + rng.uniform(-0.1, 0.1), 5),
                "longitude": round(self.longitude + rng.uniform(-0.15, 0.15), 5),
            },
        }


def candidate_data(demo: DemoAccount, place: Place, index: int) -> dict[str, Any]:
    first, last, status, rating, skills = CANDIDATES[index]
    rng = demo.rng
    applied = dt.datetime.combine(
        demo.week_start - dt.timedelta(days=7 * (len(CANDIDATES) - index)),
        dt.time(14, 0),
        tzinfo=dt.UTC,
    )
    managers = [u["_id"] for u in demo.office if u.get("role") != "billing"]
    weekdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][: rng.randint(3, 7)]
    return {
        "name": {"first": first, "last": last},
        "status": status,
        "email": f"{first}.{last}@mail.example.ca".lower(),
        "ext_id": f"ats-{1000 + index}",
        "manager": managers[index % len(managers)] if managers else None,
        "rating": rating,
        "source": rng.choice(["job_board", "referral", "walk_in", "website"]),
        "resume": f"{first} {last}\nPersonal support worker, {rng.randint(1, 12)} years.\n"
        "Skills: " + ", ".join(skills) + ".",
        "cover_letter": f"I would like to join your team in {place.city} as a caregiver.",
        "candidate_notes": [
            {"date": applied + dt.timedelta(days=2 + n), "author": "Recruiting", "text": text}
            for n, text in enumerate(NOTES.get(status, []))
        ],
        "gender": rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE]),
        "date_of_birth": dt.date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28)),
        "phones": [place.phone(demo)],
        "locations": [place.location(demo, "Home", rng.choice(["Elm Ave", "Oak Cres"]))],
        "languages": [{"code": "en", "name": "English", "primary": True}],
        "work_permit": rng.choice([WorkPermit.CITIZEN, WorkPermit.PERMANENT_RESIDENT]),
        "criminal_offender": False,
        "drivers_licence": {"has_licence": index % 2 == 0, "has_vehicle": index % 3 == 0},
        "availability": {
            "weekly": [{"weekday": day, "start": "08:00", "end": "16:00"} for day in weekdays],
            "max_hours_per_week": Decimal(rng.choice([24, 32, 40])),
        },
        "certifications": [{"name": "CPR", "issuer": "Red Cross", "verified": index % 2 == 1}],
        "skills": [{"title": title, "level": SkillLevel.GOOD} for title in skills],
        "employment_history": [
            {
                "employer": "Bayview Retirement Residence",
                "position": "Personal support worker",
                "start_date": dt.date(2019, 3, 1),
                "end_date": dt.date(2024, 8, 31),
            }
        ],
        "experience": rng.randint(1, 12),
        "education": Education.CERTIFICATE,
        "work_status": {"type": rng.choice([WorkStatusType.FULL_TIME, WorkStatusType.PART_TIME])},
        "salary_expectations": {"hourly_min": Decimal("21.00"), "hourly_max": Decimal("25.50")},
        "will_travel": True,
    }


def clients_data(demo: DemoAccount, place: Place) -> list[dict[str, Any]]:
    family = demo.patients[0]["name"]["last"] if demo.patients else "Green"
    return [
        {
            "type": PartyType.COMPANY,
            "contact_type": PartyType.PERSON,
            "company": {"name": "Blue Cross", "website": "https://www.bluecross.ca"},
            "contact": {
                "name": {"first": "Renee", "last": "Dubois"},
                "phones": [place.phone(demo, PhoneType.WORK)],
                "email": "claims@bluecross.example.ca",
            },
            "email": "claims@bluecross.example.ca",
            "employees": [
                {
                    "name": "Renee Dubois",
                    "title": "Claims adjuster",
                    "office": "Claims",
                    "email": "renee.dubois@bluecross.example.ca",
                    "phone": "+1 800 555 0101",
                },
                {
                    "name": "Tom Fraser",
                    "title": "Accounts payable",
                    "office": "Finance",
                    "email": "ap@bluecross.example.ca",
                },
            ],
            "locations": [place.location(demo, "Head office", "Front St")],
            "color": "#1565c0",
            "accounting_id": "AR-1001",
            "ext_id": "client-bluecross",
        },
        {
            "type": PartyType.COMPANY,
            "contact_type": PartyType.COMPANY,
            "company": {"name": "Veterans Independence Program"},
            "email": "vip@program.example.ca",
            "locations": [place.location(demo, "Office", "Bank St")],
            "color": "#2e7d32",
            "accounting_id": "AR-1002",
            "ext_id": "client-vip",
        },
        {
            "type": PartyType.PERSON,
            "contact_type": PartyType.PERSON,
            "contact": {
                "name": {"first": "Sara", "last": family},
                "phones": [place.phone(demo)],
                "gender": Gender.FEMALE,
                "email": f"sara.{family}@mail.example.ca".lower(),
            },
            "email": f"sara.{family}@mail.example.ca".lower(),
            "locations": [place.location(demo, "Home", "Maple Dr")],
            "color": "#ef6c00",
            "accounting_id": "AR-1003",
            "ext_id": "client-family-1",
        },
    ]


def contacts_data(demo: DemoAccount, place: Place) -> list[dict[str, Any]]:
    family = demo.patients[0]["name"]["last"] if demo.patients else "Green"
    return [
        {
            "type": PartyType.PERSON,
            "company": {"name": f"{place.city} Family Health Team"},
            "contact": {
                "name": {"first": "Anil", "last": "Mehta", "prefix": "Dr"},
                "phones": [place.phone(demo, PhoneType.WORK)],
                "gender": Gender.MALE,
            },
            "email": "dr.mehta@fht.example.ca",
            "fax": {"number": f"+1 {place.area} 555 0199", "label": "Clinic fax"},
            "locations": [place.location(demo, "Clinic", "King St")],
            "notes": "Family doctor of several patients; send visit summaries by fax.",
            "ext_id": "contact-dr-mehta",
        },
        {
            "type": PartyType.COMPANY,
            "company": {
                "name": f"{place.city} General Hospital",
                "website": "https://hospital.example.ca",
            },
            "contact": {
                "name": {"first": "Julie", "last": "Bergeron"},
                "phones": [place.phone(demo, PhoneType.WORK)],
            },
            "email": "discharge@hospital.example.ca",
            "fax": {"number": f"+1 {place.area} 555 0142", "label": "Discharge planning"},
            "locations": [place.location(demo, "Hospital", "Queen St")],
            "notes": "Refers patients after discharge; ask for Julie in discharge planning.",
            "accounting_id": "REF-01",
            "ext_id": "contact-general-hospital",
        },
        {
            "type": PartyType.PERSON,
            "company": {"name": "Home and Community Care Support Services"},
            "contact": {
                "name": {"first": "Priya", "last": "Raman"},
                "phones": [place.phone(demo, PhoneType.WORK)],
                "gender": Gender.FEMALE,
                "email": "priya.raman@hccss.example.ca",
            },
            "email": "priya.raman@hccss.example.ca",
            "notes": "Case manager: approves funded hours.",
            "ext_id": "contact-case-manager",
        },
        {
            "type": PartyType.PERSON,
            "contact": {
                "name": {"first": "David", "last": family},
                "phones": [place.phone(demo)],
                "gender": Gender.MALE,
            },
            "locations": [place.location(demo, "Home", "Oak Cres")],
            "notes": "Son of a patient; call first about schedule changes.",
        },
    ]


async def seed(demo: DemoAccount) -> None:
    place = Place(demo)
    candidates = candidate_store(demo.database)
    made = await candidates.create_many(
        demo.actor, [candidate_data(demo, place, i) for i in range(len(CANDIDATES))]
    )
    # the best interviewed candidate is hired: the candidate is marked, a caregiver is made
    best = max(
        (c for c in made if c["status"] == CandidateStatus.INTERVIEWED.value),
        key=lambda c: c.get("rating") or 0,
    )
    hired, _ = await candidates.hire(demo.actor, best["_id"], best["_revision"])
    demo.made["candidates"] = [hired if c["_id"] == hired["_id"] else c for c in made]
    demo.made["clients"] = await client_store(demo.database).create_many(
        demo.actor, clients_data(demo, place)
    )
    demo.made["contacts"] = await contact_store(demo.database).create_many(
        demo.actor, contacts_data(demo, place)
    )
