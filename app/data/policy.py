"""Which rows of a collection a caller may read: the one hook every scoped read passes through.

A `RowPolicy` maps a collection to an extra filter (None: every row of the account). The
policy table of roles fills it in (a caregiver sees their own visits); until then
every caller reads its whole account, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.common.services import Actor

RowPolicy = Callable[[str], Mapping[str, Any] | None]


def whole_account(collection: str) -> None:
    """Every row of the account: the agency itself, jobs, and roles without row limits."""
    return None


def rows_for(actor: Actor) -> RowPolicy:
    """The rows an actor's role may read, collection by collection."""
    return whole_account
