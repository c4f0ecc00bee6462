"""Invoice numbers: the account's prefix and a counter, without gaps and without duplicates.

The counter moves inside the transaction that stores the invoice: if that transaction aborts
(a refusal, a crash, a write conflict), the number goes back with it, so no number is lost.
Two transactions numbering at once both write the one counter document: the database refuses
the second with a write conflict (a TransientTransactionError), and `Scope.transact`
(PyMongo's `with_transaction`) runs it again after a jittered exponential backoff, for at most
120 seconds. Concurrent generations are thus serialised on the counter, and numbers follow
each other in commit order. Numbers are the whole account's: the counter and the check that
a number is free see every invoice, whoever numbers.
"""

from __future__ import annotations

import re
from typing import Any

from pymongo import ReturnDocument

from app.common.services import RawDoc
from app.common.text import normalise
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError

MAX_NUMBER_TRIES = 1000


def natural_key(number: str) -> str:
    """A sort key putting INV-9 before INV-10: digit runs padded to 12 places."""
    return re.sub(r"\d+", lambda digits: digits.group().zfill(12), normalise(number))


def counter_key(account_id: int) -> str:
    return f"invoice_number:{account_id}"


def _increment(start: int, count: int = 1) -> list[dict[str, Any]]:
    """One pipeline update: the counter plus `count`, and at least the account's
    `next_number` plus `count` less one (a clerk may raise it in the settings)."""
    after = {"$add": [{"$ifNull": ["$value", 0]}, count]}
    return [{"$set": {"value": {"$max": [after, start + count - 1]}}}]


async def take_number(tx: Tx, account: RawDoc, check: bool = True) -> str:
    """The account's next free invoice number, taken inside the caller's transaction (`tx`):
    the counter starts at the account's `next_number`; numbers already used (given by hand)
    are skipped. Without `check` the next number is taken as it is, for a caller that inserts
    the invoice at once: the unique index refuses a number given by hand meanwhile, and the
    caller runs its unit of work again checking (`NumberTaken`)."""
    settings = account.get("invoice_settings") or {}
    prefix = settings.get("number_prefix") or ""
    start = int(settings.get("next_number") or 1)
    whole = tx.whole_account()
    for _ in range(MAX_NUMBER_TRIES):
        counter: Any = await whole["counters"].find_one_and_update(
            {"_id": counter_key(tx.account_id)},
            _increment(start),
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        number = f"{prefix}{counter['value']}"
        if not check:
            return number
        taken = await whole["invoices"].find_one({"_search.number": normalise(number)}, {"_id": 1})
        if taken is None:
            return number
    raise ServiceError.one("No free invoice number; give one.", ErrorCode.REQUIRED, "number")


async def take_numbers(tx: Tx, account: RawDoc, count: int) -> list[str]:
    """The account's next `count` numbers, taken as a block in one command inside the
    caller's transaction (a batch's group of invoices), without looking them up: as
    `take_number` without `check`, a number given by hand meanwhile is refused by the unique
    index when the invoices are inserted, and the caller numbers them one by one instead."""
    settings = account.get("invoice_settings") or {}
    prefix = settings.get("number_prefix") or ""
    start = int(settings.get("next_number") or 1)
    counter: Any = await tx.whole_account()["counters"].find_one_and_update(
        {"_id": counter_key(tx.account_id)},
        _increment(start, count),
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    last = int(counter["value"])
    return [f"{prefix}{value}" for value in range(last - count + 1, last + 1)]


async def peek_number(scope: Scope, account: RawDoc) -> str:
    """The number the next invoice would take (a dry run shows it): nothing is taken."""
    settings = account.get("invoice_settings") or {}
    start = int(settings.get("next_number") or 1)
    counters = scope.whole_account()["counters"]
    counter = await counters.find_one({"_id": counter_key(scope.account_id)})
    value = max(int((counter or {}).get("value") or 0) + 1, start)
    return f"{settings.get('number_prefix') or ''}{value}"
