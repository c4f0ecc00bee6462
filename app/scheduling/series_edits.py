"""Changing a series: this and following, one occurrence, or the rest of it.

Each is a change of the whole series (`EventGroupStore.change`) that ends it, or takes an
occurrence out, and rebooks its visits from a moment on. Every edit is one transaction: the
series (revision-checked, audited) and the visits it rebooks, creates and removes (see
`series.py` for what is never rewritten). Past visits are never rewritten: edits take effect
from now on, and `at`/`from` in the past are refused. Removed visits are cancelled and
soft-deleted (restorable, with the reason in the trail).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from app.common.clock import now
from app.common.patch import patched
from app.common.services import Actor, RawDoc, decode
from app.errors import ErrorCode, ServiceError
from app.scheduling.documents import EventGroup, as_utc
from app.scheduling.recurrence import (
    RULE,
    days_before,
    days_from,
    first_after,
    occurrences,
    rule_only,
)
from app.scheduling.scheduled_documents import Scheduled
from app.scheduling.series import SeriesChange, kept_reasons, live_visits

if TYPE_CHECKING:
    from app.scheduling.services import EventGroupStore

ONE_SECOND = dt.timedelta(seconds=1)


def _future(moment: dt.datetime, field: str) -> dt.datetime:
    moment = as_utc(moment)
    if moment < now():
        raise ServiceError.one(
            "Past visits are not rewritten: choose a moment from now on.", ErrorCode.INVALID, field
        )
    return moment


async def _live_group(groups: EventGroupStore, actor: Actor, key: Any, revision: int) -> RawDoc:
    current = await groups.get(actor, key)
    groups.check_revision(current, revision)
    groups.check_not_deleted(current)
    return current


async def split(
    groups: EventGroupStore,
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
    # the caller's changes are checked; the rest is the old series' (its rates too)
    groups.refuse_unwritable(actor, [changes], None)
    successor_data = patched(data, changes, EventGroup)
    (successor,) = await groups.prepared(actor.computing(), [successor_data], None)
    successor["materialised_until"] = current.get("materialised_until")
    ending = {"until": at - ONE_SECOND, "count": None, "rdate": days_before(old, "rdate", at)}
    return await groups.change(
        actor, key, revision, ending, since=at, successor=successor, reason="Moved to a new series."
    )


async def cancel_from(
    groups: EventGroupStore,
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
    return await groups.change(
        actor, key, revision, ending, since=moment, reason="Series cancelled from here."
    )


async def cancel_occurrence(
    groups: EventGroupStore,
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
    scope = groups.scope(actor)
    visits = await live_visits(scope, key, start)
    mine = [v for v in visits if as_utc(v["series_start"]) == start]
    reason = (await kept_reasons(scope, mine)).get(mine[0]["_id"] if mine else None)
    if reason is not None and reason.value != "exception":
        raise ServiceError.one(
            f"This visit is {reason.value}: it is kept, not cancelled.",
            ErrorCode.INVALID_STATE,
            "start",
        )
    excluded = [*(decode(current).get("excluded") or []), start]
    return await groups.change(
        actor, key, revision, {"excluded": excluded}, since=start, reason="Occurrence cancelled."
    )
