"""Rows of cheap fields completed in one pass, as graphql-jit does for graphql-js.

graphql-core executes every field of every row the same general way: a resolve info, a path,
an awaitable check, then the completion of its value (non-null, list, leaf, object), about
five microseconds a field. A page of a hundred patients with their coordinator and addresses
is eight hundred fields. Most of them are cheap (`cheap.py`: a stored key read, a resolver
without arguments), so for each object type and selection this executor makes a plan once per
request (graphql-core already memoizes the selection itself) and completes a row's cheap
fields by plan: read, check null, coerce the leaf or complete the sub-object by its own plan.

A field that is not cheap (arguments, async work, guards, abstract types, directives) runs as
graphql-core runs it, beside the planned ones. Whenever a planned field meets anything
unusual (a null where none is allowed, an awaitable, an error, a value a leaf refuses) the
whole row is done again the general way, so errors and their paths are graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.executor import Executor
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

FieldDetailsList = list[FieldDetails]
Complete = Callable[[Any, Path], Any]


class Unusual(Exception):
    """A planned field met something the plan does not handle: the row runs the general way."""


@dataclass(frozen=True)
class Planned:
    """A cheap field: its resolver, whether it wants a resolve info, how to complete it."""

    name: str
    field: GraphQLField
    details: FieldDetailsList
    resolve: Callable[..., Any]
    wants_info: bool
    complete: Complete


@dataclass(frozen=True)
class General:
    """A field graphql-core executes itself."""

    name: str
    details: FieldDetailsList


@dataclass(frozen=True)
class Plan:
    """How to complete one object type for one selection."""

    type_: GraphQLObjectType
    entries: tuple[Planned | General, ...]

    @property
    def whole(self) -> bool:
        """Every field planned: the object completes without graphql-core."""
        return all(isinstance(entry, Planned) for entry in self.entries)


class CompiledExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, completing objects by plan where their fields are cheap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Plan | None]]
        self._plans = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        plan = self.plan(return_type, field_details_list)
        if plan is not None:
            done = self.run(plan, result, path, position_context)
            if done is not Undefined:
                return done
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    # planning ------------------------------------------------------------------------------

    def plan(self, type_: GraphQLObjectType, details: FieldDetailsList) -> Plan | None:
        key = (type_, id(details))  # graphql-core memoizes selections on this identity too
        cached = self._plans.get(key)
        if cached is None:
            self._plans[key] = (details, None)  # a selection reaching itself is not planned
            cached = self._plans[key] = (details, self._make_plan(type_, details))
        return cached[1]

    def _make_plan(self, type_: GraphQLObjectType, details: FieldDetailsList) -> Plan | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None  # a middleware wraps every resolver: graphql-core must call them
        grouped, deferred, _ = self.collect_subfields(type_, details)
        if deferred:
            return None
        entries: list[Planned | General] = []
        for name, field_details in grouped.items():
            entries.append(self._entry(type_, name, field_details) or General(name, field_details))
        if not any(isinstance(entry, Planned) for entry in entries):
            return None
        return Plan(type_, tuple(entries))

    def _entry(
        self, type_: GraphQLObjectType, name: str, details: FieldDetailsList
    ) -> Planned | None:
        node = details[0].node
        field = self.schema.get_field(type_, node.name.value)
        resolve = getattr(field, "resolve", None)
        if field is None or resolve is None or not getattr(resolve, "__cheap__", False):
            return None
        if field.args or any(d.node.arguments or d.node.directives for d in details):
            return None
        complete = self._completer(field.type, details)
        if complete is None:
            return None
        wants_info = bool(getattr(resolve, "__wants_info__", True))
        return Planned(name, field, details, resolve, wants_info, complete)

    def _completer(self, type_: GraphQLOutputType, details: FieldDetailsList) -> Complete | None:
        if isinstance(type_, GraphQLNonNull):
            inner = self._completer(type_.of_type, details)
            return None if inner is None else _required(inner)
        if isinstance(type_, GraphQLList):
            item = self._completer(type_.of_type, details)
            return None if item is None else _listed(item)
        if isinstance(type_, GraphQLLeafType):
            return _leaf(type_)
        if isinstance(type_, GraphQLObjectType):
            plan = self.plan(type_, details)
            if plan is None or not plan.whole:
                return None
            return self._object(plan)
        return None  # an interface or a union: graphql-core resolves the runtime type

    def _object(self, plan: Plan) -> Complete:
        def complete(value: Any, path: Path) -> Any:
            if value is None:
                return None
            done = self.run(plan, value, path, None)
            if done is Undefined:
                raise Unusual
            return done

        return complete

    # running -------------------------------------------------------------------------------

    def run(self, plan: Plan, source: Any, path: Path, position_context: Any) -> Any:
        """The object's completed fields, or Undefined when the row must run the general way."""
        type_ = plan.type_
        if type_.is_type_of is not None:
            matches = type_.is_type_of(source, None)  # type: ignore[arg-type]
            if matches is not True:
                _discard(matches)
                return Undefined
        planned: dict[str, Any] = {}
        try:
            for entry in plan.entries:
                if isinstance(entry, Planned):
                    planned[entry.name] = self._value(entry, type_, source, path)
        except Exception:
            return Undefined
        if plan.whole:
            return planned
        return self._with_general(plan, source, path, position_context, planned)

    def _value(self, entry: Planned, type_: GraphQLObjectType, source: Any, path: Path) -> Any:
        field_path = Path(path, entry.name, type_.name)
        info = (
            self.build_resolve_info(entry.field, [d.node for d in entry.details], type_, field_path)
            if entry.wants_info
            else None
        )
        value = entry.resolve(source, info)
        if self.is_awaitable(value):
            _discard(value)
            raise Unusual
        return entry.complete(value, field_path)

    def _with_general(
        self,
        plan: Plan,
        source: Any,
        path: Path,
        position_context: Any,
        planned: Mapping[str, Any],
    ) -> Any:
        results: dict[str, Any] = {}
        waiting: list[str] = []
        for entry in plan.entries:
            if isinstance(entry, Planned):
                results[entry.name] = planned[entry.name]
                continue
            field_path = Path(path, entry.name, plan.type_.name)
            result = self.execute_field(
                plan.type_, source, entry.details, field_path, position_context
            )
            if result is not Undefined:
                results[entry.name] = result
                if self.is_awaitable(result):
                    waiting.append(entry.name)
        if not waiting:
            return results
        return _awaited(self, results, waiting)


async def _awaited(executor: Executor, results: dict[str, Any], waiting: list[str]) -> Any:
    from graphql.pyutils import gather_with_cancel

    values = await gather_with_cancel(*(results[name] for name in waiting))
    results.update(zip(waiting, values, strict=True))
    return results


def _required(inner: Complete) -> Complete:
    def complete(value: Any, path: Path) -> Any:
        done = inner(value, path)
        if done is None:
            raise Unusual  # graphql-core reports the null, with its path
        return done

    return complete


def _listed(item: Complete) -> Complete:
    def complete(value: Any, path: Path) -> Any:
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise Unusual
        return [item(element, path.add_key(index)) for index, element in enumerate(value)]

    return complete


def _leaf(type_: GraphQLLeafType) -> Complete:
    coerce = type_.coerce_output_value

    def complete(value: Any, path: Path) -> Any:
        if value is None:
            return None
        done = coerce(value)
        if done is Undefined or done is None:
            raise Unusual
        return done

    return complete


def _discard(value: Any) -> None:
    """Close a coroutine the plan will not await (the general way calls its resolver again)."""
    close = getattr(value, "close", None)
    if isinstance(value, Awaitable) and close is not None:
        close()
