"""Booking, changing, deleting and restoring visits and series."""

from __future__ import annotations

from app.common.codes import Permission
from app.graphql.crud import RecordSpec, record_mutations
from app.scheduling.inputs import (
    EventCreateInput,
    EventGroupCreateInput,
    EventGroupUpdateInput,
    EventUpdateInput,
)
from app.scheduling.services import event_group_store, event_store
from app.scheduling.types import Event, EventGroup

EventMutations = record_mutations(
    RecordSpec(
        node=Event,
        field="event",
        plural="events",
        store=event_store,
        permission=Permission.MANAGE_SCHEDULE,
        create_input=EventCreateInput,
        update_input=EventUpdateInput,
    )
)
EventGroupMutations = record_mutations(
    RecordSpec(
        node=EventGroup,
        field="event_group",
        plural="event_groups",
        store=event_group_store,
        permission=Permission.MANAGE_SCHEDULE,
        create_input=EventGroupCreateInput,
        update_input=EventGroupUpdateInput,
    )
)
