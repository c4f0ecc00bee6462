"""The policy table: the roles, and what each permission opens. The one place that says it.

- **Roles.** The built-in roles (administrator, scheduler, billing, payroll, caregiver,
  auditor) and their permissions are defined here, in code: every account has them, and a
  stored role of an account is a custom role built from the same permissions (its key may not
  be a built-in one). `role_named` (app/data/policy_checks.py) resolves a role key the same
  way for every credential.
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

What the table answers for one actor (may it read this type, this group, call this field) is
asked of app/data/policy_checks.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.common.codes import Permission as P
from app.common.codes import RoleType
from app.common.documents import FieldGroup

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


BOOKED_DAYS = 30
"""A caregiver sees the patients of their visits this many days either side of now."""


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
