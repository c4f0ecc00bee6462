"""The policy table as a GraphQL client meets it: the FORBIDDEN answers.

The decisions are app/data/policy.py's and the data path enforces them on every read and
write; this module only reports them. A marked field (pay, billing, clinical, HR, identity)
the caller may not read is null with one FORBIDDEN error naming it (`Guarded`), and so is a
field reading records of a type closed to the caller (`Gated`: a record's history); a root query
the caller's role may not use is refused before anything runs (extensions.RequestGuards); a
mutation it may not call answers its payload with a FORBIDDEN user error (`MutationGate`),
as the mutations' own permission checks always have.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import FieldExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from app.common.documents import FieldGroup
from app.data.fields import collections_of
from app.data.policy import GROUPS, MUTATIONS, QUERIES, RECORDS, SUBSCRIPTIONS, RootRule
from app.data.policy_checks import may_call, needs
from app.errors import ErrorCode, PublicError
from app.graphql.context import Context, Info
from app.graphql.payloads import UserError

INTROSPECTION = frozenset({"__typename", "__schema", "__type"})
NOTHING: dict[Any, Any] = {bool: False, int: 0}
"""What a refused mutation's payload says for a required count or flag: nothing done."""


class Guarded(FieldExtension):
    """A field of a group: null and one FORBIDDEN error for a role that may not read it (in
    the collections the field's record type is stored in)."""

    def __init__(self, group: FieldGroup) -> None:
        self.group = group

    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        self.check(source, info)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        self.check(source, info)
        return await next_(source, info, **kwargs)

    def check(self, source: Any, info: Info) -> None:
        model = getattr(type(source), "__model__", None)
        collections = collections_of(model) if model is not None else frozenset()
        if not info.context.may_read(self.group, collections):
            permission = GROUPS[self.group].read.name
            raise PublicError(
                f"Your role may not read this field (it needs {permission}).",
                code=ErrorCode.FORBIDDEN.value,
            )


class Gated(FieldExtension):
    """A field that reads records of a type some roles may not read at all (a record's
    `history` reads the trail): null and one FORBIDDEN error for them, as the root query of
    that type is refused. Nullable, so that the refusal nulls it, not the record holding it."""

    def __init__(self, record_type: str) -> None:
        self.record_type = record_type

    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        self.check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        self.check(info)
        return await next_(source, info, **kwargs)

    def check(self, info: Info) -> None:
        if not info.context.may_read_type(self.record_type):
            why = needs(RootRule(self.record_type), info.context.actor)
            raise PublicError(
                f"Your role may not read {self.record_type} records ({why}).",
                code=ErrorCode.FORBIDDEN.value,
            )


def gated_field(record_type: str, description: str, **options: Any) -> Any:
    """`@gated_field("AuditEvent", "…")` on a field that reads records of that type: nullable,
    and null with a FORBIDDEN error for a role that may not read them."""
    read = RECORDS[record_type].read
    needed = read.name if read is not None else "an office role"
    text = f"{description} Needs {needed}: null with a FORBIDDEN error without it."
    return strawberry.field(description=text, extensions=[Gated(record_type)], **options)


def guarded(group: FieldGroup, description: str) -> tuple[str, list[FieldExtension]]:
    """A marked field's description (saying what it needs) and its guard, for
    `strawberry.field(description=..., extensions=...)`."""
    permission = GROUPS[group].read.name
    note = f"Needs {permission}: null with a FORBIDDEN error without it."
    return (description if permission in description else f"{description} {note}"), [Guarded(group)]


def guarded_field(group: FieldGroup, description: str, **options: Any) -> Any:
    """`@guarded_field(FieldGroup.PAY, "…")` on a computed field of a record type: nullable,
    and null with a FORBIDDEN error for a role that may not read the group."""
    text, extensions = guarded(group, description)
    return strawberry.field(description=text, extensions=extensions, **options)


# --- root queries ---------------------------------------------------------------------------


def refused_queries(
    context: Context, selection_set: SelectionSetNode, fragments: Any, subscription: bool = False
) -> list[str]:
    """The root query (or subscription) fields of an operation the caller's role may not use,
    each saying what it needs."""
    actor = context.actor
    table = SUBSCRIPTIONS if subscription else QUERIES
    refused = []
    for name in dict.fromkeys(root_fields(selection_set, fragments)):
        rule = table.get(name)
        if rule is None or not may_call(actor, rule):
            refused.append(f"{name} ({needs(rule, actor)})" if rule else f"{name} (no policy)")
    return refused


def root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[str]:
    """The root fields an operation names, through its fragments."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value not in INTROSPECTION:
                yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from root_fields(fragment.selection_set, fragments)


# --- mutations ------------------------------------------------------------------------------


class MutationGate(FieldExtension):
    """A root mutation the caller's role may not call answers its payload at once: nothing
    else set, and one FORBIDDEN user error saying what it needs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.field: StrawberryField | None = None

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        refusal = self.refusal(info)
        return refusal if refusal is not None else next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        refusal = self.refusal(info)
        return refusal if refusal is not None else await next_(source, info, **kwargs)

    def refusal(self, info: Info) -> Any:
        rule = MUTATIONS.get(self.name)
        if rule is not None and (rule.open or may_call(info.context.actor, rule)):
            return None
        caller = info.context.caller
        role = f" ({caller.role})" if caller is not None else ""
        what = needs(rule, info.context.actor) if rule is not None else "it has no policy"
        return refused_payload(self.payload_type(), f"Your role{role} may not do this: {what}.")

    def payload_type(self) -> type:
        assert self.field is not None
        kind = self.field.type
        found = kind.of_type if isinstance(kind, StrawberryOptional) else kind
        assert isinstance(found, type)
        return found


def refused_payload(payload: type, message: str) -> Any:
    """A payload holding nothing but one FORBIDDEN user error."""
    if not has_object_definition(payload):
        raise PublicError(message, code=ErrorCode.FORBIDDEN.value)
    error = UserError(field=None, message=message, code=ErrorCode.FORBIDDEN)
    values: dict[str, Any] = {}
    for field in payload.__strawberry_definition__.fields:
        if field.base_resolver is not None:
            continue
        if field.python_name == "user_errors":
            values[field.python_name] = [error]
        elif isinstance(field.type, StrawberryList):
            values[field.python_name] = []
        elif isinstance(field.type, StrawberryOptional):
            values[field.python_name] = None
        elif field.type in NOTHING:  # a count or a flag of what was done: nothing was
            values[field.python_name] = NOTHING[field.type]
        else:
            raise PublicError(message, code=ErrorCode.FORBIDDEN.value)
    return payload(**values)


def gate_mutations(mutation_type: type) -> None:
    """Put every root mutation behind the policy table (schema.py calls it once)."""
    names = NameConverter()
    for field in mutation_type.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if not any(isinstance(e, MutationGate) for e in field.extensions):
            gate = MutationGate(names.get_graphql_name(field))
            gate.apply(field)
            field.extensions.append(gate)
