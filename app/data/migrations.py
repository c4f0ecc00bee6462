"""Repairs of a data folder written before the data path, run at every start-up.

Each finds what is left to repair with one query and repairs only that: once done, it is a
no-op, so running it again (every start) is safe. `app.db.open_database` runs them after
Beanie; this module does not import `app.db` (which imports it), hence its own `RawDoc`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)

RawDoc = dict[str, Any]
ACCOUNT = "_account"  # collections.ACCOUNT: the tenant key (not imported, see above)
COUNTERS = "counters"
GLOBAL_COUNTERS = frozenset({"accounts"})
"""Counters of no one account: the account numbers themselves."""
ACCOUNT_COUNTER = re.compile(
    r"(?:schedule|rest):(?P<account>[0-9]+):.+"
    r"|(?:payroll_generation|invoice_number):(?P<only>[0-9]+)"
)
"""The shapes of an account's counters: "schedule:<account>:<user>", "rest:<account>:<kind>",
"payroll_generation:<account>" and "invoice_number:<account>" (billing's `counter_key`)."""


def counter_account(key: Any) -> int | None:
    """The account a counter's `_id` names; None for a global or unknown counter."""
    found = ACCOUNT_COUNTER.fullmatch(key) if isinstance(key, str) else None
    if found is None:
        return None
    return int(found["account"] or found["only"])


async def stamp_counters(db: AsyncDatabase[RawDoc]) -> int:
    """Give every account's counter the `_account` its `_id` names, as a scope now writes it.

    Counters written before the data path have no `_account`; a scope's upsert of one would
    then miss it and insert a second document with the same `_id` (a duplicate key). The
    global "accounts" counter is left as it is. Returns how many were stamped."""
    unstamped = db[COUNTERS].find({ACCOUNT: {"$exists": False}}, {"_id": 1})
    stamps = []
    async for counter in unstamped:
        key = counter["_id"]
        account = counter_account(key)
        if account is not None:
            stamps.append(
                UpdateOne({"_id": key, ACCOUNT: {"$exists": False}}, {"$set": {ACCOUNT: account}})
            )
        elif key not in GLOBAL_COUNTERS:
            log.warning("counter %r names no account: left without one", key)
    if stamps:
        await db[COUNTERS].bulk_write(stamps, ordered=False)
        log.info("stamped the account on %d counters written before the data path", len(stamps))
    return len(stamps)


RETIRED_INDEXES = {
    "audit_events": ["outbox_transactions", "_account_1_action_1__id_1", "_account_1_at_1"]
}
"""Indexes no model declares any more (Beanie creates indexes, it does not drop them): the
outbox's second index went when only a transaction's first entry came to carry the mark; the
trail's indexes on actions (a handful of values) and on times (its ids hold the time) for
what they cost every write."""


async def drop_retired_indexes(db: AsyncDatabase[RawDoc]) -> list[str]:
    """Drop the retired indexes a data folder still has. Returns the ones dropped."""
    dropped = []
    for collection, names in RETIRED_INDEXES.items():
        present = await db[collection].index_information()
        for name in names:
            if name in present:
                await db[collection].drop_index(name)
                dropped.append(f"{collection}.{name}")
    if dropped:
        log.info("dropped retired indexes: %s", ", ".join(dropped))
    return dropped


async def migrate(db: AsyncDatabase[RawDoc]) -> None:
    """Every start-up repair, in order."""
    await stamp_counters(db)
    await drop_retired_indexes(db)
