"""Arguments that many fields share, described once: paging, filters, orderings, record ids.

A resolver declares `first: First = None` or `filter: Filter[PatientFilter] = None`; the
annotation carries the description into the schema.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import strawberry

from app.graphql.connections import DEFAULT_PAGE, MAX_PAGE

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many records to give from the start of the list (after `after`): "
        f"{DEFAULT_PAGE} unless told, at most {MAX_PAGE}."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor (an edge's `cursor` or `pageInfo.endCursor`) of this same list and "
        "order: the page starts after that record."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many records to give from the end of the list (before `before`); at "
        f"most {MAX_PAGE}. Not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor (an edge's `cursor` or `pageInfo.startCursor`) of this same list "
        "and order: the page ends before that record."
    ),
]
Filter = Annotated[
    T | None,
    strawberry.argument(
        description="Which records to list: each condition given narrows the list; left out, "
        "the filter's defaults apply."
    ),
]
OrderBy = Annotated[
    T | None,
    strawberry.argument(description="How the list is sorted; left out, in its usual order."),
]
RecordId = Annotated[strawberry.ID, strawberry.argument(description="The record's global ID.")]
Revision = Annotated[
    int,
    strawberry.argument(
        description="The `revision` of the record your change is based on; refused with "
        "CONFLICT, and nothing written, if the record has changed since."
    ),
]
OptionalRevision = Annotated[
    int | None,
    strawberry.argument(
        description="The `revision` of the record your change is based on; when given, "
        "refused with CONFLICT, and nothing written, if the record has changed since."
    ),
]
ExtId = Annotated[
    str, strawberry.argument(description="The record's id in another system (its `extId`).")
]
PATCH = (
    "Fields left out stay as they are; null clears a field; a list given replaces the stored "
    "list whole."
)
"""How every update reads its input, at every depth (app/common/patch.py): said once, in each
update's description and its `input` argument's."""
LIST_GIVEN = "A list given replaces the stored list whole: its items are new, not patches."
"""Said by each list field an update takes."""
Changes = Annotated[T, strawberry.argument(description=f"What to change. {PATCH}")]
Reason = Annotated[
    str,
    strawberry.argument(
        description="Why, in your words; kept with the record and in the audit trail."
    ),
]


def described(annotation: Any, description: str) -> Any:
    """An argument's type with its description, for arguments whose type is made at run time."""
    return Annotated[annotation, strawberry.argument(description=description)]
