"""Guards run before any resolver: the sign-in gate, the policy table's root queries and the
node budget, and the cost each operation reports (`extensions.cost`). Error masking, after
the operation, is in `error_shaping.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from app.graphql.connections import DEFAULT_PAGE
from app.graphql.guards import refused_queries

OPEN_FIELDS = {"authorize", "signIn", "invitationAccept", "__typename", "__schema", "__type"}


def refuse(execution_context: Any, message: str, code: str) -> None:
    """Answer with one error and no data; execution (and every resolver) is skipped."""
    execution_context.result = ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code})]
    )


class RequestGuards(SchemaExtension):
    """Refuses an operation before execution: no credentials, a root query the caller's role
    may not use (FORBIDDEN, no data), or more nodes than the budget; and reports what it cost
    (`extensions.cost`)."""

    requested: int | None = None
    operation: OperationDefinitionNode | None = None

    def get_results(self) -> dict[str, Any]:
        """`extensions.cost`, as Shopify's: the records the operation could return (page sizes
        multiplied down each path: what the budget is checked against), the records it did
        return, the budget, and the database commands the request issued."""
        if self.requested is None or self.operation is None:
            return {}  # never counted: the document did not parse, validate or authenticate
        context = self.execution_context.context
        result = self.execution_context.result
        data = getattr(result, "data", None)
        returned = NodeCounter(self.execution_context).returned(self.operation, data)
        cost = {
            "requestedQueryCost": self.requested,
            "actualQueryCost": returned,
            "maximumQueryCost": context.settings.max_nodes,
            "databaseCommands": context.tally.commands,
        }
        return {"cost": cost}

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        operation = _operation(self.execution_context)
        if operation is None:
            name = sent_operation_name(self.execution_context)
            refuse(
                self.execution_context,
                f"The document has no operation named {name!r}."
                if name
                else "The document has several operations: say which to run with operationName.",
                "GRAPHQL_VALIDATION_FAILED",
            )
        elif context.caller is None and not _only_open_fields(operation):
            context.response_status = 401
            refuse(
                self.execution_context,
                "Authentication required: send Authorization: Bearer <api key or access token>.",
                "UNAUTHENTICATED",
            )
        elif refused := self._refused(operation):
            refuse(
                self.execution_context,
                f"Your role may not read {', '.join(refused)}.",
                "FORBIDDEN",
            )
        else:
            budget = context.settings.max_nodes
            nodes = NodeCounter(self.execution_context).count(operation)
            self.requested, self.operation = nodes, operation
            if nodes > budget:
                refuse(
                    self.execution_context,
                    f"This query could return {nodes} records, more "
                    f"than the limit of {budget}; ask for smaller pages.",
                    "QUERY_TOO_LARGE",
                )
        yield

    def _refused(self, operation: OperationDefinitionNode) -> list[str]:
        """The root queries and subscriptions the policy table closes to the caller's role (a
        mutation answers its own refusal in its payload: guards.MutationGate)."""
        context = self.execution_context.context
        kind = operation.operation
        if kind == OperationType.MUTATION or context.caller is None:
            return []
        document = self.execution_context.graphql_document
        definitions = document.definitions if document is not None else ()
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        subscription = kind == OperationType.SUBSCRIPTION
        return refused_queries(context, operation.selection_set, fragments, subscription)


def sent_operation_name(execution_context: Any) -> str | None:
    """The operationName the client sent. Strawberry's `operation_name` falls back to the first
    operation's name, which would run one of several operations the spec says to refuse."""
    return getattr(execution_context, "_provided_operation_name", execution_context.operation_name)


def _operation(execution_context: Any) -> OperationDefinitionNode | None:
    """The operation to run; None when the name is unknown, or missing among several."""
    document = execution_context.graphql_document
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = sent_operation_name(execution_context)
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _only_open_fields(operation: OperationDefinitionNode) -> bool:
    return all(
        isinstance(selection, FieldNode) and selection.name.value in OPEN_FIELDS
        for selection in operation.selection_set.selections
    )


class NodeCounter:
    """How many records an operation can return: page sizes multiplied down each path."""

    def __init__(self, execution_context: Any) -> None:
        schema = execution_context.schema._schema
        assert isinstance(schema, GraphQLSchema)
        self.schema = schema
        self.variables = execution_context.variables or {}
        document = execution_context.graphql_document
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        # what the walk over a response learns of a selection once, not once per row
        self._merged: dict[tuple[int, ...], dict[str, list[tuple[FieldNode, Any]]]] = {}
        self._paged: dict[tuple[int, ...], bool] = {}

    def count(self, operation: OperationDefinitionNode) -> int:
        # a variable left out takes its declared default: `$n: Int = 1000` counts as 1000
        self.variables = {
            **{
                definition.variable.name.value: value_from_ast_untyped(definition.default_value)
                for definition in operation.variable_definitions or ()
                if definition.default_value is not None
            },
            **self.variables,
        }
        root = self.schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root, 1) if root else 0

    def _selections(self, selection_set: SelectionSetNode, parent: Any, multiplier: int) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, multiplier)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total += self._selections(selection.selection_set, target, multiplier)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self._selections(fragment.selection_set, target, multiplier)
        return total

    def _field(self, node: FieldNode, parent: Any, multiplier: int) -> int:
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        size = self._page_size(node, definition.args)
        inner = multiplier * size if size is not None else multiplier
        total = inner if size is not None else 0
        if node.selection_set is not None:
            total += self._selections(node.selection_set, get_named_type(definition.type), inner)
        return total

    def _page_size(self, node: FieldNode, args: dict[str, Any]) -> int | None:
        if "first" not in args and "ids" not in args:
            return None
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in ("first", "last"):
            value = self._value(given.get(name))
            if isinstance(value, int):
                return max(value, 0)
        ids = self._value(given.get("ids"))
        if isinstance(ids, list):
            return len(ids)
        return DEFAULT_PAGE

    def returned(self, operation: OperationDefinitionNode, data: Any) -> int:
        """How many records an executed operation returned: the entries of its pages (and of
        `nodes(ids:)`), counted in the response, down each path as `count` counts them."""
        root = self.schema.get_root_type(operation.operation)
        return self._returned([(operation.selection_set, root)], data) if root else 0

    def _returned(self, selections: list[tuple[SelectionSetNode, Any]], data: Any) -> int:
        if isinstance(data, list):
            return sum(self._returned(selections, item) for item in data)
        if not isinstance(data, dict):
            return 0
        total = 0
        for key, fields in self._by_response_key(selections).items():
            value = data.get(key)
            if value is None:
                continue
            definition = fields[0][1]
            if "first" in definition.args or "ids" in definition.args:
                total += _entries(value)
            inner = [
                (node.selection_set, get_named_type(field.type))
                for node, field in fields
                if node.selection_set is not None
            ]
            if inner and self._pages_below(inner):
                total += self._returned(inner, value)
        return total

    def _pages_below(self, selections: list[tuple[SelectionSetNode, Any]]) -> bool:
        """Whether a page (or `nodes(ids:)`) is selected anywhere under these selections: a
        row's names and addresses hold none, so the walk need not visit them."""
        key = _identity(selections)
        found = self._paged.get(key)
        if found is None:
            found = False
            for fields in self._by_response_key(selections).values():
                definition = fields[0][1]
                inner = [
                    (node.selection_set, get_named_type(field.type))
                    for node, field in fields
                    if node.selection_set is not None
                ]
                if (
                    "first" in definition.args
                    or "ids" in definition.args
                    or (inner and self._pages_below(inner))
                ):
                    found = True
                    break
            self._paged[key] = found
        return found

    def _by_response_key(
        self, selections: list[tuple[SelectionSetNode, Any]]
    ) -> dict[str, list[tuple[FieldNode, Any]]]:
        """The fields of merged selection sets by the key they answer under, through fragments:
        a field selected twice (aliases, fragments) is counted once, as it is returned once."""
        key = _identity(selections)
        merged = self._merged.get(key)
        if merged is None:
            merged = self._merged[key] = self._merge(selections)
        return merged

    def _merge(
        self, selections: list[tuple[SelectionSetNode, Any]]
    ) -> dict[str, list[tuple[FieldNode, Any]]]:
        found: dict[str, list[tuple[FieldNode, Any]]] = {}
        pending = list(selections)
        while pending:
            selection_set, parent = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    fields = getattr(parent, "fields", None) or {}
                    if selection.name.value in fields:
                        key = (selection.alias or selection.name).value
                        field = fields[selection.name.value]
                        found.setdefault(key, []).append((selection, field))
                elif isinstance(selection, InlineFragmentNode):
                    cond = selection.type_condition
                    target = self.schema.get_type(cond.name.value) if cond else parent
                    pending.append((selection.selection_set, target))
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is not None:
                        target = self.schema.get_type(fragment.type_condition.name.value)
                        pending.append((fragment.selection_set, target))
        return found

    def _value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


def _identity(selections: list[tuple[SelectionSetNode, Any]]) -> tuple[int, ...]:
    return tuple(id(part) for pair in selections for part in pair)


def _entries(value: Any) -> int:
    """The records in a page as returned: its edges or nodes, or the list of `nodes(ids:)`."""
    if isinstance(value, list):
        return sum(item is not None for item in value)
    if isinstance(value, dict):
        page = value.get("edges", value.get("nodes"))
        return len(page) if isinstance(page, list) else 0
    return 0
