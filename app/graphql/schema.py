"""The schema: every domain's queries and mutations, listed, the scalars, limits and errors."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.accounts.mutations import AccountMutations, ApiClientMutations
from app.accounts.queries import AccountQueries
from app.audit.queries import AuditQueries
from app.billing.mutations import (
    InvoiceCloseMutations,
    InvoiceGenerateMutations,
    InvoiceMutations,
    PaymentMutations,
)
from app.billing.queries import BillingQueries
from app.catalog.mutations import SkillMutations, TagMutations
from app.catalog.queries import CatalogQueries
from app.conversations.mutations import (
    ConversationMutations,
    ConversationPostMutations,
    UserNoteMutations,
)
from app.conversations.queries import ConversationQueries
from app.domains import classes_named
from app.files.mutations import FileMutations
from app.files.queries import FileQueries
from app.graphql.cheap import cheapen
from app.graphql.compiled import CompiledExecution
from app.graphql.enums import show_codes
from app.graphql.error_shaping import ErrorShaping, is_public
from app.graphql.extensions import RequestGuards
from app.graphql.guards import gate_mutations
from app.graphql.production import IntrospectionGate
from app.graphql.relay import NodeQueries
from app.graphql.scalars import SCALAR_MAP
from app.identity.mutations import SignInAdminMutations, SignInMutations
from app.identity.queries import SignInQueries
from app.live.mutations import LiveMutations
from app.live.queries import LiveQueries
from app.live.subscriptions import LiveSubscriptions
from app.patients.mutations import (
    PatientMutations,
    ProgressNoteApprovalMutations,
    ProgressNoteMutations,
)
from app.patients.queries import PatientQueries, ProgressNoteQueries
from app.payroll.mutations import (
    PayrollCloseMutations,
    PayrollGenerateMutations,
    PayrollMutations,
    PayrollUserAdjustmentMutations,
    PayrollUserMutations,
)
from app.payroll.queries import PayrollQueries
from app.people.mutations import (
    CandidateHireMutations,
    CandidateMutations,
    ClientMutations,
    ContactMutations,
    UserMutations,
)
from app.people.queries import CandidateQueries, ClientQueries, ContactQueries, UserQueries
from app.scheduling.mutations import EventGroupMutations, EventMutations
from app.scheduling.queries import SchedulingQueries
from app.settings import Settings
from app.tickets.mutations import TicketActionMutations, TicketCategoryMutations, TicketMutations
from app.tickets.queries import TicketQueries
from app.visits.mutations import (
    PunchcardClockMutations,
    PunchcardMutations,
    VisitReviewMutations,
)
from app.visits.queries import EvvQueries, PunchcardQueries, VisitReviewQueries

log = logging.getLogger("app.graphql")


QUERY_PARTS: tuple[type, ...] = (
    NodeQueries,
    AccountQueries,
    AuditQueries,
    CatalogQueries,
    UserQueries,
    CandidateQueries,
    ClientQueries,
    ContactQueries,
    SignInQueries,
    PatientQueries,
    ProgressNoteQueries,
    FileQueries,
    SchedulingQueries,
    PunchcardQueries,
    VisitReviewQueries,
    EvvQueries,
    BillingQueries,
    PayrollQueries,
    ConversationQueries,
    TicketQueries,
    LiveQueries,
)
MUTATION_PARTS: tuple[type, ...] = (
    AccountMutations,
    ApiClientMutations,
    SkillMutations,
    TagMutations,
    UserMutations,
    CandidateMutations,
    ClientMutations,
    ContactMutations,
    CandidateHireMutations,
    SignInMutations,
    SignInAdminMutations,
    PatientMutations,
    ProgressNoteMutations,
    ProgressNoteApprovalMutations,
    FileMutations,
    EventMutations,
    EventGroupMutations,
    PunchcardMutations,
    PunchcardClockMutations,
    VisitReviewMutations,
    InvoiceMutations,
    InvoiceCloseMutations,
    PaymentMutations,
    InvoiceGenerateMutations,
    PayrollMutations,
    PayrollUserMutations,
    PayrollCloseMutations,
    PayrollGenerateMutations,
    PayrollUserAdjustmentMutations,
    ConversationMutations,
    UserNoteMutations,
    ConversationPostMutations,
    TicketMutations,
    TicketCategoryMutations,
    TicketActionMutations,
    LiveMutations,
)
SUBSCRIPTION_PARTS: tuple[type, ...] = (LiveSubscriptions,)


def root(name: str, kind: str, description: str, parts: tuple[type, ...]) -> type:
    """A root type made of the parts listed. A domain's `…Queries` (or `…Mutations`) class
    that is not listed is an error here, not a part silently missing from the schema."""
    found = classes_named(kind, kind.title())
    unlisted = [where for where, cls in found.items() if cls not in parts]
    if unlisted:
        names = ", ".join(unlisted)
        raise TypeError(f"{names}: not listed in the {name} type (app/graphql/schema.py)")
    return strawberry.type(type(name, parts, {}), name=name, description=description)


def _limits() -> str:
    """The query limits, as the schema's readers learn them (the defaults of Settings)."""
    default = {name: field.default for name, field in Settings.model_fields.items()}
    return (
        "Limits, checked before anything runs (these are the defaults; a server may set "
        f"others): a depth of {default['max_depth']}, {default['max_aliases']} aliases, "
        f"{default['max_tokens']:,} tokens, and a budget of {default['max_nodes']:,} records, "
        "counted as page sizes multiplied down each path (`first` or `last`, 20 when left out "
        "and at most 100; `nodes(ids:)` counts its ids). A query over a limit is refused whole "
        "(QUERY_TOO_LARGE for the budget). Every response says in `extensions.cost` what its "
        "query was estimated to cost (`requestedQueryCost`: the records it could return), what "
        "it did (`actualQueryCost`: the records returned; `databaseCommands`), and the budget "
        "(`maximumQueryCost`)."
    )


Query = root(
    "Query",
    "queries",
    f"Everything a caller can read, always within their own account. {_limits()}",
    QUERY_PARTS,
)
Mutation = root(
    "Mutation",
    "mutations",
    "Every change a caller can make. Expected refusals "
    "come back as `userErrors` in the payload, and then nothing was written.",
    MUTATION_PARTS,
)
gate_mutations(Mutation)

Subscription = root(
    "Subscription",
    "subscriptions",
    "What a caller can follow as it happens, over graphql-transport-ws on /graphql "
    "(authenticated by the connection_init payload's `Authorization`).",
    SUBSCRIPTION_PARTS,
)


class CaregraphSchema(strawberry.Schema):
    """Logs unexpected errors with the request id; expected refusals are not logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context: Any = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if not is_public(error):
                log.error(
                    "unexpected error in request %s: %s",
                    request_id,
                    error.message,
                    exc_info=error.original_error,
                )


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    show_codes()
    # The limiters' rules are made once: the validation cache is keyed by the rules too, and a
    # limiter made per request makes new rule classes, so it never found a document again.
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    schema = CaregraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=CompiledExecution,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: AddValidationRules(limits),
            lambda: ValidationCache(maxsize=512),
            IntrospectionGate,
            RequestGuards,
            ErrorShaping,
        ],
    )
    cheapen(schema)
    return schema


def schema_sdl() -> str:
    """The SDL that `schema.graphql` holds."""
    return str(build_schema().as_str()) + "\n"
