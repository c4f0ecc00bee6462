"""What production tells a stranger: no schema unless allowed, no "Did you mean" hints.

Introspection (`__schema`, `__type`) is open to everyone outside production; in production to
administrators (MANAGE_ACCOUNT) only, or to nobody (`CAREGRAPH_INTROSPECTION` = on | admins |
off). The caller is known only at execution, so this is checked then, not in the (cached)
validation. Validation and input errors in production keep their message without the
suggestions graphql-core appends (a way to map the schema field by field).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from app.common.codes import Permission

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class IntrospectionGate(SchemaExtension):
    """Refuses an operation that introspects when the settings do not let this caller."""

    def on_execute(self) -> Iterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        allowed = context.settings.introspection_for
        if allowed != "on" and _introspects(execution_context):
            refusal = _refusal(context, allowed)
            if refusal is not None:
                status, message, code = refusal
                context.response_status = status
                execution_context.result = _refused(message, code)
        yield


def _refusal(context: Any, allowed: str) -> tuple[int, str, str] | None:
    if allowed == "off":
        return 403, "Introspection is turned off on this server.", "FORBIDDEN"
    if context.caller is None:
        return (
            401,
            "Introspection on this server needs an administrator's credentials.",
            "UNAUTHENTICATED",
        )
    if not context.caller.may(Permission.MANAGE_ACCOUNT):
        return 403, "Introspection on this server is for administrators only.", "FORBIDDEN"
    return None


def _refused(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def _introspects(execution_context: Any) -> bool:
    """Whether any operation of the document asks for `__schema` or `__type` (they live on the
    root query type, reached directly or through fragments)."""
    document = execution_context.graphql_document
    if document is None:
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return any(
        _asks(d.selection_set, fragments, set())
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


def _asks(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> bool:
    for selection in selections.selections:
        if isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_FIELDS:
            return True
        if isinstance(selection, InlineFragmentNode) and _asks(
            selection.selection_set, fragments, seen
        ):
            return True
        if isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _asks(fragment.selection_set, fragments, seen):
                return True
    return False


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error without "Did you mean …?" hints."""
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )
