"""The care-ticket REST API's integer ids: one number per record, per account and kind.

Numbers come from a counter per account and kind (`counters`, `_id` "rest:<account>:<kind>")
and live in `rest_ids` (unique per number, and per record). Every number is written in the
same transaction as the counter move that made it, so none is used twice or lost:

- A new ticket is numbered inside the transaction that creates it (`number_new`, called by
  the ticket store): a ticket exists exactly when its number does.
- Records made elsewhere (residents, employees, categories, comments, files, and tickets made
  before tickets were numbered at creation) are numbered on first use, all the missing ones of
  a request together (`numbers_of`): one transaction, one `$inc` per kind by the count missing,
  one insert_many per kind, in the order the request lists them. Two requests numbering the
  same records at once clash on the counter; the loser's transaction is rolled back (taking
  its counter move with it), retried, re-reads and finds the records numbered.
- A known number (the documented examples) is written by `fix_number` or `number_new(fixed=)`:
  the counter is first raised to it with `$max`, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.unit import Tx

Numbers = dict[str, dict[Any, int]]
"""Numbers by kind ("ticket", "resident", ...), then by record id."""
ATTEMPTS = 5
"""Rounds of a lazy numbering that clashed with another request's (each re-reads first)."""


def sequence(account_id: int, kind: str) -> str:
    return f"rest:{account_id}:{kind}"


def _listed(wanted: Mapping[str, Iterable[Any]]) -> dict[str, list[Any]]:
    return {
        kind: list(dict.fromkeys(r for r in ids if r is not None)) for kind, ids in wanted.items()
    }


async def _read(scope: Scope | Tx, wanted: dict[str, list[Any]]) -> Numbers:
    found: Numbers = {kind: {} for kind in wanted}
    clauses = [{"kind": kind, "record_id": {"$in": ids}} for kind, ids in wanted.items() if ids]
    if not clauses:
        return found
    cursor = scope["rest_ids"].find({"$or": clauses}, {"kind": 1, "record_id": 1, "number": 1})
    async for doc in cursor:
        found[doc["kind"]][doc["record_id"]] = int(doc["number"])
    return found


async def number_new(
    tx: Tx, kind: str, record_ids: Iterable[Any], fixed: Mapping[Any, int] | None = None
) -> dict[Any, int]:
    """Number records that have no number, inside the caller's transaction: those of `fixed`
    with their known numbers (the counter raised past them first), the others with the next
    numbers of the counter, in the order given."""
    tx = tx.whole_account()  # numbering counts every record of the account, whoever asks
    numbers = dict(fixed or {})
    counter_id = sequence(tx.account_id, kind)
    if numbers:
        await tx["counters"].update_one(
            {"_id": counter_id}, {"$max": {"value": max(numbers.values())}}, upsert=True
        )
    others = [r for r in dict.fromkeys(record_ids) if r is not None and r not in numbers]
    if others:
        counter = await tx["counters"].find_one_and_update(
            {"_id": counter_id},
            {"$inc": {"value": len(others)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        first = int(counter["value"]) - len(others) + 1  # type: ignore[index]
        numbers.update({record_id: first + at for at, record_id in enumerate(others)})
    if numbers:
        await tx["rest_ids"].insert_many(
            [{"kind": kind, "record_id": key, "number": number} for key, number in numbers.items()]
        )
    return numbers


def _duplicate(clash: DuplicateKeyError | BulkWriteError) -> bool:
    details = getattr(clash, "details", None) or {}
    codes = {e.get("code") for e in details.get("writeErrors", [])} or {clash.code}
    return 11000 in codes


async def numbers_of(scope: Scope, wanted: Mapping[str, Iterable[Any]]) -> Numbers:
    """The REST numbers of records, by kind; the records without one are numbered now, all of
    them in one transaction (see the module's notes)."""
    scope = scope.whole_account()  # a number hidden from the caller would be given twice
    lists = _listed(wanted)
    found = await _read(scope, lists)
    if all(len(found[kind]) == len(ids) for kind, ids in lists.items()):
        return found

    async def assign(tx: Tx) -> Numbers:
        current = await _read(tx, lists)
        for kind, ids in lists.items():
            missing = [r for r in ids if r not in current[kind]]
            if missing:
                current[kind].update(await number_new(tx, kind, missing))
        return current

    for attempt in range(ATTEMPTS):
        try:
            return await scope.transact(assign)
        except (DuplicateKeyError, BulkWriteError) as clash:
            # another request numbered some of them first: read again and number the rest
            if not _duplicate(clash) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def record_of(scope: Scope, kind: str, number: int) -> Any:
    """The record a REST number names in the scope's account; None when it names none."""
    return (await records_of(scope, kind, [number])).get(number)


async def records_of(scope: Scope, kind: str, numbers: list[int]) -> dict[int, Any]:
    """The records these REST numbers name in the scope's account, in one query (numbers
    naming none are left out)."""
    cursor = scope["rest_ids"].find(
        {"kind": kind, "number": {"$in": numbers}}, {"number": 1, "record_id": 1}
    )
    return {doc["number"]: doc["record_id"] async for doc in cursor}


async def entries_of(scope: Scope, kind: str, record_ids: list[Any]) -> dict[Any, RawDoc]:
    """The stored entries (number, legacy values) of records, numbering those without one."""
    await numbers_of(scope, {kind: record_ids})
    cursor = scope["rest_ids"].find({"kind": kind, "record_id": {"$in": record_ids}})
    return {doc["record_id"]: doc async for doc in cursor}


async def fix_number(
    scope: Scope,
    kind: str,
    record_id: Any,
    number: int,
    legacy: dict[str, Any] | None = None,
    imported: dict[str, Any] | None = None,
) -> None:
    """Give a record a known number (a documented example, an imported record), with the old
    API's values it had then; the counter is raised past it in the same transaction, so
    numbers given later never clash with it."""
    values: dict[str, Any] = {"number": number}
    if legacy is not None:
        values.update(legacy=legacy, imported=imported or {})

    async def write(tx: Tx) -> None:
        await tx["counters"].update_one(
            {"_id": sequence(tx.account_id, kind)}, {"$max": {"value": number}}, upsert=True
        )
        await tx["rest_ids"].update_one(
            {"kind": kind, "record_id": record_id}, {"$set": values}, upsert=True
        )

    await scope.transact(write)
