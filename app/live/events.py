"""What a change is called: the one place that names events from audit entries.

Every committed audit entry about a record is a change; its event is `<record>.<action>`
(`punchcard.clocked_in`, `invoice.created`). A writer may name its change itself
(`tx.audit(..., event="ticket.escalated")`); otherwise the name is derived here from the
entry's action and the fields it changed:

- a punchcard created with a clock-in and no clock-out is `punchcard.clocked_in`; an update
  that sets the clock-out of a punchcard that had none is `punchcard.clocked_out`;
- an update that closes an invoice or a payroll is `.closed`; one that voids a payment,
  `payment.voided`; a comment added to a ticket, `ticket.commented`;
- an update that changes a record's status (a visit's, a ticket's, an invoice's...) is
  `.status_changed`;
- otherwise `.created`, `.updated`, `.deleted` or `.restored`, as the entry's action says.

Some entries change what a credential may do (a sign-out, a deactivation, a key revoked, the
account's roles): they are credential signals, which close the subscriptions they end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.common.codes import Code


class RecordKind(Code):
    """A kind of record whose changes the change feed carries (subscriptions and webhooks)."""

    ACCOUNT = "Account", "The agency's account and settings."
    CANDIDATE = "Candidate", "People being recruited."
    CLIENT = "Client", "Who pays for care."
    CONTACT = "Contact", "Patients' family and other contacts."
    CONVERSATION = "Conversation", "Staff threads."
    EVENT = "Event", "Visits."
    EVENT_GROUP = "EventGroup", "Recurring series of visits."
    FILE = "File", "Files."
    INVOICE = "Invoice", "Invoices."
    PATIENT = "Patient", "Patients."
    PAYMENT = "Payment", "Payments against invoices."
    PAYROLL = "Payroll", "Payrolls."
    PAYROLL_USER = "PayrollUser", "Payroll lines, one per caregiver."
    PROGRESS_NOTE = "ProgressNote", "Progress notes."
    PUNCHCARD = "Punchcard", "Punchcards: clock-ins and clock-outs of visits."
    SKILL = "Skill", "Skills."
    TAG = "Tag", "Tags."
    TICKET = "Ticket", "Care tickets."
    TICKET_CATEGORY = "TicketCategory", "Care-ticket categories."
    USER = "User", "Staff and caregivers."
    USER_NOTE = "UserNote", "Notes about staff."


class ChangeAction(Code):
    """What a change did to its record: the second half of its event name."""

    CREATED = "created", "The record was created."
    UPDATED = "updated", "The record was changed."
    DELETED = "deleted", "The record was (softly) deleted."
    RESTORED = "restored", "A deleted record was restored."
    STATUS_CHANGED = "status_changed", "The record's status moved (a visit, ticket, invoice...)."
    CLOCKED_IN = "clocked_in", "A caregiver clocked in: the punchcard was made."
    CLOCKED_OUT = "clocked_out", "A caregiver clocked out of the punchcard."
    CLOSED = "closed", "An invoice or a payroll was closed."
    VOIDED = "voided", "A payment was voided."
    COMMENTED = "commented", "A comment was added to a ticket."


PLAIN = {
    "create": ChangeAction.CREATED,
    "update": ChangeAction.UPDATED,
    "delete": ChangeAction.DELETED,
    "restore": ChangeAction.RESTORED,
}
STATUS_FIELDS = {
    RecordKind.CANDIDATE: "status",
    RecordKind.CONVERSATION: "status",
    RecordKind.EVENT: "status",
    RecordKind.INVOICE: "status",
    RecordKind.PATIENT: "status",
    RecordKind.TICKET: "ticketStatus",
}
SPECIAL: dict[RecordKind, frozenset[ChangeAction]] = {
    RecordKind.PUNCHCARD: frozenset({ChangeAction.CLOCKED_IN, ChangeAction.CLOCKED_OUT}),
    RecordKind.INVOICE: frozenset({ChangeAction.CLOSED}),
    RecordKind.PAYROLL: frozenset({ChangeAction.CLOSED}),
    RecordKind.PAYMENT: frozenset({ChangeAction.VOIDED}),
    RecordKind.TICKET: frozenset({ChangeAction.COMMENTED}),
}
ONLY: dict[RecordKind, frozenset[ChangeAction]] = {
    RecordKind.ACCOUNT: frozenset({ChangeAction.UPDATED}),
    RecordKind.PAYMENT: frozenset({ChangeAction.CREATED, ChangeAction.UPDATED}),
}
"""Records that are not made or deleted like the others: an account is opened, not created by
a caller; a payment is voided, never deleted."""
IDENTITY_ACTIONS = frozenset(
    {"sign_out", "deactivate", "reactivate", "password_change", "password_reset", "revoke"}
)
"""Trail actions that end or change a person's or a program's credentials."""
CREDENTIAL_RECORDS = frozenset({"ApiClient", "Account"})
KINDS = {kind.value: kind for kind in RecordKind}
PATTERN = re.compile(r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")


@dataclass(frozen=True)
class Named:
    """A change as the feed names it."""

    kind: RecordKind
    action: ChangeAction

    @property
    def event(self) -> str:
        return event_name(self.kind, self.action)


def prefix(kind: RecordKind) -> str:
    """The record half of an event name: `EventGroup` is `event_group`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.value).lower()


def event_name(kind: RecordKind, action: ChangeAction) -> str:
    return f"{prefix(kind)}.{action.value}"


def actions_of(kind: RecordKind) -> list[ChangeAction]:
    """The actions a record of this kind can have, in ChangeAction's order."""
    possible = {*ONLY.get(kind, PLAIN.values()), *SPECIAL.get(kind, ())}
    if kind in STATUS_FIELDS:
        possible.add(ChangeAction.STATUS_CHANGED)
    return [action for action in ChangeAction if action in possible]


def every_event() -> list[str]:
    """Every event name the feed can carry, by record kind."""
    return [event_name(kind, action) for kind in RecordKind for action in actions_of(kind)]


BY_NAME = {event_name(kind, action): Named(kind, action) for kind in RecordKind
           for action in actions_of(kind)}  # fmt: skip


def named(entry: Mapping[str, Any]) -> Named | None:
    """The event of an audit entry, or None when it is not a change of a record the feed
    carries (a sign-in, an authorization, a read)."""
    kind = KINDS.get(str(entry.get("record_type")))
    if kind is None:
        return None
    if entry.get("event"):
        return BY_NAME.get(str(entry["event"]))
    plain = PLAIN.get(str(entry.get("action")))
    if plain is None:
        return None
    if plain in (ChangeAction.CREATED, ChangeAction.UPDATED):
        return Named(kind, _special(kind, plain, _changes(entry)) or plain)
    return Named(kind, plain)


def _changes(entry: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("field")): c for c in entry.get("changes") or [] if isinstance(c, Mapping)}


def _special(
    kind: RecordKind, action: ChangeAction, changes: dict[str, Mapping[str, Any]]
) -> ChangeAction | None:
    if kind is RecordKind.PUNCHCARD:
        before, after = _punches(changes.get("actual"))
        if action is ChangeAction.CREATED and after.get("clock_in") and not after.get("clock_out"):
            return ChangeAction.CLOCKED_IN
        if (
            action is ChangeAction.UPDATED
            and after.get("clock_out")
            and not before.get("clock_out")
        ):
            return ChangeAction.CLOCKED_OUT
        return None
    if action is not ChangeAction.UPDATED:
        return None
    if _became_true(changes.get("closed")):
        return ChangeAction.CLOSED
    if kind is RecordKind.PAYMENT and _became_true(changes.get("void")):
        return ChangeAction.VOIDED
    if kind is RecordKind.TICKET and any(f.endswith(".comments") for f in changes):
        return ChangeAction.COMMENTED
    status = STATUS_FIELDS.get(kind)
    if status is not None and status in changes:
        return ChangeAction.STATUS_CHANGED
    return None


def _punches(change: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    def side(value: Any) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}

    return (side(change.get("before")), side(change.get("after"))) if change else ({}, {})


def _became_true(change: Mapping[str, Any] | None) -> bool:
    return change is not None and change.get("after") is True and change.get("before") is not True


def is_credential_signal(entry: Mapping[str, Any]) -> bool:
    """Whether the entry may end or narrow a credential: the sockets of its account are then
    checked again at once."""
    action, record = str(entry.get("action")), str(entry.get("record_type"))
    if action in IDENTITY_ACTIONS or record in CREDENTIAL_RECORDS:
        return action not in ("authorize", "create", "read_sensitive")
    return record == "User" and action in ("update", "delete")


def changed_fields(entry: Mapping[str, Any]) -> list[str]:
    """The fields a change touched, by their GraphQL names (`categories.0.comments` is
    `categories`)."""
    seen: dict[str, None] = {}
    for change in entry.get("changes") or []:
        if isinstance(change, Mapping) and change.get("field"):
            seen.setdefault(str(change["field"]).split(".")[0], None)
    return list(seen)


def matches(patterns: Iterable[str], event: str) -> bool:
    """Whether an event is one a webhook asked for: `*`, `<record>.*` or the exact name."""
    record = event.split(".")[0]
    return any(p in ("*", event, f"{record}.*") for p in patterns)


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """The patterns that name no event: neither `*`, `<record>.*` of a known record, nor a
    known event."""
    records = {prefix(kind) for kind in RecordKind}
    bad = []
    for pattern in patterns:
        if not PATTERN.match(pattern):
            bad.append(pattern)
        elif pattern != "*" and pattern.endswith(".*"):
            if pattern[:-2] not in records:
                bad.append(pattern)
        elif pattern != "*" and pattern not in BY_NAME:
            bad.append(pattern)
    return bad
