"""Making, generating, changing, closing, deleting and restoring payrolls and their lines;
adjustments on lines."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.common.codes import Permission
from app.common.routing import routing_for
from app.graphql.arguments import RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    payload_type,
    restore_mutation,
    update_mutation,
)
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.modeled import input_type
from app.graphql.payloads import UserError, attempt
from app.payroll.documents import PayrollAdjustment as PayrollAdjustmentDocument
from app.payroll.generation import MAX_PERIOD_DAYS, GeneratedPayroll, generate_payroll
from app.payroll.inputs import (
    PayrollCreateInput,
    PayrollUpdateInput,
    PayrollUserCreateInput,
    PayrollUserUpdateInput,
)
from app.payroll.services import payroll_store, payroll_user_store
from app.payroll.types import Payroll, PayrollUser
from app.visits.review_types import HeldPunchcard

PAYROLL = RecordSpec(
    node=Payroll,
    field="payroll",
    plural="payrolls",
    store=payroll_store,
    permission=Permission.MANAGE_PAYROLL,
    create_input=PayrollCreateInput,
    update_input=PayrollUpdateInput,
)


@strawberry.type
class PayrollMutations:
    payroll_create = create_mutation(PAYROLL, "payrollCreate")
    payroll_update = update_mutation(PAYROLL, "payrollUpdate")
    payroll_delete = delete_mutation(PAYROLL, "payrollDelete")
    payroll_restore = restore_mutation(PAYROLL, "payrollRestore")
    payroll_import = import_mutation(PAYROLL, "payrollImport")


PAYROLL_USER = RecordSpec(
    node=PayrollUser,
    field="payroll_user",
    plural="payroll_users",
    store=payroll_user_store,
    permission=Permission.MANAGE_PAYROLL,
    create_input=PayrollUserCreateInput,
    update_input=PayrollUserUpdateInput,
)


@strawberry.type
class PayrollUserMutations:
    payroll_user_create = create_mutation(PAYROLL_USER, "payrollUserCreate")
    payroll_user_update = update_mutation(PAYROLL_USER, "payrollUserUpdate")
    payroll_user_delete = delete_mutation(PAYROLL_USER, "payrollUserDelete")
    payroll_user_restore = restore_mutation(PAYROLL_USER, "payrollUserRestore")
    payroll_user_import = import_mutation(PAYROLL_USER, "payrollUserImport")


PayrollPayload = payload_type(Payroll, "payroll")
GENERATE_DESCRIPTION = (
    "Generate the payroll of a period from its punchcards: one line per caregiver with payable "
    "punchcards (not deleted, with pay, not yet in a payroll, whose day in the account's time "
    "zone is in the period, and not held back by the office's review: `heldForReview` lists "
    "those), each paying its hours at the punchcard's pay rate. Hours past the "
    "account's weekly overtime threshold (weeks start on its `weekStart`; the hours of the "
    "week already paid by any payroll, open or closed, count first, whatever their days; then "
    "the period's punchcards add up in clock-in order, so a visit crossing the threshold is "
    "split) are paid at the overtime multiplier; hours past the daily threshold, when the "
    "account sets one (`overtimeDailyHours`), at the daily multiplier, and those do not count "
    "toward the weekly threshold; hours on a statutory "
    "holiday at the holiday multiplier; overtime on a holiday at the higher of the two, never "
    "both (holiday hours count toward the thresholds unless "
    "`holidayHoursCountTowardOvertime` is off). The drive to each visit from the caregiver's "
    "visit before it that day pays mileage (`mileageRate` per `distanceUnit`) and travel "
    "time (`payTravelTime`, at most `maxTravelMinutes`) with it; a holiday of the period "
    "that a caregiver who worked the 28 days before did not work pays them as "
    "`holidayPayNotWorked` says. Each amount is rounded once with the account's money "
    "rounding, and the punchcard gets the payroll and that pay (`amount`, `overtimeHours`, "
    "`dailyOvertimeHours`, `holiday`, `travel`), all "
    "in one transaction: a punchcard is paid once, even when two generations run at once. "
    "Refused with INVALID_STATE when an open payroll overlaps the period, its extra days "
    "included (add to it instead; two generations of overlapping periods at once make one), "
    "or nothing is payable; a closed one does not stop it (late punchcards get a new "
    "payroll). Needs MANAGE_PAYROLL."
)


async def _close(info: Info, id: RecordId, revision: Revision) -> Any:
    async def act() -> Payroll:
        actor = actor_of(info, PAYROLL.permission)
        store = payroll_store(info.context.database)
        return Payroll.from_doc(await store.close(actor, PAYROLL.key(id), revision))

    record, errors = await attempt(act())
    return PayrollPayload(payroll=record, user_errors=errors)


_close.__annotations__["return"] = PayrollPayload
_close.__annotations__["info"] = Info


@strawberry.type
class PayrollCloseMutations:
    payroll_close = strawberry.mutation(
        resolver=_close,
        description="Close a payroll once it is paid: from then on neither it nor its lines "
        "(nor the punchcards it pays) can change. Refused with CONFLICT if `revision` is not "
        "the current one. Needs MANAGE_PAYROLL.",
    )


PayrollUserPayload = payload_type(PayrollUser, "payroll_user")
PAYROLL_USER_KEY = "PayrollUser"
if TYPE_CHECKING:
    PayrollAdjustmentInput = Any
else:
    PayrollAdjustmentInput = input_type(PayrollAdjustmentDocument)


@strawberry.input(description="The days a payroll pays: from one day to another, both included.")
class PayrollPeriodInput:
    start: dt.date = strawberry.field(description="The first day of the period.")
    end: dt.date = strawberry.field(
        description=f"The last day of the period; at most {MAX_PERIOD_DAYS} days after the first."
    )


@strawberry.input(description="How a payroll is generated.")
class PayrollGenerateOptions:
    dry_run: bool = strawberry.field(
        default=False,
        description="Compute the payroll and its lines and return them, storing nothing (no "
        "payroll, no line, no punchcard marked). Their ids are not stored, and the lines' "
        "`payroll` is null.",
    )


@strawberry.type(description="The result of a payroll generation.")
class PayrollGeneratePayload:
    payroll: Payroll | None = strawberry.field(
        description="The payroll generated, with its totals; null if refused."
    )
    lines: list[PayrollUser] = strawberry.field(
        description="Its lines, one per caregiver paid, by the caregiver's name; empty if refused."
    )
    dry_run: bool = strawberry.field(
        description="True when nothing was stored (the options asked for a dry run)."
    )
    held_for_review: list[HeldPunchcard] = strawberry.field(
        description="The period's punchcards not paid because they wait for the office's "
        "review or were rejected (visitReviews), and why."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )


@strawberry.type
class PayrollGenerateMutations:
    @strawberry.mutation(description=GENERATE_DESCRIPTION)
    async def payroll_generate(
        self,
        info: Info,
        period: Annotated[
            PayrollPeriodInput, strawberry.argument(description="The days of work to pay.")
        ],
        options: Annotated[
            PayrollGenerateOptions | None,
            strawberry.argument(description="How the payroll is made; left out, the defaults."),
        ] = None,
    ) -> PayrollGeneratePayload:
        dry_run = bool(options and options.dry_run)

        async def act() -> GeneratedPayroll:
            actor_of(info, Permission.MANAGE_PAYROLL)
            scope = info.context.scope
            routing = routing_for(info.context.settings)
            return await generate_payroll(scope, period.start, period.end, dry_run, routing)

        done, errors = await attempt(act())
        if done is None:
            return PayrollGeneratePayload(
                payroll=None, lines=[], dry_run=dry_run, held_for_review=[], user_errors=errors
            )
        payroll = (
            Payroll.unsaved(done.payroll, done.lines) if dry_run else Payroll.from_doc(done.payroll)
        )
        lines = PayrollUser.from_docs(done.lines)
        held = HeldPunchcard.of(done.held)
        return PayrollGeneratePayload(
            payroll=payroll, lines=lines, dry_run=dry_run, held_for_review=held, user_errors=[]
        )


@strawberry.type
class PayrollUserAdjustmentMutations:
    @strawberry.mutation(
        description="Add an adjustment (mileage, a bonus, a reimbursement: they add; a "
        "deduction: it subtracts) to a payroll line; the line's and its payroll's totals "
        "follow. Refused with INVALID_STATE when the payroll is closed, and with CONFLICT if "
        "`revision` is not the line's current one. Needs MANAGE_PAYROLL."
    )
    async def payroll_user_adjustment_add(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        adjustment: Annotated[
            PayrollAdjustmentInput, strawberry.argument(description="The adjustment to add.")
        ],
    ) -> PayrollUserPayload:  # type: ignore[valid-type]
        async def act() -> PayrollUser:
            actor = actor_of(info, Permission.MANAGE_PAYROLL)
            store = payroll_user_store(info.context.database)
            key = decode_global_id(id, PAYROLL_USER_KEY, "id")
            data = input_data(adjustment, PayrollAdjustmentDocument, "adjustment")
            return PayrollUser.from_doc(await store.add_adjustment(actor, key, revision, data))

        record, errors = await attempt(act())
        return PayrollUserPayload(payroll_user=record, user_errors=errors)

    @strawberry.mutation(
        description="Take an adjustment off a payroll line, by its position in the line's "
        "`adjustments` (from 0); the totals follow. Refused with INVALID_STATE when the "
        "payroll is closed, NOT_FOUND when there is no adjustment at that position, and "
        "CONFLICT if `revision` is not the line's current one. Needs MANAGE_PAYROLL."
    )
    async def payroll_user_adjustment_remove(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        index: Annotated[
            int,
            strawberry.argument(
                description="The adjustment's position in the line's `adjustments`, from 0."
            ),
        ],
    ) -> PayrollUserPayload:  # type: ignore[valid-type]
        async def act() -> PayrollUser:
            actor = actor_of(info, Permission.MANAGE_PAYROLL)
            store = payroll_user_store(info.context.database)
            key = decode_global_id(id, PAYROLL_USER_KEY, "id")
            return PayrollUser.from_doc(await store.remove_adjustment(actor, key, revision, index))

        record, errors = await attempt(act())
        return PayrollUserPayload(payroll_user=record, user_errors=errors)
