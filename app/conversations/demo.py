"""Demo conversations between office staff about patients, and notes kept about caregivers.

Messages are back-dated over the week before `demo.week_start`, a few hours apart, so the inbox
order (latest message first) differs from the order the conversations were made in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from app.common.demo import DemoAccount, RawDoc
from app.conversations.documents import ConversationStatus, UserNotePriority
from app.conversations.services import conversation_store, post_message, user_note_store

# (subject, about a patient, closed afterwards, messages); {p} is the patient's first name.
THREADS: list[tuple[str, bool, bool, list[str]]] = [
    (
        "{p}: medication change from Monday",
        True,
        False,
        [
            "The doctor changed {p}'s blood pressure dose; new blister packs arrive Monday.",
            "Noted. I'll add a reminder to the visit checklist.",
            "The pharmacy confirmed delivery for Sunday evening.",
            "Thanks, I told the weekend caregiver too.",
        ],
    ),
    (
        "{p}: fall in the bathroom",
        True,
        True,
        [
            "{p} slipped getting out of the shower this morning; no injury, family informed.",
            "Should we ask for a grab bar assessment?",
            "Yes, I called the occupational therapist; she visits Thursday.",
            "Grab bars installed. Closing this.",
        ],
    ),
    (
        "{p}: family asks for an extra evening visit",
        True,
        False,
        [
            "{p}'s daughter asks for a visit on Friday evenings from next week.",
            "We have nobody free on Fridays after 6 pm right now.",
            "I can ask two caregivers who live nearby.",
        ],
    ),
    (
        "Weekend cover for the east side",
        False,
        False,
        [
            "Two caregivers are off next weekend; the east side is short by 12 hours.",
            "I can move one Saturday visit to Sunday morning.",
            "Please post the open shifts, I'll call the on-call list.",
            "Four of the twelve hours are covered already.",
            "Rest covered. Thanks all!",
        ],
    ),
    (
        "{p}: new care plan review",
        True,
        False,
        [
            "{p}'s care plan is due for review at the end of the month.",
            "I'll book the home visit with the nurse.",
        ],
    ),
]

NOTES: list[tuple[str, str, UserNotePriority]] = [
    ("Great feedback from a family", "The family called to thank them for their patience "
     "and kindness during a difficult week.", UserNotePriority.LOW),
    ("Late twice this week", "Arrived 20 minutes late on two visits; traffic, they said. "
     "Talked about leaving earlier.", UserNotePriority.NORMAL),
    ("First aid certificate expires soon", "Renewal course booked; check the new "
     "certificate before the expiry date.", UserNotePriority.HIGH),
    ("Missed a visit without calling", "The patient waited alone for an hour. Written "
     "warning given; follow up next week.", UserNotePriority.URGENT),
    ("Prefers morning shifts", "Asked for mornings only from next month: school pick-ups "
     "in the afternoon.", UserNotePriority.NORMAL),
    ("Completed dementia care training", "Certificate on file; can take patients with "
     "advanced dementia now.", UserNotePriority.LOW),
]  # fmt: skip


def first_name(person: RawDoc) -> str:
    return str((person.get("name") or {}).get("first") or "The patient")


async def seed(demo: DemoAccount) -> None:
    demo.made["conversations"] = await _conversations(demo)
    demo.made["usersnotes"] = await _notes(demo)


async def _conversations(demo: DemoAccount) -> list[RawDoc]:
    rng, office = demo.rng, demo.office
    if not office:
        return []
    store = conversation_store(demo.database)
    patients = rng.sample(demo.patients, min(len(demo.patients), len(THREADS)))
    start = dt.datetime.combine(
        demo.week_start - dt.timedelta(days=7), dt.time(8, 30), tzinfo=dt.UTC
    )
    made = []
    for number, (subject, about_patient, closes, bodies) in enumerate(THREADS):
        patient = patients.pop() if about_patient and patients else None
        if about_patient and patient is None:
            continue
        people = rng.sample(office, min(len(office), rng.randint(2, 3)))
        name = first_name(patient) if patient else ""
        data: dict[str, Any] = {
            "subject": subject.format(p=name),
            "participants": [{"record": person["_id"]} for person in people],
            "pinned": number == 3,
        }
        if patient is not None:
            data["patient"] = patient["_id"]
        conversation = await store.create(demo.actor, data)
        at = start + dt.timedelta(days=number + rng.randint(0, 1), minutes=rng.randint(0, 240))
        for index, body in enumerate(bodies):
            author = people[index % len(people)]["_id"]
            conversation, _ = await post_message(
                demo.scope, conversation["_id"], body.format(p=name), author, at
            )
            at += dt.timedelta(minutes=rng.randint(15, 300))
        if closes:
            conversation = await store.update(
                demo.actor,
                conversation["_id"],
                conversation["_revision"],
                {"status": ConversationStatus.CLOSED},
            )
        made.append(conversation)
    return made


async def _notes(demo: DemoAccount) -> list[RawDoc]:
    rng = demo.rng
    if not demo.caregivers or not demo.office:
        return []
    # written by the office's first member (the administrator), so the notes name an author
    writer = dataclasses.replace(demo.actor, user_id=demo.office[0]["_id"])
    noted = rng.sample(demo.caregivers, max(1, len(demo.caregivers) // 4))
    items = [
        {"user": caregiver["_id"], "title": title, "note": text, "priority": priority}
        for caregiver in noted
        for title, text, priority in rng.sample(NOTES, rng.randint(1, 3))
    ]
    return await user_note_store(demo.database).create_many(writer, items, prefix=None)
