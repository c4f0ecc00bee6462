"""Text in the normalised form that search keys are stored and matched in."""

from __future__ import annotations

import re
import unicodedata


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
