"""The policy table: the roles, and what each permission opens. The one place that says it.

- **Roles.** The built-in roles (administrator, scheduler, billing, payroll, caregiver,
  auditor) and their permissions are defined here, in code: every account has them, and a
  stored role of an account is a custom role built from the same permissions (its key may not
  be a built-in one). `role_named` resolves a role key the same way for every credential.
- **Records** (`RECORDS`): which permission an office role needs to see a record type at all,
  and which rows of it a caregiver sees (their own visits, punchcards and payroll lines; the
  patients they are booked with, 30 days either side of now; reference data). The data path
  applies it to every read (app/data/rows.py).
- **Fields** (`GROUPS`): fields marked pay, billing, clinical, HR or identity in the documents
  need the group's permission to be read (the data path does not even fetch them, and GraphQL
  answers null with a FORBIDDEN error) and to be written (a FORBIDDEN user error).
- **Root fields** (`QUERIES`, `MUTATIONS`, `SUBSCRIPTIONS`): every root query, mutation and
  subscription, by the record type it reads or writes and the permission it needs besides.
  The README's roles table is rendered from this module (`roles_table`), and
  tests/test_policy.py walks the schema against it, so a new root field or a new marked group
  without an entry fails a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.common.codes import Permission as P
from app.common.codes import RoleType
from app.common.documents import FieldGroup

if TYPE_CHECKING:
    from app.common.services import Actor

# --- roles --------------------------------------------------------------------------------

VIEWS = frozenset(p for p in P if p.name.startswith("VIEW_"))


@dataclass(frozen=True)
class Role:
    """A role as the policy applies it: its key, kind and permissions."""

    key: str
    name: str
    type: RoleType
    permissions: frozenset[P]
    color: str | None = None
    built_in: bool = False

    def as_stored(self) -> dict[str, Any]:
        """The role in the shape an account stores its roles (accounts' `roles`)."""
        return {
            "key": self.key,
            "name": self.name,
            "type": self.type.value,
            "color": self.color,
            "permissions": [p.value for p in P if p in self.permissions],
        }


def _built_in(key: str, name: str, kind: RoleType, color: str, *grants: P) -> Role:
    return Role(key, name, kind, frozenset(grants), color, built_in=True)


BUILT_IN_ROLES: tuple[Role, ...] = (
    _built_in("administrator", "Administrator", RoleType.ADMINISTRATOR, "#1f4e79", *P),
    _built_in(
        "scheduler", "Scheduler", RoleType.OFFICE, "#2e7d32",
        P.MANAGE_SCHEDULE, P.RECORD_VISITS, P.MANAGE_PATIENTS, P.MANAGE_STAFF, P.MANAGE_TICKETS,
        P.VIEW_CLINICAL,
    ),
    _built_in("billing", "Billing clerk", RoleType.OFFICE, "#8e24aa",
              P.MANAGE_BILLING, P.VIEW_BILLING),
    _built_in("payroll", "Payroll clerk", RoleType.OFFICE, "#00838f",
              P.MANAGE_PAYROLL, P.VIEW_PAY),
    _built_in("caregiver", "Caregiver", RoleType.CAREGIVER, "#ef6c00", P.RECORD_VISITS),
    _built_in("auditor", "Auditor", RoleType.OFFICE, "#455a64", P.VIEW_AUDIT, *VIEWS),
)  # fmt: skip
BUILT_IN = {role.key: role for role in BUILT_IN_ROLES}


def role_named(account: Mapping[str, Any] | None, key: str | None) -> Role | None:
    """The role a key names in an account: a built-in one (from code, whatever the account
    stores under that key), else one of the account's own roles; None when it names none."""
    if key is None:
        return None
    if key in BUILT_IN:
        return BUILT_IN[key]
    stored = next((r for r in (account or {}).get("roles") or [] if r.get("key") == key), None)
    if stored is None:
        return None
    known = {p.value for p in P}
    return Role(
        key=key,
        name=str(stored.get("name") or key),
        type=RoleType(stored.get("type") or RoleType.OFFICE.value),
        permissions=frozenset(P(p) for p in stored.get("permissions") or [] if p in known),
        color=stored.get("color"),
    )


def account_roles(account: Mapping[str, Any] | None) -> list[Role]:
    """Every role of an account: the built-in ones, then its own."""
    own = [role_named(account, r.get("key")) for r in (account or {}).get("roles") or []]
    custom = [r for r in own if r is not None and not r.built_in]
    return [*BUILT_IN_ROLES, *custom]


def may_give_role(actor: Actor, permissions: frozenset[P], *, themself: bool = False) -> bool:
    """Whether the actor may give a user a role with these permissions, take one away, or
    give a way in (an invitation, a reset) to a user who holds one: giving a way in is
    giving its powers. A role does it for roles that may do no more than its own; beyond
    that only with MANAGE_ACCOUNT (an administrator), and nobody raises their own role."""
    if actor.permissions is None or permissions <= actor.permissions:
        return True
    return not themself and actor.may(P.MANAGE_ACCOUNT)


def is_caregiver(actor: Actor) -> bool:
    """Whether the actor's rows are a caregiver's (their own) rather than the account's. A
    caller with permissions but no role type is treated as a caregiver: the narrower view."""
    if actor.permissions is None:
        return False
    return actor.role_type not in (RoleType.ADMINISTRATOR, RoleType.OFFICE)


# --- records and their rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Own:
    """A caregiver's own rows: those whose `key` holds their user id."""

    key: str


@dataclass(frozen=True)
class Booked:
    """Rows about the patients a caregiver is booked with (the window around now): those
    whose `key` holds one of those patients' ids."""

    key: str


@dataclass(frozen=True)
class Files:
    """Files of the patients a caregiver is booked with, and of the caregiver themself (of
    those, the kinds `closed_files` leaves them)."""


ALL = "all"
NONE = "none"
CaregiverRows = Own | Booked | Files | str


@dataclass(frozen=True)
class RecordRule:
    """Who reads a record type: an office role needs `read` (when set); a caregiver sees the
    `caregiver` rows, and in them the field groups `opens` whatever its permissions."""

    collection: str
    read: P | None = None
    caregiver: CaregiverRows = NONE
    opens: frozenset[FieldGroup] = frozenset()


OWN_RECORD = frozenset({FieldGroup.PAY, FieldGroup.HR, FieldGroup.IDENTITY})
"""What a caregiver reads on their own records: their pay, their licences, their SSN."""
CARE = frozenset({FieldGroup.CLINICAL})
"""What a caregiver reads about the patients they care for."""

RECORDS: dict[str, RecordRule] = {
    "Account": RecordRule("accounts", caregiver=ALL),
    "ApiClient": RecordRule("api_clients", P.MANAGE_ACCOUNT),
    "AuditEvent": RecordRule("audit_events", P.VIEW_AUDIT),
    "Skill": RecordRule("skills", caregiver=ALL),
    "Tag": RecordRule("tags", caregiver=ALL),
    "TicketCategory": RecordRule("ticket_categories", caregiver=ALL),
    "User": RecordRule("users", caregiver=Own("_id"), opens=OWN_RECORD),
    "Candidate": RecordRule("candidates", P.VIEW_HR),
    "Client": RecordRule("clients"),
    "Contact": RecordRule("contacts"),
    "Patient": RecordRule("patients", caregiver=Booked("_id"), opens=CARE),
    "ProgressNote": RecordRule(
        "patientsprogressnotes", P.VIEW_CLINICAL, caregiver=Booked("patient"), opens=CARE
    ),
    "File": RecordRule("files", caregiver=Files()),
    "Event": RecordRule("events", caregiver=Own("attendees.user")),
    "EventGroup": RecordRule("eventsgroups", caregiver=Own("attendees.user")),
    "Punchcard": RecordRule("punchcards", caregiver=Own("user._id"), opens=OWN_RECORD),
    "Invoice": RecordRule("invoices", P.VIEW_BILLING),
    "Payment": RecordRule("payments", P.VIEW_BILLING),
    "Payroll": RecordRule("payrolls", P.VIEW_PAY),
    "PayrollUser": RecordRule(
        "payrollsusers", P.VIEW_PAY, caregiver=Own("user._id"), opens=OWN_RECORD
    ),
    "Conversation": RecordRule("conversations", caregiver=Own("participants._id")),
    "UserNote": RecordRule("usersnotes", P.VIEW_HR),
    "Ticket": RecordRule("tickets"),
    # webhooks send the account's changes out: administrators manage them and their deliveries
    "Webhook": RecordRule("webhooks", P.MANAGE_ACCOUNT),
    "WebhookDelivery": RecordRule("webhook_deliveries", P.MANAGE_ACCOUNT),
}
BY_COLLECTION = {rule.collection: rule for rule in RECORDS.values()}

FILE_OWNERS: dict[str, str] = {
    "account": "Account",
    "user": "User",
    "patient": "Patient",
    "contact": "Contact",
    "candidate": "Candidate",
}
"""A file's owner kind (its stored `owner.type`, app/files/documents.py) and the record type of
such owners: a file is read by whoever reads its owner, so a role closed to candidates reads
none of their files."""
FILE_GROUPS: dict[tuple[str, str], FieldGroup] = {
    ("patient", "care_plan"): FieldGroup.CLINICAL,
    ("patient", "id_document"): FieldGroup.IDENTITY,
    ("user", "certificate"): FieldGroup.HR,
    ("user", "contract"): FieldGroup.HR,
    ("user", "id_document"): FieldGroup.IDENTITY,
    ("contact", "id_document"): FieldGroup.IDENTITY,
}
"""Files that hold a marked group's values about their owner, by owner kind and file type (its
stored `type`): a patient's care plan is clinical, a staff member's certificates and contract
HR, an identity document identity. They need the group's permission, as the owner's fields do
(a caregiver reads them where the owner's rows open the group to them)."""


def closed_files(actor: Actor) -> list[tuple[str, str | None]]:
    """The files an actor may not read, as (owner kind, file type; None: every type): those of
    owners whose record type is closed to the actor, and those holding a group it may not read
    about their owner."""
    if actor.permissions is None:
        return []
    closed: list[tuple[str, str | None]] = [
        (kind, None) for kind, owner in FILE_OWNERS.items() if not may_read_type(actor, owner)
    ]
    shut = {kind for kind, _ in closed}
    for (kind, file_type), group in FILE_GROUPS.items():
        owner = RECORDS[FILE_OWNERS[kind]].collection
        if kind not in shut and not may_read_group(actor, group, (owner,)):
            closed.append((kind, file_type))
    return closed


BOOKED_DAYS = 30
"""A caregiver sees the patients of their visits this many days either side of now."""


def may_read_type(actor: Actor, type_name: str) -> bool:
    """Whether the actor sees any record of the type (then rows and fields narrow it); a
    type the table does not name is closed to every role."""
    rule = RECORDS.get(type_name)
    if actor.permissions is None:
        return True
    if rule is None:
        return False
    if is_caregiver(actor):
        return rule.caregiver != NONE
    return rule.read is None or actor.may(rule.read)


# --- fields -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRule:
    """What reading a marked field needs, and what changing it needs besides."""

    read: P
    write: P


GROUPS: dict[FieldGroup, GroupRule] = {
    FieldGroup.PAY: GroupRule(P.VIEW_PAY, P.MANAGE_PAYROLL),
    FieldGroup.BILLING: GroupRule(P.VIEW_BILLING, P.MANAGE_BILLING),
    FieldGroup.CLINICAL: GroupRule(P.VIEW_CLINICAL, P.VIEW_CLINICAL),
    FieldGroup.HR: GroupRule(P.VIEW_HR, P.VIEW_HR),
    FieldGroup.IDENTITY: GroupRule(P.VIEW_SENSITIVE, P.VIEW_SENSITIVE),
}


def may_read_group(actor: Actor, group: FieldGroup, collections: Iterable[str]) -> bool:
    """Whether the actor reads fields of the group stored in these collections: with the
    group's permission, or as a caregiver in collections whose rows open it to them."""
    if actor.permissions is None or actor.may(GROUPS[group].read):
        return True
    if not is_caregiver(actor):
        return False
    rules = [BY_COLLECTION.get(name) for name in collections]
    return bool(rules) and all(rule is not None and group in rule.opens for rule in rules)


def may_write_group(actor: Actor, group: FieldGroup) -> bool:
    """Whether the actor may give fields of the group a value: never what it cannot read."""
    rule = GROUPS[group]
    return actor.may(rule.read) and actor.may(rule.write)


def write_needs(group: FieldGroup) -> str:
    rule = GROUPS[group]
    return rule.write.name if rule.write == rule.read else f"{rule.read.name} and {rule.write.name}"


# --- root fields --------------------------------------------------------------------------


@dataclass(frozen=True)
class RootRule:
    """A root field: the record type it reads or writes (None: no record, such as
    `authorize`), and the permission it needs besides reading that type."""

    record_type: str | None
    permission: P | None = None
    open: bool = False
    """Needs no credential at all (exchanging a key for a token)."""
    any_of: frozenset[P] = frozenset()
    """Needs one of these (a file's: its owner kind's permission, checked again with the
    owner by the service)."""


def _reads(record_type: str, *fields: str) -> dict[str, RootRule]:
    return {name: RootRule(record_type) for name in fields}


def _writes(record_type: str, permission: P | None, *fields: str) -> dict[str, RootRule]:
    return {name: RootRule(record_type, permission) for name in fields}


def _crud(
    record_type: str, permission: P, verbs: str = "Create Update Delete Restore Import"
) -> dict[str, RootRule]:
    """The generic mutations of a record type (app/graphql/crud.py), by their names."""
    first = record_type[0].lower() + record_type[1:]
    return _writes(record_type, permission, *(first + verb for verb in verbs.split()))


QUERIES: dict[str, RootRule] = {
    # node(id)/nodes(ids) read any type: each record is checked by its own type's rule
    "node": RootRule(None),
    "nodes": RootRule(None),
    "viewer": RootRule(None),  # the person signed in: themself
    **_reads("Account", "account"),
    # API clients are credentials: administrators manage them (and only they see them)
    **{name: RootRule("ApiClient", P.MANAGE_ACCOUNT) for name in ("apiClient", "apiClients")},
    **_reads("AuditEvent", "auditEvents"),
    **_reads("Skill", "skill", "skills"),
    **_reads("Tag", "tag", "tags"),
    **_reads("User", "user", "userByExtId", "users"),
    **_reads("Candidate", "candidate", "candidateByExtId", "candidates"),
    **_reads("Client", "client", "clientByExtId", "clients"),
    **_reads("Contact", "contact", "contactByExtId", "contacts"),
    **_reads("Patient", "patient", "patients"),
    **_reads("ProgressNote", "progressNote", "progressNotes"),
    **_reads("File", "file", "files"),
    **_reads("Event", "event", "events"),
    **_reads("EventGroup", "eventGroup", "eventGroups"),
    "scheduleConflicts": RootRule("Event", P.MANAGE_SCHEDULE),
    "caregiverMatches": RootRule("User", P.MANAGE_SCHEDULE),
    **_reads("Punchcard", "punchcard", "punchcards"),
    "visitReviews": RootRule("Punchcard", P.MANAGE_SCHEDULE),
    "evvExport": RootRule("Punchcard", P.MANAGE_BILLING),
    **_reads("Invoice", "invoice", "invoiceByNumber", "invoices"),
    **_reads("Payment", "payment", "payments"),
    **_reads("Payroll", "payroll", "payrolls"),
    **_reads("PayrollUser", "payrollUser", "payrollUsers"),
    **_reads("Conversation", "conversation", "conversations"),
    **_reads("UserNote", "userNote", "userNotes"),
    **_reads("Ticket", "ticket", "tickets"),
    **_reads("TicketCategory", "ticketCategory", "ticketCategories"),
    **{name: RootRule("Webhook", P.MANAGE_ACCOUNT) for name in ("webhook", "webhooks")},
    "webhookDeliveries": RootRule("WebhookDelivery", P.MANAGE_ACCOUNT),
}

MUTATIONS: dict[str, RootRule] = {
    "authorize": RootRule(None, open=True),
    # people signing in (app/identity): open, or about the person signed in themself
    **{name: RootRule(None, open=True) for name in ("signIn", "invitationAccept")},
    **{name: RootRule(None) for name in ("signOut", "passwordChange", "totpEnroll", "totpConfirm")},
    **_writes(
        "User", P.MANAGE_STAFF, "userInvite", "passwordReset", "userDeactivate", "userReactivate"
    ),
    **_writes("Account", P.MANAGE_ACCOUNT, "accountUpdate"),
    **_writes(
        "ApiClient",
        P.MANAGE_ACCOUNT,
        "apiClientCreate",
        "apiClientUpdate",
        "apiClientRotate",
        "apiClientRevoke",
    ),
    **_crud("Skill", P.MANAGE_ACCOUNT),
    **_crud("Tag", P.MANAGE_ACCOUNT),
    **_crud("User", P.MANAGE_STAFF),
    **_crud("Candidate", P.MANAGE_STAFF),
    **_writes("Candidate", P.MANAGE_STAFF, "candidateHire"),
    **_crud("Client", P.MANAGE_BILLING),
    **_crud("Contact", P.MANAGE_PATIENTS),
    **_crud("Patient", P.MANAGE_PATIENTS),
    **_crud("ProgressNote", P.MANAGE_PATIENTS),
    **_writes("ProgressNote", P.MANAGE_PATIENTS, "progressNoteApprove"),
    # a file's permission is its owner kind's (files/documents.py OWNER_KINDS), checked there
    **{
        name: RootRule(
            "File", any_of=frozenset({P.MANAGE_ACCOUNT, P.MANAGE_STAFF, P.MANAGE_PATIENTS})
        )
        for name in ("fileUpdate", "fileDelete", "fileRestore")
    },
    **_crud("Event", P.MANAGE_SCHEDULE),
    **_crud("EventGroup", P.MANAGE_SCHEDULE),
    **_writes(
        "EventGroup",
        P.MANAGE_SCHEDULE,
        "eventGroupSplit",
        "eventGroupCancelOccurrence",
        "eventGroupCancelFrom",
        "eventGroupExtend",
    ),
    **_crud("Punchcard", P.MANAGE_SCHEDULE),
    **_writes(
        "Punchcard", P.RECORD_VISITS, "punchcardClockIn", "punchcardClockOut", "punchcardNote"
    ),
    **_writes("Punchcard", P.MANAGE_SCHEDULE, "visitReviewApprove", "visitReviewReject"),
    **_crud("Invoice", P.MANAGE_BILLING),
    **_writes(
        "Invoice",
        P.MANAGE_BILLING,
        "invoiceClose",
        "invoiceGenerate",
        "invoiceGenerateBatch",
        "invoiceCredit",
    ),
    **_crud("Payment", P.MANAGE_BILLING, "Create Update Void Import"),
    **_crud("Payroll", P.MANAGE_PAYROLL),
    **_writes("Payroll", P.MANAGE_PAYROLL, "payrollClose", "payrollGenerate"),
    **_crud("PayrollUser", P.MANAGE_PAYROLL),
    **_writes(
        "PayrollUser", P.MANAGE_PAYROLL, "payrollUserAdjustmentAdd", "payrollUserAdjustmentRemove"
    ),
    **_crud("Conversation", P.MANAGE_PATIENTS),
    **_writes("Conversation", P.MANAGE_PATIENTS, "conversationPost"),
    **_crud("UserNote", P.MANAGE_STAFF),
    **_crud("Ticket", P.MANAGE_TICKETS),
    **_writes(
        "Ticket", P.MANAGE_TICKETS, "ticketUpdateStatus", "ticketComment", "ticketAttachFile"
    ),
    **_crud("TicketCategory", P.MANAGE_TICKETS),
    **_writes("Webhook", P.MANAGE_ACCOUNT, "webhookCreate", "webhookUpdate", "webhookDelete"),
}

SUBSCRIPTIONS: dict[str, RootRule] = {
    # the account's change feed, for any role: each change's record is read through the
    # subscriber's own rows and fields, so a change of a record it may not read is not sent
    "changes": RootRule(None),
}


def may_call(actor: Actor, rule: RootRule) -> bool:
    """Whether a root field is open to the actor: its permission, and the type it reads or
    writes (a role does not write what it may not read)."""
    if rule.open or actor.permissions is None:
        return True
    if rule.permission is not None and not actor.may(rule.permission):
        return False
    if rule.any_of and not any(actor.may(p) for p in rule.any_of):
        return False
    return rule.record_type is None or may_read_type(actor, rule.record_type)


def needs(rule: RootRule, actor: Actor | None = None) -> str:
    """Why a root field is closed to the actor, in words for its error message: the
    permissions its role lacks, and, for a caregiver's role, that the record type is read by
    office roles only (no permission opens it to a caregiver). Without an actor: all that
    the field needs."""

    def lacks(permission: P) -> bool:
        return actor is None or not actor.may(permission)

    record = RECORDS.get(rule.record_type) if rule.record_type else None
    caregiver = actor is not None and is_caregiver(actor)
    office_only = caregiver and record is not None and record.caregiver == NONE
    wanted = [p.name for p in (rule.permission,) if p is not None and lacks(p)]
    if rule.any_of and (actor is None or not any(actor.may(p) for p in rule.any_of)):
        wanted.append(" or ".join(sorted(p.name for p in rule.any_of)))
    read = record.read if record is not None else None
    if read is not None and read != rule.permission and lacks(read) and not office_only:
        wanted.append(read.name)
    reasons = [f"it needs {' and '.join(wanted)}"] if wanted else []
    if office_only:
        reasons.append(f"only office roles may read {rule.record_type} records")
    if rule.record_type is not None and record is None:
        reasons.append(f"no role may read {rule.record_type} records")
    return "; ".join(reasons) or "any role may"
