"""Making, changing, closing, deleting and restoring payrolls and their lines."""

from __future__ import annotations

from typing import Any

import strawberry

from app.common.codes import Permission
from app.graphql.context import Info
from app.graphql.crud import RecordSpec, payload_type, record_mutations
from app.graphql.inputs import actor_of
from app.graphql.payloads import attempt
from app.payroll.inputs import (
    PayrollCreateInput,
    PayrollUpdateInput,
    PayrollUserCreateInput,
    PayrollUserUpdateInput,
)
from app.payroll.services import payroll_store, payroll_user_store
from app.payroll.types import Payroll, PayrollUser

PAYROLL = RecordSpec(
    node=Payroll,
    field="payroll",
    plural="payrolls",
    store=payroll_store,
    permission=Permission.MANAGE_PAYROLL,
    create_input=PayrollCreateInput,
    update_input=PayrollUpdateInput,
)
PayrollMutations = record_mutations(PAYROLL)
PayrollUserMutations = record_mutations(
    RecordSpec(
        node=PayrollUser,
        field="payroll_user",
        plural="payroll_users",
        store=payroll_user_store,
        permission=Permission.MANAGE_PAYROLL,
        create_input=PayrollUserCreateInput,
        update_input=PayrollUserUpdateInput,
    )
)


PayrollPayload = payload_type(Payroll, "payroll")


async def _close(info: Info, id: strawberry.ID, revision: int) -> Any:
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
