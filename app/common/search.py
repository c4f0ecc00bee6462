"""The normalised keys people are found and sorted by, stored under `_search`."""

from __future__ import annotations

from typing import Any

from app.common.documents import LanguageSkill, Location, PersonName, SkillEntry
from app.common.text import keywords, normalise


def person_search(
    name: PersonName,
    locations: list[Location],
    languages: list[LanguageSkill],
    skills: list[SkillEntry] | None = None,
) -> dict[str, Any]:
    """Words of the name, a sort key (last name first), cities, language codes and skills."""
    return {
        "name": keywords(name.first, name.middle, name.last, name.nickname),
        "sort": normalise(f"{name.last} {name.first}"),
        "city": sorted({normalise(loc.city) for loc in locations if loc.city}),
        "languages": sorted({normalise(lang.code) for lang in languages}),
        "skills": sorted({normalise(skill.title) for skill in skills or []}),
    }
