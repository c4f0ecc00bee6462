"""The domains' codes as GraphQL enums: the domains declare plain `Code` enums, free of
GraphQL, and they are shown here, once, under their own names, values and descriptions."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from app.common.codes import Code

E = TypeVar("E", bound=type[Enum])


def graphql_enum(cls: E, *, name: str | None = None, description: str | None = None) -> E:
    """Show an enum in the schema: its docstring (unless told otherwise) describes it, and each
    member's `description` describes that value. Strawberry may have met the enum first (a
    plain enum in an annotation becomes one, undescribed): its definition is completed in
    place, before the schema is built from it."""
    definition = cls.__dict__.get("__strawberry_definition__")
    if definition is None:
        definition = strawberry.enum(cls, name=name).__strawberry_definition__  # type: ignore[attr-defined]
    doc = description or definition.description or cls.__dict__.get("__doc__")
    if not doc:
        raise TypeError(f"{cls.__name__} needs a docstring: it becomes the enum's description")
    definition.description = " ".join(doc.split())
    for value in definition.values:
        value.description = (
            value.description or getattr(cls[value.name], "description", None) or None
        )
    return cls


def show_codes() -> None:
    """Every `Code` of the domains (all imported by now) as a GraphQL enum."""
    pending = list(Code.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        graphql_enum(cls)
