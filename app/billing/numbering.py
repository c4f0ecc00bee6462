"""Invoice numbers: the account's prefix and an atomic counter, sorted digits-aware."""

from __future__ import annotations

import re
from typing import Any

from pymongo import ReturnDocument

from app.common.services import Actor, RawDoc
from app.common.text import normalise
from app.db import Database
from app.errors import ErrorCode, ServiceError

MAX_NUMBER_TRIES = 1000


def natural_key(number: str) -> str:
    """A sort key putting INV-9 before INV-10: digit runs padded to 12 places."""
    return re.sub(r"\d+", lambda digits: digits.group().zfill(12), normalise(number))


async def next_number(database: Database, actor: Actor, account: RawDoc) -> str:
    """The account's next free invoice number: its prefix and an atomic counter (in the
    `counters` collection) that starts at the account's `next_number`; numbers already taken
    (given by hand) are skipped.

    Callers take a number only once every check of the invoice has passed, right before the
    insert: a number taken is then lost (a gap) only if the insert itself fails (the database
    fails, or a number given by hand at the same moment clashes). The counter is not part of
    the insert's transaction on purpose: concurrent creates would all write the one counter
    document and conflict with each other until retried."""
    settings = account.get("invoice_settings") or {}
    prefix = settings.get("number_prefix") or ""
    counters, key = database.db.counters, f"invoice_number:{actor.account_id}"
    start = int(settings.get("next_number") or 1)
    await counters.update_one({"_id": key}, {"$max": {"value": start - 1}}, upsert=True)
    for _ in range(MAX_NUMBER_TRIES):
        counter: Any = await counters.find_one_and_update(
            {"_id": key}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER
        )
        number = f"{prefix}{(counter or {}).get('value')}"
        taken = await database.db.invoices.find_one(
            {"_account": actor.account_id, "_search.number": normalise(number)}, {"_id": 1}
        )
        if taken is None:
            return number
    raise ServiceError.one("No free invoice number; give one.", ErrorCode.REQUIRED, "number")
