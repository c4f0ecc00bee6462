"""The office's correction of a punchcard's punches (`punchcardUpdate` changing the actual
clock-in or clock-out).

A correction is computed as the clock-out computes (`worked.py`): hours billed and paid from
the corrected times under the account's rounding rules, and each punch's time flags again
(its place flags stay: the positions did not change). It keeps the rates the punchcard
already carries (a correction fixes times, not prices), else takes the visit's as the
clock-out would. It needs a reason code (`correction.reason`, REQUIRED), records who made it
and when, and keeps the punches as first recorded beside the corrected ones. An invoiced or
paid punchcard is not corrected: its invoice is credited, or its caregiver's pay adjusted.
A clocked punchcard's times are corrected, never cleared (`actual: null` would leave the
hours and pay they earned with no times behind them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.clock import as_utc, now
from app.common.documents import field_extra
from app.common.services import Actor, RawDoc, decode, snapshot_id
from app.data.scope import Scope
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.documents import (
    CorrectionReason,
    Punch,
    Punchcard,
    PunchcardActual,
    PunchFlagKind,
)
from app.visits.reviews import checked_code, code_for_correction, reviewed
from app.visits.worked import (
    TIME_FLAGS,
    Worked,
    live_event,
    not_in_future,
    settings_of,
    within_a_day,
    worked,
)

TIMES = ("clock_in", "clock_out")
VERIFIED = tuple(
    name for name, info in PunchcardActual.model_fields.items() if field_extra(info).get("readonly")
)
"""What only the punches and corrections record of `actual` (distances, the punches as first
recorded): no input holds them, so a change of `actual` keeps them."""
COMPUTED = ("bill", "pay")
"""What a correction computes, so the same change may not also give it."""


def moves_punches(stored: RawDoc, changes: dict[str, Any]) -> bool:
    """Whether the changes give an actual clock-in or clock-out other than the stored one."""
    given, before = changes.get("actual"), stored.get("actual") or {}
    if not isinstance(given, dict):
        return False
    return any(name in given and _utc(given[name]) != _utc(before.get(name)) for name in TIMES)


async def corrected(scope: Scope, current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes of a punchcard update, completed when they correct its punches: the actual
    times over the stored record, the bill, pay and flags computed again, the correction
    recorded. Other changes are returned as they are; clearing the times of a clocked
    punchcard is refused (INVALID on `input.actual`: correct them instead)."""
    actor = scope.actor
    _refuse_clearing(current, changes)
    if not moves_punches(current, changes):
        restated = _restated(actor, current, changes)
        if "correction" not in restated:
            return restated
        account = await scope["accounts"].find_one({"_id": actor.account_id}) or {}
        return _coded(account, restated)
    _refuse_settled(current)
    _check_asked(changes)
    stored = Punchcard.model_validate(decode(current)).model_dump()
    before = stored.get("actual") or {}
    actual = {**before, **changes["actual"]}
    clock_in = not_in_future(actual["clock_in"], "input.actual.clockIn")
    clock_out = actual.get("clock_out")
    if clock_out is not None:
        clock_out = not_in_future(clock_out, "input.actual.clockOut")
        within_a_day(clock_in, clock_out, "input.actual.clockOut")
    if stored.get("correction") is None:  # the first correction: keep the punches as recorded
        actual.update(original_clock_in=before.get("clock_in"),
                      original_clock_out=before.get("clock_out"))  # fmt: skip
    account = await scope["accounts"].find_one({"_id": actor.account_id}) or {}
    if not settings_of(account).allow_overrides:
        raise ServiceError.one(
            "This agency does not let the office correct punches (visitSettings.allowOverrides).",
            ErrorCode.INVALID_STATE,
            "input.actual",
        )
    card = decode(current)
    event = await live_event(scope, card.get("event"))
    done = await worked(scope, account, card, event, clock_in, clock_out)
    flags = _reflagged(stored.get("flags") or [], done)
    result = {
        **changes,
        "actual": actual,
        "flags": flags,
        "correction": signed(actor, changes["correction"]),
        # corrected punches are reviewed again when still flagged or entered by hand
        "review": reviewed(current.get("review"), flags, actual.get("method")),
    }
    if done.bill is not None and done.pay is not None:
        result["bill"] = _priced(done.bill, stored.get("bill"), keep=("billable",))
        result["pay"] = _priced(done.pay, stored.get("pay"))
    return _coded(account, result)


def _coded(account: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes with the correction's reason code checked against the account's codes, or,
    left out, the account's code for its reason (an EVV export sends it)."""
    correction = changes.get("correction")
    if not isinstance(correction, dict):
        return changes
    given = correction.get("reason_code")
    if given:
        code: str | None = checked_code(account, given, "input.correction.reasonCode")
    else:
        code = code_for_correction(account, correction.get("reason"))
    return {**changes, "correction": {**correction, "reason_code": code}}


def signed(actor: Actor, correction: dict[str, Any]) -> dict[str, Any]:
    """A correction with who made it, and when."""
    return {**correction, "user": actor.user_id, "api_client": actor.api_client_name,
            "date": now()}  # fmt: skip


def keep_verification(current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes, with a given `actual` keeping the stored values no input holds."""
    given, before = changes.get("actual"), current.get("actual") or {}
    if not isinstance(given, dict):
        return changes
    kept = {name: before[name] for name in VERIFIED if name in before and name not in given}
    return {**changes, "actual": {**kept, **given}}


def _restated(actor: Actor, current: RawDoc, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes when they give a correction but no new times: the last correction's reason
    or notes put right (signed anew), or the same again (left as it is). A punchcard never
    corrected has no correction to restate, and a correction is never cleared."""
    if "correction" not in changes:
        return changes
    given, stored = changes["correction"], decode(current.get("correction"))
    if stored is None:
        if given is None:
            return {k: v for k, v in changes.items() if k != "correction"}
        raise ServiceError.one(
            "A correction changes the clock-in or clock-out: give them in actual.",
            ErrorCode.INVALID,
            "input.correction",
        )
    if given is None:
        raise ServiceError.one(
            "A correction stays on record: restate its reason instead of clearing it.",
            ErrorCode.INVALID,
            "input.correction",
        )
    _check_asked({"correction": given})
    same = CorrectionReason(given["reason"]).value == stored.get("reason") and (
        given.get("notes") == stored.get("notes")
    )
    if same:
        return {k: v for k, v in changes.items() if k != "correction"}
    return {**changes, "correction": signed(actor, given)}


def _refuse_clearing(current: RawDoc, changes: dict[str, Any]) -> None:
    """A punch recorded stays recorded: clearing its times (`actual: null`, or a null clock-out
    once clocked out) would keep the hours and pay they earned with no times behind them. The
    office corrects the times instead, with a reason."""
    if "actual" not in changes:
        return
    given, before = changes["actual"], current.get("actual") or {}
    remedy = (
        "correct their times in actual instead, with a reason (correction.reason), which "
        "computes the hours and pay again."
    )
    if given is None and before.get("clock_in") is not None:
        raise ServiceError.one(
            f"This punchcard is clocked: its punches are not removed; {remedy}",
            ErrorCode.INVALID,
            "input.actual",
        )
    cleared = isinstance(given, dict) and "clock_out" in given and given["clock_out"] is None
    if cleared and before.get("clock_out") is not None:
        raise ServiceError.one(
            f"This punchcard is clocked out: its clock-out is not removed; {remedy}",
            ErrorCode.INVALID,
            "input.actual.clockOut",
        )


def _refuse_settled(current: RawDoc) -> None:
    """A paid punchcard keeps its punches: what it paid is corrected where the money is. (An
    invoiced one, or one in a closed payroll, changes in nothing: see PunchcardStore.)"""
    if snapshot_id(current.get("payroll")) is not None:
        raise ServiceError.one(
            "This punchcard is paid on a payroll line: its punches no longer change. Adjust the "
            "caregiver's pay on the line (payrollUserAdjustmentAdd), or take it off the line "
            "first.",
            ErrorCode.INVALID_STATE,
            "id",
        )


def _check_asked(changes: dict[str, Any]) -> None:
    """A correction says why, and leaves what it computes to the rules."""
    correction = changes.get("correction") or {}
    problems = []
    if correction.get("reason") is None:
        problems.append(
            Problem(
                "Say why the punches are corrected: a reason code.",
                ErrorCode.REQUIRED,
                "input.correction.reason",
            )
        )
    elif (
        CorrectionReason(correction["reason"]) is CorrectionReason.OTHER
        and not (correction.get("notes") or "").strip()
    ):
        problems.append(
            Problem(
                "Say what happened: the reason is OTHER.",
                ErrorCode.REQUIRED,
                "input.correction.notes",
            )
        )
    problems += [
        Problem(
            f"A correction computes {name} from the corrected times: leave it out.",
            ErrorCode.INVALID,
            f"input.{name}",
        )
        for name in COMPUTED
        if changes.get(name) is not None
    ]
    if problems:
        raise ServiceError(*problems)


def _reflagged(flags: list[RawDoc], done: Worked) -> list[RawDoc]:
    """The place flags as they were, and each punch's time flags for its corrected time."""
    kept = [f for f in flags if PunchFlagKind(f["kind"]) not in TIME_FLAGS]
    return [
        flag
        for punch in Punch
        for flag in [*(f for f in kept if Punch(f["punch"]) is punch), *done.flags.get(punch, [])]
    ]


def _priced(computed: RawDoc, stored: RawDoc | None, keep: tuple[str, ...] = ()) -> RawDoc:
    """Computed hours at the rate the punchcard already carries, if any (and what `keep`
    names); the amount follows from them (see PunchcardBill, PunchcardPay)."""
    if stored is None:
        return computed
    priced = {**computed, **{name: stored[name] for name in keep if name in stored}}
    if stored.get("rate") is not None:
        priced["rate"] = stored["rate"]
    return priced


def _utc(value: Any) -> Any:
    return as_utc(value) if isinstance(value, dt.datetime) else value
