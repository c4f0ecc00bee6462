"""Changing tickets and ticket categories: the generic five, plus moving a ticket's status,
commenting on one of its categories, and attaching a file."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import OptionalRevision, RecordId
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
from app.graphql.inputs import actor_of, decode_global_id
from app.graphql.payloads import UserError, attempt
from app.tickets.documents import TicketStatus
from app.tickets.inputs import (
    TicketCategoryCreateInput,
    TicketCategoryUpdateInput,
    TicketCreateInput,
    TicketUpdateInput,
)
from app.tickets.services import category_store, ticket_store
from app.tickets.types import Ticket, TicketCategory, TicketComment

NEEDS = "Needs MANAGE_TICKETS."

TICKET = RecordSpec(
    node=Ticket,
    field="ticket",
    plural="tickets",
    store=ticket_store,
    permission=Permission.MANAGE_TICKETS,
    create_input=TicketCreateInput,
    update_input=TicketUpdateInput,
)


@strawberry.type
class TicketMutations:
    ticket_create = create_mutation(TICKET, "ticketCreate")
    ticket_update = update_mutation(TICKET, "ticketUpdate")
    ticket_delete = delete_mutation(TICKET, "ticketDelete")
    ticket_restore = restore_mutation(TICKET, "ticketRestore")
    ticket_import = import_mutation(TICKET, "ticketImport")


TICKET_CATEGORY = RecordSpec(
    node=TicketCategory,
    field="ticket_category",
    plural="ticket_categories",
    store=category_store,
    permission=Permission.MANAGE_TICKETS,
    create_input=TicketCategoryCreateInput,
    update_input=TicketCategoryUpdateInput,
)


@strawberry.type
class TicketCategoryMutations:
    ticket_category_create = create_mutation(TICKET_CATEGORY, "ticketCategoryCreate")
    ticket_category_update = update_mutation(TICKET_CATEGORY, "ticketCategoryUpdate")
    ticket_category_delete = delete_mutation(TICKET_CATEGORY, "ticketCategoryDelete")
    ticket_category_restore = restore_mutation(TICKET_CATEGORY, "ticketCategoryRestore")
    ticket_category_import = import_mutation(TICKET_CATEGORY, "ticketCategoryImport")


TicketPayload = payload_type(Ticket, "ticket")


@strawberry.type(description="The result of a comment on a category of a ticket.")
class TicketCommentPayload:
    ticket: Ticket | None = strawberry.field(
        description="The ticket as it now is; null if refused."
    )
    comment: TicketComment | None = strawberry.field(
        description="The comment written; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )


async def _ticket_payload(info: Info, action: Any) -> Any:
    async def act() -> Ticket:
        actor = actor_of(info, Permission.MANAGE_TICKETS)
        return Ticket.from_doc(await action(ticket_store(info.context.database), actor))

    ticket, errors = await attempt(act())
    return TicketPayload(ticket=ticket, user_errors=errors)


@strawberry.type
class TicketActionMutations:
    @strawberry.mutation(
        description="Move a ticket to another status, along the allowed moves: NEW to any; "
        "OPEN and IN_PROGRESS to each other, RESOLVED or CLOSED; RESOLVED to CLOSED or "
        "REOPENED; CLOSED to REOPENED; REOPENED to OPEN, IN_PROGRESS, RESOLVED or CLOSED. "
        "Another move is refused with INVALID_STATE; the status it already has changes "
        "nothing. `revision`, when given, must be the current one (CONFLICT otherwise). " + NEEDS
    )
    async def ticket_update_status(
        self,
        info: Info,
        id: RecordId,
        status: Annotated[TicketStatus, strawberry.argument(description="The status to move to.")],
        revision: OptionalRevision = None,
    ) -> TicketPayload:  # type: ignore[valid-type]
        return await _ticket_payload(
            info,
            lambda store, actor: store.update_status(
                actor, decode_global_id(id, "Ticket", "id"), status, revision
            ),
        )

    @strawberry.mutation(
        description="Comment on one category of a ticket (appended; no revision needed, and it "
        "bumps the revision). `user` is the user writing; without it the API client writes "
        "under its own name. A category the ticket has no status for is NOT_FOUND, a deleted "
        "ticket INVALID_STATE. " + NEEDS
    )
    async def ticket_comment(
        self,
        info: Info,
        id: RecordId,
        category: Annotated[
            strawberry.ID,
            strawberry.argument(description="The ticket's category commented on, by global ID."),
        ],
        text: Annotated[str, strawberry.argument(description="The comment.")],
        user: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The user writing, by global ID; left out, the API client writes "
                "under its own name."
            ),
        ] = None,
    ) -> TicketCommentPayload:
        async def act() -> TicketCommentPayload:
            actor = actor_of(info, Permission.MANAGE_TICKETS)
            key = decode_global_id(id, "Ticket", "id")
            category_key = decode_global_id(category, "TicketCategory", "category")
            writer = decode_global_id(user, "User", "user") if user is not None else None
            store = ticket_store(info.context.database)
            after, comment = await store.comment(actor, key, category_key, text, writer)
            return TicketCommentPayload(
                ticket=Ticket.from_doc(after),
                comment=TicketComment.from_doc(comment),
                user_errors=[],
            )

        done, errors = await attempt(act())
        return done or TicketCommentPayload(ticket=None, comment=None, user_errors=errors)

    @strawberry.mutation(
        description="Attach a file (a File record of your account, uploaded by POST /files) to "
        "a ticket; once per file. " + NEEDS
    )
    async def ticket_attach_file(
        self,
        info: Info,
        id: RecordId,
        file: Annotated[
            strawberry.ID, strawberry.argument(description="The File to attach, by global ID.")
        ],
    ) -> TicketPayload:  # type: ignore[valid-type]
        return await _ticket_payload(
            info,
            lambda store, actor: store.attach_file(
                actor, decode_global_id(id, "Ticket", "id"), decode_global_id(file, "File", "file")
            ),
        )
