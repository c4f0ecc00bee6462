"""Recording, correcting, deleting and restoring punchcards (clock-in and out come later)."""

from __future__ import annotations

from app.common.codes import Permission
from app.graphql.crud import RecordSpec, record_mutations
from app.visits.inputs import PunchcardCreateInput, PunchcardUpdateInput
from app.visits.services import punchcard_store
from app.visits.types import Punchcard

PunchcardMutations = record_mutations(
    RecordSpec(
        node=Punchcard,
        field="punchcard",
        plural="punchcards",
        store=punchcard_store,
        permission=Permission.MANAGE_SCHEDULE,
        create_input=PunchcardCreateInput,
        update_input=PunchcardUpdateInput,
    )
)
