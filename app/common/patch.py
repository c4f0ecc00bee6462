"""Patch semantics, once for every update: what an update's input leaves out stays as stored.

A field whose value follows from others (`derived_from` in its metadata, such as an amount
that is hours times rate, or a visit's rates that come with its service code) is computed
again when a patch changes what it follows from and does not give it: keeping the stored value
would contradict the new inputs. A source given again with its stored value changes nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.common.documents import field_extra, nested_model


def patched(
    stored: dict[str, Any], changes: dict[str, Any], model: type[BaseModel] | None = None
) -> dict[str, Any]:
    """`stored` with `changes` applied at every depth: a field left out keeps its value, a
    None clears it, a subdocument given merges into the stored one, a list replaces the
    stored list whole (its items are new values, not patches)."""
    merged = dict(stored)
    for name, value in recomputed(model, changes, stored).items():
        before = stored.get(name)
        if isinstance(value, dict) and isinstance(before, dict):
            info = model.model_fields.get(name) if model is not None else None
            merged[name] = patched(before, value, nested_model(info))
        else:
            merged[name] = value
    return merged


def recomputed(
    model: type[BaseModel] | None, changes: dict[str, Any], stored: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The changes, clearing each derived field whose sources they change without giving it."""
    if model is None:
        return changes
    before = stored or {}
    cleared = dict(changes)
    for name, info in model.model_fields.items():
        sources = field_extra(info).get("derived_from") or ()
        moved = [s for s in sources if s in changes and changes[s] != before.get(s)]
        if name not in changes and moved:
            cleared[name] = None
    return cleared
