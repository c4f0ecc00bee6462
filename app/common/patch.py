"""Patch semantics, once for every update: what an update's input leaves out stays as stored."""

from __future__ import annotations

from typing import Any


def patched(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`stored` with `changes` applied at every depth: a field left out keeps its value, a
    None clears it, a subdocument given merges into the stored one, a list replaces the
    stored list whole (its items are new values, not patches)."""
    merged = dict(stored)
    for name, value in changes.items():
        before = stored.get(name)
        if isinstance(value, dict) and isinstance(before, dict):
            merged[name] = patched(before, value)
        else:
            merged[name] = value
    return merged
