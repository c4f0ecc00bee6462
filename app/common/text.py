"""Text in the normalised form that search keys are stored and matched in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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


def camel(name: str) -> str:
    """A stored or Python name as GraphQL shows it: `_hired_date` -> `hiredDate`."""
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
