"""Changing a series: the whole of it, this and following, one occurrence, or the rest of it.

Every edit is one transaction: the series (revision-checked, audited) and the visits it
rebooks, creates and removes (see `series.py` for what is never rewritten). Past visits are
never rewritten: edits take effect from now on, and `at`/`from` in the past are refused.
Removed visits are cancelled and soft-deleted (restorable, with the reason in the trail).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from app.common.clock import now
from app.common.services import Actor, RawDoc, decode
from app.errors import ErrorCode, ServiceError
from app.scheduling.documents import EventGroup, Scheduled, as_utc
from app.scheduling.recurrence import (
    RULE,
    days_before,
    days_from,
    first_after,
    occurrences,
    rule_only,
)
from app.scheduling.series import (
    SeriesChange,
    ended_before,
    horizon,
    kept_reasons,
    live_visits,
    rebook,
    write_plan,
)

if TYPE_CHECKING:
    from app.scheduling.services import EventGroupStore, EventStore

REBOOKING = {*Scheduled.model_fields, *RULE, "start", "end", "excluded"}
"""Changes to these rebook the series' future visits."""
ONE_SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)
"""Visits started up to a day before an edit take effect keep their day (today's visit)."""


async def change(
    groups: EventGroupStore,
    events: EventStore,
    actor: Actor,
    key: Any,
    revision: int,
    changes: dict[str, Any],
    since: dt.datetime | None = None,
    successor: RawDoc | None = None,
    reason: str = "Changed with its series.",
) -> SeriesChange:
    """Update a series; if its rule or template changed, rebook its visits from `since` (now
    by default) in the same transaction, under the series itself or under a `successor`."""
    result = SeriesChange(group={})
    if successor is None and not REBOOKING & set(changes):
        result.group = await groups.update_with(actor, key, revision, changes, None)
        return result
    current = await groups.get(actor, key)
    bound = as_utc(current.get("materialised_until")) or horizon(
        await groups._account(actor), now()
    )

    async def after(session: AsyncClientSession, group: RawDoc) -> None:
        start = max(since or now(), now())
        # read in the transaction: what is kept is judged on what the writes will replace
        visits = await live_visits(groups.database, actor.account_id, key, start - DAY, session)
        target = successor or group
        plan = await rebook(groups.database, events, actor, target, start, bound, visits, session)
        if successor is not None:
            successor["ended"] = ended_before(successor, bound)
            await groups.insert_within(session, actor, [successor])
        replaced = [*(old["_id"] for old, _ in plan.replace), *(v["_id"] for v in plan.remove)]
        again = replaced if events.checks_conflicts else None
        await write_plan(session, groups.database, actor, plan, reason, recheck=again)
        group["materialised_until"] = as_utc(group.get("materialised_until")) or bound
        group["ended"] = ended_before(group, group["materialised_until"])
        marks = {name: group[name] for name in ("materialised_until", "ended")}
        await groups.collection.update_one({"_id": key}, {"$set": marks}, session=session)
        result.booked = [*plan.create, *(new for _, new in plan.replace)]
        result.removed, result.kept = plan.remove, plan.kept

    result.group = await groups.update_with(actor, key, revision, changes, after)
    result.successor = successor
    return result


def _future(moment: dt.datetime, field: str) -> dt.datetime:
    moment = as_utc(moment)
    if moment < now():
        raise ServiceError.one(
            "Past visits are not rewritten: choose a moment from now on.", ErrorCode.INVALID, field
        )
    return moment


async def _live_group(groups: EventGroupStore, actor: Actor, key: Any, revision: int) -> RawDoc:
    current = await groups.get(actor, key)
    groups._check_revision(current, revision)
    groups._check_not_deleted(current)
    return current


async def split(
    groups: EventGroupStore,
    events: EventStore,
    actor: Actor,
    key: Any,
    revision: int,
    at: dt.datetime,
    changes: dict[str, Any],
) -> SeriesChange:
    """ "This and following": the series ends before `at`, and a new series made of it and
    the changes starts at its first occurrence from `at` on (at the old time of day unless
    `start` is given; refused if there is none); its
    visits from `at` on are rebooked under the new series, and its kept ones go to the new
    series as they are, holding their days. A series that ended after a count keeps the
    count left."""
    at = _future(at, "at")
    current = await _live_group(groups, actor, key, revision)
    old = EventGroup.model_validate(decode(current)).model_dump()
    if at <= as_utc(old["start"]):
        raise ServiceError.one(
            "The series starts then: change the whole series instead.", ErrorCode.INVALID, "at"
        )
    # the new series keeps the old time of day, and its rule's phase: it starts on the rule's
    # own next occurrence (an extra day before it goes with it, as an extra day)
    first = first_after(rule_only(current), at)
    if first is None:
        raise ServiceError.one("The series has ended by then.", ErrorCode.INVALID, "at")
    data = {name: old[name] for name in (*Scheduled.model_fields, *RULE)}
    length = as_utc(old["end"]) - as_utc(old["start"])
    data.update(start=first, end=first + length)
    data["excluded"] = [moment for moment in old["excluded"] if as_utc(moment) >= at]
    data.update(rdate=days_from(old, "rdate", at), exdate=days_from(old, "exdate", at))
    if old.get("count") is not None:
        # RFC 5545: an excluded date still uses up its place in the COUNT, extra days none
        done = len(occurrences(rule_only(current), old["start"], first))
        if done >= old["count"]:
            raise ServiceError.one("The series has ended by then.", ErrorCode.INVALID, "at")
        data["count"] = old["count"] - done
    if "start" in changes and "end" not in changes:
        changes = {**changes, "end": as_utc(changes["start"]) + length}
    for one, other in (("count", "until"), ("until", "count")):
        if changes.get(one) is not None and other not in changes:
            data[other] = None
    (successor,) = await groups.prepared(actor, [{**data, **changes}], None)
    successor["materialised_until"] = current.get("materialised_until")
    ending = {"until": at - ONE_SECOND, "count": None, "rdate": days_before(old, "rdate", at)}
    return await change(
        groups, events, actor, key, revision, ending, at, successor, "Moved to a new series."
    )


async def cancel_from(
    groups: EventGroupStore,
    events: EventStore,
    actor: Actor,
    key: Any,
    revision: int,
    moment: dt.datetime,
) -> SeriesChange:
    """End the series before a moment and remove its visits from then on (kept ones stay)."""
    moment = _future(moment, "from")
    current = await _live_group(groups, actor, key, revision)
    if moment <= as_utc(current["start"]):
        raise ServiceError.one(
            "The series starts then: delete it instead.", ErrorCode.INVALID, "from"
        )
    before = days_before(decode(current), "rdate", moment)
    ending = {"until": moment - ONE_SECOND, "count": None, "rdate": before}
    return await change(
        groups, events, actor, key, revision, ending, moment, None, "Series cancelled from here."
    )


async def cancel_occurrence(
    groups: EventGroupStore,
    events: EventStore,
    actor: Actor,
    key: Any,
    revision: int,
    start: dt.datetime,
) -> SeriesChange:
    """Take one occurrence out of the series (EXDATE) and remove its visit. Refused for an
    occurrence that is not in the rule, already past, clocked or invoiced."""
    start = _future(start, "start")
    current = await _live_group(groups, actor, key, revision)
    if start not in occurrences(current, start, start + ONE_SECOND):
        raise ServiceError.one(
            "The series has no occurrence starting then.", ErrorCode.INVALID, "start"
        )
    visits = await live_visits(groups.database, actor.account_id, key, start)
    mine = [v for v in visits if as_utc(v["series_start"]) == start]
    reason = (await kept_reasons(groups.database, actor.account_id, mine)).get(
        mine[0]["_id"] if mine else None
    )
    if reason is not None and reason.value != "exception":
        raise ServiceError.one(
            f"This visit is {reason.value}: it is kept, not cancelled.",
            ErrorCode.INVALID_STATE,
            "start",
        )
    excluded = [*(decode(current).get("excluded") or []), start]
    return await change(
        groups, events, actor, key, revision, {"excluded": excluded}, start, None,
        "Occurrence cancelled.",
    )  # fmt: skip
