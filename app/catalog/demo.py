"""Demo skills and tags."""

from __future__ import annotations

from app.catalog.services import skill_store, tag_store
from app.common.demo import DemoAccount

SKILLS = [
    ("Dementia care", "#6a1b9a", "Caring for people living with dementia."),
    ("Palliative care", "#283593", "Comfort care at the end of life."),
    ("Mobility assistance", "#00838f", "Transfers, walking and lifts."),
    ("Medication reminders", "#2e7d32", "Prompting, not administering."),
    ("Meal preparation", "#ef6c00", "Cooking to a care plan."),
]
TAGS = [
    ("Fall risk", "#c62828"),
    ("Nutrition", "#ef6c00"),
    ("Mood", "#6a1b9a"),
    ("Medication", "#2e7d32"),
    ("Family update", "#1565c0"),
]


async def seed(demo: DemoAccount) -> None:
    skills, tags = skill_store(demo.database), tag_store(demo.database)
    demo.made["skills"] = await skills.create_many(
        demo.actor,
        [{"title": title, "color": color, "description": text} for title, color, text in SKILLS],
    )
    demo.made["tags"] = await tags.create_many(
        demo.actor, [{"name": name, "color": color} for name, color in TAGS]
    )
