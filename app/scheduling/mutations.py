"""Booking, changing, deleting and restoring visits and series; editing and extending series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from app.common.codes import Permission
from app.common.services import Actor
from app.graphql.arguments import PATCH, Changes, RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    restore_mutation,
    update_mutation,
)
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import attempt
from app.scheduling import series_edits, series_horizon
from app.scheduling.documents import EventGroup as EventGroupDocument
from app.scheduling.inputs import (
    EventCreateInput,
    EventGroupCreateInput,
    EventGroupUpdateInput,
    EventUpdateInput,
)
from app.scheduling.series import SeriesChange
from app.scheduling.services import EventGroupStore, EventStore, event_group_store, event_store
from app.scheduling.types import Event, EventGroup, EventGroupChangePayload

SeriesAction = Callable[[EventGroupStore, EventStore, Actor, Any], Awaitable[SeriesChange]]

EVENT = RecordSpec(
    node=Event,
    field="event",
    plural="events",
    store=event_store,
    permission=Permission.MANAGE_SCHEDULE,
    create_input=EventCreateInput,
    update_input=EventUpdateInput,
)


@strawberry.type
class EventMutations:
    event_create = create_mutation(EVENT, "eventCreate")
    event_update = update_mutation(EVENT, "eventUpdate")
    event_delete = delete_mutation(EVENT, "eventDelete")
    event_restore = restore_mutation(EVENT, "eventRestore")
    event_import = import_mutation(EVENT, "eventImport")


EVENT_GROUP = RecordSpec(
    node=EventGroup,
    field="event_group",
    plural="event_groups",
    store=event_group_store,
    permission=Permission.MANAGE_SCHEDULE,
    create_input=EventGroupCreateInput,
    update_input=EventGroupUpdateInput,
)
KEPT = (
    "Visits already clocked or invoiced, and visits changed on their own, are never moved or "
    "removed: `kept` lists them with the reason. Past visits are never rewritten."
)


async def _series(info: Info, id: strawberry.ID, action: SeriesAction) -> EventGroupChangePayload:
    async def act() -> SeriesChange:
        actor = actor_of(info, Permission.MANAGE_SCHEDULE)
        key = decode_global_id(id, "EventGroup", "id")
        database = info.context.database
        return await action(event_group_store(database), event_store(database), actor, key)

    change, errors = await attempt(act())
    return EventGroupChangePayload.of(change, errors)


@strawberry.type
class EventGroupMutations:
    event_group_create = create_mutation(EVENT_GROUP, "eventGroupCreate")

    @strawberry.mutation(
        description=f"Change a whole series. {PATCH} A change to its rule, times or template "
        "rebooks its visits from now on: visits at an occurrence are "
        "rewritten, new occurrences booked, visits no longer in the rule cancelled. "
        f"{KEPT} Refused with CONFLICT if `revision` is not the current one. "
        "Needs MANAGE_SCHEDULE."
    )
    async def event_group_update(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        input: Changes[EventGroupUpdateInput],  # type: ignore[valid-type]
    ) -> EventGroupChangePayload:
        changes = input_data(input, EventGroupDocument)
        return await _series(
            info,
            id,
            lambda groups, events, actor, key: groups.change(actor, key, revision, changes),
        )

    event_group_delete = delete_mutation(EVENT_GROUP, "eventGroupDelete")
    event_group_restore = restore_mutation(EVENT_GROUP, "eventGroupRestore")
    event_group_import = import_mutation(EVENT_GROUP, "eventGroupImport")

    @strawberry.mutation(
        description='Change "this and following": the series ends before `at`, and a new '
        f"series (the old one patched with the changes given: {PATCH[0].lower()}{PATCH[1:-1]}) "
        "starts at its first occurrence from "
        "`at` on, keeping the old time of day unless `start` is given (refused when none is "
        "left); its visits from `at` on are rebooked under the new "
        f"series. `at` is from now on and after the series' start. {KEPT} "
        "Needs MANAGE_SCHEDULE."
    )
    async def event_group_split(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        at: Annotated[
            dt.datetime,
            strawberry.argument(
                description="When the change starts: the new series begins at its first "
                "occurrence from then on."
            ),
        ],
        input: Changes[EventGroupUpdateInput],  # type: ignore[valid-type]
    ) -> EventGroupChangePayload:
        changes = input_data(input, EventGroupDocument)
        return await _series(
            info,
            id,
            lambda groups, events, actor, key: series_edits.split(
                groups, actor, key, revision, at, changes
            ),
        )

    @strawberry.mutation(
        description="Cancel one occurrence of a series: its start (the visit's `seriesStart`) "
        "joins the series' excluded dates, so it is never booked again, and its visit is "
        "cancelled. Refused for a past occurrence, or one clocked or invoiced. "
        "Needs MANAGE_SCHEDULE."
    )
    async def event_group_cancel_occurrence(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        start: Annotated[
            dt.datetime,
            strawberry.argument(
                description="The occurrence's start, as the rule gives it (`seriesStart`)."
            ),
        ],
    ) -> EventGroupChangePayload:
        return await _series(
            info,
            id,
            lambda groups, events, actor, key: series_edits.cancel_occurrence(
                groups, actor, key, revision, start
            ),
        )

    @strawberry.mutation(
        description="Cancel the rest of a series: it ends before `from`, and its visits from "
        f"then on are cancelled. `from` is from now on and after the series' start. {KEPT} "
        "Needs MANAGE_SCHEDULE."
    )
    async def event_group_cancel_from(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        from_: Annotated[
            dt.datetime,
            strawberry.argument(name="from", description="The first moment without visits."),
        ],
    ) -> EventGroupChangePayload:
        return await _series(
            info,
            id,
            lambda groups, events, actor, key: series_edits.cancel_from(
                groups, actor, key, revision, from_
            ),
        )

    @strawberry.mutation(
        description="Book a series' visits further ahead, up to `until` (at most 105 weeks "
        "from now), beyond the account's horizon; the server's job books every series up to "
        "the horizon by itself. Never books an occurrence twice. Needs MANAGE_SCHEDULE."
    )
    async def event_group_extend(
        self,
        info: Info,
        id: RecordId,
        until: Annotated[
            dt.datetime, strawberry.argument(description="Book visits starting before it.")
        ],
    ) -> EventGroupChangePayload:
        return await _series(
            info,
            id,
            lambda groups, events, actor, key: series_horizon.extend(
                groups, events, actor, key, until
            ),
        )
