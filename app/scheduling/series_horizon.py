"""Booking series further ahead: on demand (`eventGroupExtend`) and by the server's job.

Extending books the occurrences from where the series stopped (`materialised_until`) to a
new moment, skipping any already booked, and moves `materialised_until` only if nobody moved
it meanwhile (compare and set, in the same transaction as the visits). A unique index on
events (account, series, series start) backs this up: running twice never books an
occurrence twice. Extensions do not change the series' revision: a scheduler's pending edit
is not refused because the job ran. The job reads the accounts through `System` and acts in
each through a scope of its own, named in the trail as the job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.common.clock import now
from app.common.services import Actor, RawDoc, decode
from app.data.scope import Scope
from app.data.system import System
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.scheduling.documents import as_utc
from app.scheduling.recurrence import first_after, occurrences
from app.scheduling.series import (
    FURTHEST,
    Plan,
    SeriesChange,
    booking_from,
    ended_before,
    horizon,
    visits_for,
    write_plan,
)

if TYPE_CHECKING:
    from app.scheduling.services import EventGroupStore, EventStore

log = logging.getLogger(__name__)
JOB_ACTOR = "series horizon job"


async def extend(
    groups: EventGroupStore, events: EventStore, actor: Actor, key: Any, until: dt.datetime
) -> SeriesChange:
    """Book a series' visits up to `until` (at most 105 weeks ahead)."""
    group = await groups.get(actor, key)
    groups.check_not_deleted(group)
    until = as_utc(until)
    if until > now() + FURTHEST:
        raise ServiceError.one(
            "A series is booked at most 105 weeks ahead.", ErrorCode.INVALID, "until"
        )
    return await extend_group(groups.scope(actor), events, group, until)


async def extend_group(
    scope: Scope, events: EventStore, group: RawDoc, until: dt.datetime
) -> SeriesChange:
    """Book the occurrences from where the series stopped to `until`, none of them twice."""
    stopped = group.get("materialised_until")
    since = as_utc(stopped) or booking_from(group, now())
    if until <= since:
        return SeriesChange(group=group)
    starts = occurrences(group, since, until, field="until")
    query = {
        "_group": group["_id"],
        "_deleted": {"$ne": True},
        "series_start": {"$gte": since, "$lt": until},
    }
    # every booked occurrence, whoever may read it: none is booked twice
    booked = scope.whole_account()["events"].find(query)
    taken = {as_utc(v["series_start"]) async for v in booked}
    fresh = [s for s in starts if s not in taken]
    visits = await visits_for(events, scope.actor, group, fresh, "visits")
    guard = {"_id": group["_id"], "materialised_until": stopped}

    async def write(tx: Tx) -> None:
        marks = {"materialised_until": until, "ended": ended_before(group, until)}
        moved = await tx["eventsgroups"].update_one(guard, {"$set": marks})
        if moved.matched_count != 1:
            raise _extended_meanwhile()
        again = () if events.checks_conflicts else None
        await write_plan(tx, Plan(create=visits), "", recheck=again)

    try:
        await scope.transact(write)
    except (DuplicateKeyError, BulkWriteError):
        raise _extended_meanwhile() from None
    return SeriesChange(group={**group, "materialised_until": until}, booked=visits)


def _extended_meanwhile() -> ServiceError:
    return ServiceError.one(
        "This series was extended or changed meanwhile; reload it.", ErrorCode.CONFLICT, "id"
    )


async def extend_all(database: Database, events: EventStore, moment: dt.datetime) -> int:
    """Book every live series of every account to its account's horizon; the visits booked.

    One query per account for its live series behind the horizon that have not ended; a
    series found to have ended is marked so (`ended`) and left out from then on. A series
    that fails, for whatever reason, is logged with its account and left for the next run:
    the others are booked all the same.
    """
    booked, system = 0, System(database)
    async for account in system.accounts({"scheduler_settings": 1}):
        bound = horizon(decode(account), moment)
        scope = system.scope_for(account["_id"], JOB_ACTOR)
        behind = {
            "_deleted": {"$ne": True},
            "ended": {"$ne": True},
            "$or": [{"materialised_until": None}, {"materialised_until": {"$lt": bound}}],
        }
        async for group in scope["eventsgroups"].find(behind):
            try:
                booked += await _extend_one(scope, events, group, moment, bound)
            except Exception as failure:  # one bad series must not keep the others unbooked
                unexpected = not isinstance(failure, ServiceError)
                where = (group["_id"], account["_id"], failure)
                log.warning("series %s of account %s not extended: %r", *where, exc_info=unexpected)
    return booked


async def _extend_one(
    scope: Scope,
    events: EventStore,
    group: RawDoc,
    moment: dt.datetime,
    bound: dt.datetime,
) -> int:
    """Book one series to the bound, or mark it ended; the visits booked."""
    stopped = group.get("materialised_until")
    upcoming = first_after(group, as_utc(stopped) or booking_from(group, moment))
    if upcoming is None:
        guard = {"_id": group["_id"], "materialised_until": stopped}
        await scope["eventsgroups"].update_one(guard, {"$set": {"ended": True}})
        return 0
    if upcoming >= bound:
        return 0
    return len((await extend_group(scope, events, group, bound)).booked)


JOB_LEASE = "series_horizon"


async def run_job(
    database: Database, events: EventStore, every: dt.timedelta, holder: str = "serve"
) -> None:
    """Extend every series now, then every `every`, until cancelled: in one process at a
    time, the one holding the job's lease (the others skip their turn while it is held; its
    holder renews it each turn, and it runs out `every` after one that stopped)."""
    system = System(database)
    while True:
        try:
            if await system.lease(JOB_LEASE, holder, every.total_seconds()):
                booked = await extend_all(database, events, now())
                if booked:
                    log.info("series horizon job booked %d visits", booked)
        except asyncio.CancelledError:
            raise
        except Exception:  # the job must outlive a bad night: log, and try again next time
            log.exception("series horizon job failed; trying again later")
        await asyncio.sleep(every.total_seconds())
