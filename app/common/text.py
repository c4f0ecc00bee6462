"""Text in the normalised form that search keys are stored and matched in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def normalise(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def keywords(*texts: str | None) -> list[str]:
    """The distinct normalised words of some texts, stored for prefix search."""
    words: list[str] = []
    for text in texts:
        for word in re.split(r"[\s,;/]+", normalise(text or "")):
            if word and word not in words:
                words.append(word)
    return words


@lru_cache(maxsize=4096)
def camel(name: str) -> str:
    """A stored or Python name as GraphQL shows it: `_hired_date` -> `hiredDate`. Cached: an
    audit entry spells every field it names (a year of a series, 5,000 of them)."""
    head, *rest = name.lstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def full_name(name: Mapping[str, Any] | None) -> str:
    """A person's name as one string: first, middle and last names, the missing ones left
    out; "" when there are none."""
    given = name or {}
    parts = (given.get("first"), given.get("middle"), given.get("last"))
    return " ".join(str(part) for part in parts if part)


def name_of(person: Mapping[str, Any]) -> str:
    """A person's full name as a record shows it, "(no name)" when they have none."""
    return full_name(person.get("name")) or "(no name)"


MULTILINE_WORDS = frozenset(
    {"notes", "note", "description", "duties", "text", "message", "messages", "body"}
    | {"comment", "comments", "letter", "resume", "reason", "instructions", "content"}
)
"""Words of a field's name that mark text written in lines (a note, a description, a message,
a reason): there, tabs and line breaks belong to the text."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def is_multiline(name: str) -> bool:
    """Whether a field (`header_message`, `reason_for_leaving`) holds text written in lines."""
    return any(word in MULTILINE_WORDS for word in name.lower().split("_"))


def control_character(text: str, multiline: bool) -> str | None:
    """Why `text` cannot be stored, or None: a C0 or C1 control character (tab, line feed and
    carriage return allowed in text written in lines) or half of a surrogate pair. Such
    characters are invisible, sort before every letter and break exports and printing."""
    found = (_CONTROL_IN_LINES if multiline else _CONTROL).search(text)
    if found is None:
        return None
    allowed = " (tabs and line breaks are)" if multiline else ""
    return (
        f"Control characters are not allowed{allowed}: U+{ord(found.group()):04X} at position "
        f"{found.start()}."
    )
