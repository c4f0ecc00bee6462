"""Recording, correcting, deleting and restoring punchcards; clocking in and out of a visit."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import OptionalRevision
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
from app.graphql.payloads import attempt
from app.graphql.shared import GeoPointInput
from app.visits.clock import clock_in, clock_out
from app.visits.decisions import decide
from app.visits.documents import ClockMethod, CorrectionReason
from app.visits.inputs import PunchcardCreateInput, PunchcardUpdateInput
from app.visits.notes import write_note
from app.visits.review_documents import ReviewStatus
from app.visits.services import punchcard_store
from app.visits.types import Punchcard

PUNCHCARD = RecordSpec(
    node=Punchcard,
    field="punchcard",
    plural="punchcards",
    store=punchcard_store,
    permission=Permission.MANAGE_SCHEDULE,
    create_input=PunchcardCreateInput,
    update_input=PunchcardUpdateInput,
)


@strawberry.type
class PunchcardMutations:
    punchcard_create = create_mutation(PUNCHCARD, "punchcardCreate")
    punchcard_update = update_mutation(PUNCHCARD, "punchcardUpdate")
    punchcard_delete = delete_mutation(PUNCHCARD, "punchcardDelete")
    punchcard_restore = restore_mutation(PUNCHCARD, "punchcardRestore")
    punchcard_import = import_mutation(PUNCHCARD, "punchcardImport")


if TYPE_CHECKING:
    PunchcardPayload = Any
else:
    PunchcardPayload = payload_type(Punchcard, "punchcard")

At = Annotated[
    dt.datetime | None,
    strawberry.argument(
        description="When the caregiver punched, as the office records it for them; now when "
        "left out. For a caregiver's own punch the server's clock is used, and this time (the "
        "device's) is kept beside it (`actual.clockInDeviceTime`, `clockOutDeviceTime`)."
    ),
]
Reason = Annotated[
    CorrectionReason | None,
    strawberry.argument(
        description="Why the office records this punch on the caregiver's behalf: required "
        "then (REQUIRED without it); a caregiver's own punch needs none."
    ),
]
Position = Annotated[
    GeoPointInput | None,
    strawberry.argument(
        description="Where the caregiver punched (the phone's position); compared with the "
        "visit's address. Left out, the punch is flagged NO_LOCATION when the account requires "
        "a position."
    ),
]
Notes = Annotated[
    str | None, strawberry.argument(description="What the caregiver notes about the visit.")
]
Caregiver = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The caregiver (a User booked on the visit) who punches; left out, the "
        "caller themself when a caregiver punches, else the visit's only booked caregiver "
        "(required when the visit has several). A caregiver naming anyone else is FORBIDDEN."
    ),
]


def _location(value: GeoPointInput | None) -> dict[str, float] | None:
    return None if value is None else {"latitude": value.latitude, "longitude": value.longitude}


def _optional_id(value: str | None, type_name: str, field: str) -> Any:
    return None if value is None else decode_global_id(value, type_name, field)


@strawberry.type
class PunchcardClockMutations:
    @strawberry.mutation(
        description="Clock a caregiver in on a visit: creates the visit's punchcard for them "
        "(the visit, patient, caregiver, service, address and billing period copied) with the "
        "clock-in time and position, and moves the visit to IN_PROGRESS, in one transaction. "
        "A punch farther from the visit's address than the account's radius, earlier or later "
        "than its tolerance, or without a position where one is required is stored all the "
        "same, with `flags` saying why. Refused (nothing written) when the caregiver already "
        "clocked in on this visit (INVALID_STATE), is not booked on it (INVALID), or the visit "
        "is cancelled or deleted (INVALID_STATE); another account's visit is NOT_FOUND. Needs "
        "RECORD_VISITS. A caregiver clocks in only as themself, on a visit they attend (another "
        "caregiver's visit is NOT_FOUND), at the server's time; the office (MANAGE_SCHEDULE) "
        "clocks a caregiver in for them, with a `reason`."
    )
    async def punchcard_clock_in(
        self,
        info: Info,
        event: Annotated[strawberry.ID, strawberry.argument(description="The visit (an Event).")],
        at: At = None,
        location: Position = None,
        caregiver: Caregiver = None,
        method: Annotated[
            ClockMethod, strawberry.argument(description="How the caregiver punches.")
        ] = ClockMethod.GPS,
        notes: Notes = None,
        reason: Reason = None,
    ) -> PunchcardPayload:
        async def act() -> Punchcard:
            actor_of(info, Permission.RECORD_VISITS)
            made = await clock_in(
                info.context.scope,
                decode_global_id(event, "Event", "event"),
                caregiver=_optional_id(caregiver, "User", "caregiver"),
                at=at,
                location=_location(location),
                method=method,
                notes=notes,
                reason=reason,
            )
            return Punchcard.from_doc(made)

        punchcard, errors = await attempt(act())
        return PunchcardPayload(punchcard=punchcard, user_errors=errors)

    @strawberry.mutation(
        description="Clock a caregiver out of a visit: sets the punchcard's clock-out time and "
        "position, flags it as the clock-in is flagged (far, early, late, no position), and "
        "computes what it bills and pays: hours from the actual times rounded to the account's "
        "increments (billing and payroll settings; billing starts no earlier than the visit's "
        "scheduled start, and time past its end is billed only beyond the late-checkout grace, "
        "when the account bills late checkouts), at the visit's "
        "rates. The visit becomes COMPLETED when nobody else is still clocked in on it, in the "
        "same transaction. Name the punchcard, or the visit (and the caregiver when it has "
        "several). Refused (nothing written) when the caregiver has not clocked in, has already "
        "clocked out (INVALID_STATE), or the time is not after the clock-in or is in the future "
        "(INVALID); another "
        "account's punchcard or visit is NOT_FOUND. Needs RECORD_VISITS. A caregiver clocks "
        "out only their own punchcard, at the server's time; the office (MANAGE_SCHEDULE) "
        "clocks a caregiver out for them, with a `reason`."
    )
    async def punchcard_clock_out(
        self,
        info: Info,
        punchcard: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The punchcard to clock out; or give the visit."),
        ] = None,
        event: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The visit (an Event), when no punchcard is given."),
        ] = None,
        caregiver: Caregiver = None,
        at: At = None,
        location: Position = None,
        notes: Notes = None,
        reason: Reason = None,
    ) -> PunchcardPayload:
        async def act() -> Punchcard:
            actor_of(info, Permission.RECORD_VISITS)
            done = await clock_out(
                info.context.scope,
                punchcard=_optional_id(punchcard, "Punchcard", "punchcard"),
                event_key=_optional_id(event, "Event", "event"),
                caregiver=_optional_id(caregiver, "User", "caregiver"),
                at=at,
                location=_location(location),
                notes=notes,
                reason=reason,
            )
            return Punchcard.from_doc(done)

        punchcard_, errors = await attempt(act())
        return PunchcardPayload(punchcard=punchcard_, user_errors=errors)

    @strawberry.mutation(
        description="Write the caregiver's note on their visit: replaces the punchcard's "
        "`actual.notes` (where the notes given with clock-in and clock-out go too); an empty "
        "note clears it. At most 4000 characters (INVALID beyond). It changes neither the "
        "punches nor their review. A caregiver writes only on their own punchcard (another's is "
        "NOT_FOUND), while the visit goes on or after it; the office (MANAGE_SCHEDULE) on any. "
        "Refused (nothing written) when the punchcard is deleted, invoiced or paid in a closed "
        "payroll (INVALID_STATE), and with CONFLICT if `revision` is given and is not the "
        "current one. Needs RECORD_VISITS."
    )
    async def punchcard_note(
        self,
        info: Info,
        punchcard: Annotated[
            strawberry.ID,
            strawberry.argument(description="The punchcard of the visit (global ID)."),
        ],
        notes: Annotated[
            str,
            strawberry.argument(description="The note, whole: it replaces the one stored."),
        ],
        revision: OptionalRevision = None,
    ) -> PunchcardPayload:
        async def act() -> Punchcard:
            actor_of(info, Permission.RECORD_VISITS)
            key = decode_global_id(punchcard, "Punchcard", "punchcard")
            return Punchcard.from_doc(await write_note(info.context.scope, key, notes, revision))

        card, errors = await attempt(act())
        return PunchcardPayload(punchcard=card, user_errors=errors)


ReviewReason = Annotated[
    str,
    strawberry.argument(
        description="One of the account's reason codes (visitSettings.reasonCodes), case "
        "ignored: why the punches are accepted or refused."
    ),
]
ReviewNotes = Annotated[
    str | None, strawberry.argument(description="What the reviewer notes, if anything.")
]
ReviewedPunchcard = Annotated[
    strawberry.ID, strawberry.argument(description="The punchcard in review (global ID).")
]


async def _decide(
    info: Info,
    punchcard: str,
    status: ReviewStatus,
    reason: str,
    notes: str | None,
    revision: int | None,
) -> Any:
    async def act() -> Punchcard:
        actor_of(info, Permission.MANAGE_SCHEDULE)
        key = decode_global_id(punchcard, "Punchcard", "punchcard")
        done = await decide(info.context.scope, key, status, reason, notes, revision)
        return Punchcard.from_doc(done)

    card, errors = await attempt(act())
    return PunchcardPayload(punchcard=card, user_errors=errors)


@strawberry.type
class VisitReviewMutations:
    @strawberry.mutation(
        description="Approve a punchcard in review (flagged, or recorded by hand): from then "
        "on invoice and payroll generation bill and pay it. Records the reason code, notes, "
        "who and when, with the audit entry. Refused (INVALID_STATE) when nothing of it is in "
        "review, it is already approved, or it is invoiced or on a payroll; a code not in the "
        "account's list is INVALID. Needs MANAGE_SCHEDULE (office staff)."
    )
    async def visit_review_approve(
        self,
        info: Info,
        punchcard: ReviewedPunchcard,
        reason: ReviewReason,
        notes: ReviewNotes = None,
        revision: OptionalRevision = None,
    ) -> PunchcardPayload:
        return await _decide(info, punchcard, ReviewStatus.APPROVED, reason, notes, revision)

    @strawberry.mutation(
        description="Reject a punchcard in review: the office could not verify the visit, so "
        "it is neither billed nor paid (a later correction that still needs review puts it "
        "back in the queue). Same rules as visitReviewApprove. Needs MANAGE_SCHEDULE."
    )
    async def visit_review_reject(
        self,
        info: Info,
        punchcard: ReviewedPunchcard,
        reason: ReviewReason,
        notes: ReviewNotes = None,
        revision: OptionalRevision = None,
    ) -> PunchcardPayload:
        return await _decide(info, punchcard, ReviewStatus.REJECTED, reason, notes, revision)
