"""Demo progress notes: what caregivers and office staff wrote about some patients over the
two weeks before the demo week (visit summaries, a fall, appetite, mood), tagged with the
catalog's tags when the catalog package made them first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from app.common.demo import DemoAccount, RawDoc
from app.patients.documents import ProgressNotePriority
from app.patients.services import progress_note_store

LOW, NORMAL = ProgressNotePriority.LOW, ProgressNotePriority.NORMAL
HIGH, URGENT = ProgressNotePriority.HIGH, ProgressNotePriority.URGENT


@dataclass(frozen=True)
class NoteTemplate:
    """A kind of note a caregiver or the office writes; `{first}` is the patient's first name."""

    title: str
    text: str
    priority: ProgressNotePriority
    tags: tuple[str, ...] = ()
    by_office: bool = False
    private: bool = False
    billable: bool = False


VISITS = [
    NoteTemplate(
        "Visit summary",
        "Arrived 9:00. {first} was up and dressed; helped with the shower and breakfast "
        "(oatmeal and tea). Medication reminder at 9:30, all taken. Walked to the mailbox and "
        "back with the walker. No concerns today.",
        NORMAL,
        ("Medication",),
        billable=True,
    ),
    NoteTemplate(
        "Visit summary",
        "{first} was in good spirits. Prepared lunch (soup and a sandwich), all eaten. Light "
        "housekeeping: dishes, laundry folded, bed changed. Fluid intake about 1 L by 13:00.",
        LOW,
        billable=True,
    ),
    NoteTemplate(
        "Good day",
        "Cheerful and chatty; we played cards for half an hour. Ate all of lunch. Skin intact, "
        "no redness on heels or elbows.",
        LOW,
    ),
    NoteTemplate(
        "Evening visit",
        "Supper heated and eaten at 17:30. Evening medications taken. Helped {first} into "
        "pyjamas; doors locked and night light on before leaving at 19:00.",
        NORMAL,
        ("Medication",),
        billable=True,
    ),
]
CONCERNS = [
    NoteTemplate(
        "Fall in the bathroom",
        "Found {first} sitting on the bathroom floor at 14:10; slipped stepping out of the tub. "
        "No visible injury, did not hit their head, stood up with the help of one. BP 138/82, "
        "pulse 78. Family told by phone. Recommend a grab bar and a non-slip mat; asked the "
        "office for an OT referral.",
        URGENT,
        ("Fall risk", "Family update"),
    ),
    NoteTemplate(
        "Unsteady on the stairs",
        "{first} needed two rests going upstairs and held the rail with both hands. No fall. "
        "Reminded to use the stair lift; the family asked about physiotherapy.",
        HIGH,
        ("Fall risk",),
    ),
    NoteTemplate(
        "Poor appetite this week",
        "Ate less than half of lunch three days running; says food has no taste. Offered "
        "smaller portions and a nutrition shake (drank half). Weight 61.2 kg, down from 62.5 kg "
        "two weeks ago. Please ask the nurse to review.",
        HIGH,
        ("Nutrition",),
    ),
    NoteTemplate(
        "Low mood",
        "{first} was quiet and tearful this morning and spoke about missing their late spouse. "
        "We looked through photo albums and they brightened after a while. Suggest a "
        "companionship visit on Sunday; please mention it to the family.",
        NORMAL,
        ("Mood", "Family update"),
    ),
    NoteTemplate(
        "Confused in the evening",
        "Around 18:00 {first} asked several times where their mother was; redirected with tea "
        "and music, settled by 19:00. Possible sundowning: please note the times at each visit.",
        NORMAL,
        ("Mood",),
    ),
    NoteTemplate(
        "Medication refill needed",
        "The blister pack runs out on Friday. Called the pharmacy: the refill is ready Thursday "
        "after 2 pm. Family will pick it up.",
        HIGH,
        ("Medication",),
    ),
    NoteTemplate(
        "Reddened heel",
        "Small reddened area (about 2 cm) on the left heel, skin not broken. Repositioned and "
        "heel offloaded with a pillow. Please check it again at the next visit.",
        HIGH,
    ),
]
OFFICE = [
    NoteTemplate(
        "Family meeting",
        "Met the family and the case coordinator about moving {first} to two visits a day. "
        "They agreed to start next Monday if a caregiver is free. Finances and the power of "
        "attorney were discussed; details kept in the file.",
        NORMAL,
        ("Family update",),
        by_office=True,
        private=True,
    ),
    NoteTemplate(
        "Care plan review",
        "Reviewed the care plan with {first}: checklist unchanged, bathing moved to mornings. "
        "Next review in three months.",
        LOW,
        by_office=True,
        billable=True,
    ),
]


async def seed(demo: DemoAccount) -> None:
    """Two to five notes each for about a third of the patients (at most 20)."""
    store = progress_note_store(demo.database)
    tags = {tag["name"]: tag["_id"] for tag in demo.made.get("tags") or []}
    office = [user for user in demo.office if user.get("role") != "billing"] or demo.office
    writers = demo.caregivers or office
    chosen = demo.patients[: min(20, max(1, len(demo.patients) // 3))]
    made: list[RawDoc] = []
    if not writers:
        demo.made["patientsprogressnotes"] = made
        return
    start = dt.datetime.combine(demo.week_start - dt.timedelta(days=14), dt.time(), dt.UTC)
    for patient in chosen:
        count = demo.rng.randint(2, 5)
        days = sorted(demo.rng.sample(range(14), count))
        caregiver = demo.rng.choice(writers)
        templates = demo.rng.sample(VISITS + CONCERNS, count)
        if office and demo.rng.random() < 0.4:
            templates[-1] = demo.rng.choice(OFFICE)
        for day, template in zip(days, templates, strict=True):
            author = demo.rng.choice(office) if template.by_office else caregiver
            written = start + dt.timedelta(
                days=day, hours=demo.rng.randint(8, 19), minutes=demo.rng.choice([0, 15, 30, 45])
            )
            data = _note(demo, patient, template, tags, office, written)
            actor = replace(demo.actor, user_id=author["_id"])
            note = await store.create(actor, data)
            if day < 11 and office and demo.rng.random() < 0.6:
                approver = replace(demo.actor, user_id=demo.rng.choice(office)["_id"])
                note = await store.approve(approver, note["_id"], note["_revision"])
            made.append(note)
    demo.made["patientsprogressnotes"] = made


def _note(
    demo: DemoAccount,
    patient: RawDoc,
    template: NoteTemplate,
    tags: dict[str, Any],
    office: list[RawDoc],
    written: dt.datetime,
) -> dict[str, Any]:
    first = (patient.get("name") or {}).get("first", "The client")
    codes = [s["code"] for s in patient.get("services") or [] if s.get("code")]
    coordinator = patient.get("case_coordinator")
    urgent = template.priority in (HIGH, URGENT)
    data: dict[str, Any] = {
        "patient": patient["_id"],
        "title": template.title,
        "note": template.text.format(first=first),
        "priority": template.priority,
        "private": template.private,
        "tags": [tags[name] for name in template.tags if name in tags],
        "users": [coordinator] if urgent and coordinator else [],
        "service": codes[0] if codes else None,
        "patient_services": codes,
        "created_date": written,
    }
    if template.priority == URGENT and office:
        data["referrer"] = demo.rng.choice(office)["_id"]
    payers = [b.get("payer") for b in patient.get("billing") or [] if b.get("payer")]
    if template.billable and payers:
        data["invoice_to"] = {"payer": payers[0]}
    return data
