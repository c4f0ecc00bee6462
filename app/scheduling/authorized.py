"""A visit that takes a patient past a payer's service authorization: an
AUTHORIZATION_EXCEEDED schedule conflict (a scheduler may book it with an override; invoicing
then refuses to bill past the authorization: `app.billing.authorized`).

Each authorization period a visit falls in (`app.patients.authorizations`, the visit's day in
the account's time zone) adds up the patient's booked visits of that service in the period,
those stored first (not cancelled or deleted, and not the ones rewritten here), then the visits
checked, in order of start: the visit that takes the total past the units is in conflict. A
visit counts its scheduled hours, or 1 for a service counted per VISIT. One read per patient
with authorizations, on the (patient, start) index.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from app.common.days import local_midnight
from app.common.services import RawDoc, snapshot_id
from app.data.unit import Tx
from app.patients.authorizations import Window, has_authorizations, over_message, unit_word
from app.patients.authorizations import windows as authorization_windows
from app.scheduling.booked_time import Conflict, Reader, Rules, attending, booked
from app.scheduling.documents import as_utc
from app.scheduling.overrides import ConflictKind

FIELDS = {"start": 1, "end": 1, "status": 1, "_deleted": 1, "service.code": 1}
Counted = list[tuple[int, RawDoc, list[Window]]]


def _units(visit: RawDoc, rules: Rules) -> Decimal:
    if (visit.get("service") or {}).get("code") in rules.per_visit:
        return Decimal(1)
    start, end = as_utc(visit["start"]), as_utc(visit["end"])
    assert start is not None and end is not None
    return Decimal(round((end - start).total_seconds())) / Decimal(3600)


def _day(visit: RawDoc, rules: Rules) -> dt.date:
    start = as_utc(visit["start"])
    assert start is not None
    return start.astimezone(ZoneInfo(rules.zone)).date()


def _windows(
    visits: Sequence[RawDoc], patients: dict[Any, RawDoc], rules: Rules
) -> dict[Any, Counted]:
    """By patient, the visits checked here that fall in authorization periods, with them."""
    found: dict[Any, Counted] = {}
    for index, visit in enumerate(visits):
        if not booked(visit) or not visit.get("start") or not visit.get("end"):
            continue
        key = snapshot_id(visit.get("patient"))
        patient = patients.get(key)
        if not has_authorizations(patient):
            continue
        code = str((visit.get("service") or {}).get("code"))
        spans = authorization_windows(patient, code, _day(visit, rules), rules.week_start)
        if spans:
            found.setdefault(key, []).append((index, visit, spans))
    return found


async def over_authorizations(
    reader: Reader,
    patients: dict[Any, RawDoc],
    visits: Sequence[RawDoc],
    ignore: Collection[ObjectId],
    rules: Rules,
) -> dict[int, list[Conflict]]:
    """By index of `visits`, the authorizations each takes its patient past (see the module)."""
    counted = _windows(visits, patients, rules)
    if not counted:
        return {}
    zone = ZoneInfo(rules.zone)
    reads = [_stored(reader, key, [w for _, _, ws in rows for w in ws], zone)
             for key, rows in counted.items()]  # fmt: skip
    # a session runs one command at a time: in a transaction the reads go in turn
    stored = [await r for r in reads] if isinstance(reader, Tx) else await asyncio.gather(*reads)
    rewritten = {visit.get("_id") for visit in visits} | set(ignore)
    found: dict[int, list[Conflict]] = {}
    for (key, rows), theirs in zip(counted.items(), stored, strict=True):
        totals: dict[Window, Decimal] = {}
        for window in {w for _, _, ws in rows for w in ws}:
            totals[window] = sum(
                (_units(v, rules) for v in theirs if v["_id"] not in rewritten and booked(v)
                 and (v.get("service") or {}).get("code") == window.service
                 and window.first <= _day(v, rules) <= window.last),
                Decimal(0),
            )  # fmt: skip
        for index, visit, spans in sorted(rows, key=lambda row: as_utc(row[1]["start"])):
            for window in spans:
                totals[window] += _units(visit, rules)
                if totals[window] > window.units:
                    unit = unit_word(window.service in rules.per_visit)
                    message = over_message(window, patients.get(key), totals[window], unit)
                    carer = next((a["user"] for a in attending(visit)), None)
                    conflict = Conflict(ConflictKind.AUTHORIZATION_EXCEEDED, message, carer)
                    found.setdefault(index, []).append(conflict)
    return found


async def _stored(
    reader: Reader, patient: Any, spans: list[Window], zone: dt.tzinfo
) -> list[RawDoc]:
    """The patient's visits starting on the periods' days (index keys only: patient, start)."""
    first = min(window.first for window in spans)
    last = max(window.last for window in spans)
    query = {
        "patient._id": patient,
        "start": {
            "$gte": local_midnight(first, zone),
            "$lt": local_midnight(last + dt.timedelta(days=1), zone),
        },
    }
    return [doc async for doc in reader["events"].find(query, FIELDS)]
