"""A revision conflict told in the words of the step that met it.

`Tx.update` refuses a record changed since it was read with the record's own words ("This
invoice changed while you were saving"). A step that updates a record as a side effect (a
punch moving its visit, a payment settling its invoice) tells the caller what it was doing
instead, as it always has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import ErrorCode, ServiceError


@contextmanager
def conflict_told(message: str, field: str) -> Iterator[None]:
    """Inside, a revision CONFLICT is reported as `message` on `field`; any other refusal
    goes through unchanged."""
    try:
        yield
    except ServiceError as refusal:
        if [problem.code for problem in refusal.problems] != [ErrorCode.CONFLICT]:
            raise
        raise ServiceError.one(message, ErrorCode.CONFLICT, field) from None
