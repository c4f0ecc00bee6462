"""Marked fields: where the documents store pay, billing, clinical, HR and identity fields,
which of them a caller may not read (the data path does not fetch them) or write.

The documents are the single source: a field carries its group in its metadata
(`json_schema_extra=PAY`, app/common/documents.py), at any depth. This module walks every
document model once and answers, per collection, the stored paths of the marked fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.common.codes import Permission, RoleType
from app.common.documents import FieldGroup, field_extra, nested_model
from app.common.text import camel
from app.data.policy import RECORDS
from app.data.policy_checks import may_read_group, may_write_group, write_needs
from app.errors import ErrorCode, Problem

if TYPE_CHECKING:
    from app.common.services import Actor

Projection = Mapping[str, Any] | None


@dataclass(frozen=True)
class Marked:
    """A marked field: the model declaring it, its name there, and where it is stored."""

    model: type[BaseModel]
    name: str
    group: FieldGroup
    collection: str
    path: str
    """Its stored path from the document's root, dotted (through lists too)."""


@dataclass
class Catalogue:
    """Every marked field, and the shape of every collection's documents."""

    marked: list[Marked] = field(default_factory=list)
    collections_of: dict[type[BaseModel], set[str]] = field(default_factory=dict)
    children: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(collection, stored path of a subdocument) -> the stored keys its model declares."""

    def walk(self, model: type[BaseModel], collection: str, prefix: str = "") -> None:
        self.collections_of.setdefault(model, set()).add(collection)
        for name, info in model.model_fields.items():
            path = f"{prefix}{info.alias or name}"
            group = field_extra(info).get("group")
            if group is not None:
                self.marked.append(Marked(model, name, FieldGroup(group), collection, path))
            nested = nested_model(info)
            if nested is not None and nested is not model and path.count(".") < 8:
                keys = tuple(i.alias or n for n, i in nested.model_fields.items())
                self.children[(collection, path)] = keys
                self.walk(nested, collection, f"{path}.")


@cache
def catalogue() -> Catalogue:
    """The marked fields of every document model (found through app/domains.py)."""
    from app.db import document_models  # the domains' documents import this package

    found = Catalogue()
    for model in document_models():
        settings = getattr(model, "Settings", None)
        name = getattr(settings, "name", None)
        if name is not None:
            found.walk(model, str(name))
    return found


def collections_of(model: type[BaseModel]) -> frozenset[str]:
    """The collections whose documents hold this model (itself or as a subdocument)."""
    return frozenset(catalogue().collections_of.get(model, ()))


def hidden_paths(actor: Actor, collection: str) -> tuple[str, ...]:
    """The stored paths in the collection that the actor may not read."""
    if actor.permissions is None:
        return ()
    return _hidden(actor.permissions, actor.role_type, collection)


@lru_cache(maxsize=1024)
def _hidden(
    permissions: frozenset[Permission], role_type: RoleType | None, collection: str
) -> tuple[str, ...]:
    from app.common.services import Actor

    actor = Actor(account_id=0, permissions=permissions, role_type=role_type)
    return tuple(
        marked.path
        for marked in catalogue().marked
        if marked.collection == collection
        and not may_read_group(actor, marked.group, (collection,))
    )


def masked(
    fields: Projection | Sequence[str], hidden: Sequence[str], collection: str
) -> Projection:
    """A projection that leaves out the hidden paths as well as what `fields` leaves out.

    MongoDB cannot mix inclusions and exclusions, so a projection that includes a
    subdocument holding a hidden path (`services` when `services.bill_rate` is hidden)
    includes that subdocument's other keys instead, as its model declares them."""
    if not hidden:
        return fields if fields is None or isinstance(fields, Mapping) else dict.fromkeys(fields, 1)
    given = dict.fromkeys(fields, 1) if isinstance(fields, Sequence) else dict(fields or {})
    including = any(value for key, value in given.items() if key != "_id")
    if not including:
        kept = {k: v for k, v in given.items() if not _under_any(k, hidden)}
        return {**kept, **{h: 0 for h in hidden if not _under_any(h, list(kept))}}
    result: dict[str, Any] = {}
    for key, value in given.items():
        if key == "_id" or not value:
            result[key] = value
        elif not _under_any(key, hidden):
            result.update(_included(key, hidden, collection))
        else:
            # a hidden key asked for alone (`service.bill_rate`): the subdocument holding it
            # is still read, so the record shows it with the hidden field null, as whole
            holder = key.rpartition(".")[0]
            while holder and _under_any(holder, hidden):
                holder = holder.rpartition(".")[0]
            if holder:
                result.update(_included(holder, hidden, collection))
    return result


def _under_any(path: str, parents: Sequence[str]) -> bool:
    """Whether the path is one of `parents`, or lies inside one."""
    return any(path == p or path.startswith(f"{p}.") for p in parents)


def _included(path: str, hidden: Sequence[str], collection: str) -> dict[str, int]:
    """`path` included, or, when it holds hidden paths, its other keys."""
    if not any(h.startswith(f"{path}.") for h in hidden):
        return {path: 1}
    included: dict[str, int] = {}
    for key in catalogue().children.get((collection, path), ()):
        child = f"{path}.{key}"
        if not _under_any(child, hidden):
            included.update(_included(child, hidden, collection))
    return included


def unwritable(
    actor: Actor, model: type[BaseModel], items: Sequence[Mapping[str, Any]], paths: Sequence[str]
) -> list[Problem]:
    """A FORBIDDEN problem for each marked field the items give a value (null too) that the
    actor may not write, naming its input path (`paths`: each item's)."""
    if actor.permissions is None:
        return []
    problems: list[Problem] = []
    for item, where in zip(items, paths, strict=True):
        _check(actor, model, item, where, problems)
    return problems


def _check(
    actor: Actor, model: type[BaseModel], data: Any, where: str, problems: list[Problem]
) -> None:
    if not isinstance(data, Mapping):
        return
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        path = f"{where}.{camel(name)}"
        group = field_extra(info).get("group")
        if group is not None and not may_write_group(actor, FieldGroup(group)):
            needed = write_needs(FieldGroup(group))
            message = f"Your role may not set this field: it needs {needed}."
            problems.append(Problem(message, ErrorCode.FORBIDDEN, path))
            continue
        nested = nested_model(info)
        if nested is None:
            continue
        if isinstance(value, list):
            for index, each in enumerate(value):
                _check(actor, nested, each, f"{path}.{index}", problems)
        else:
            _check(actor, nested, value, path, problems)


def in_trail(entry: Mapping[str, Any], hidden_of: Callable[[str], tuple[str, ...]]) -> Any:
    """A trail entry as a caller reads it: the values of its changes pass the same field policy
    as the record type's own fields (`hidden_of`: the stored paths a collection hides from
    the caller). A change of a field the caller may not read keeps its field's name with both
    values null; inside a value it may read, the parts it may not read are left out."""
    changes = entry.get("changes")
    if not changes:
        return entry
    rule = RECORDS.get(str(entry.get("record_type")))
    if rule is None:  # no record type to judge the values by: none is shown
        return {**entry, "changes": [_unvalued(change) for change in changes]}
    hidden = hidden_of(rule.collection)
    if not hidden:
        return entry
    return {**entry, "changes": [_shown(change, hidden) for change in changes]}


def _shown(change: Mapping[str, Any], hidden: Sequence[str]) -> Mapping[str, Any]:
    """A change with what the hidden stored paths hold taken out of it."""
    named = [part for part in str(change.get("field", "")).split(".") if not part.isdigit()]
    for path in hidden:
        stored = path.split(".")
        shown = [camel(part) for part in stored]
        if named[: len(shown)] == shown:  # the change is of a hidden field, or inside one
            return _unvalued(change)
        if shown[: len(named)] == named:  # a hidden part lies inside the changed value
            inner = stored[len(named) :]
            change = {
                **change,
                "before": _without(change.get("before"), inner),
                "after": _without(change.get("after"), inner),
            }
    return change


def _unvalued(change: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**change, "before": None, "after": None}


def _without(value: Any, path: Sequence[str]) -> Any:
    """The value without what the stored path inside it holds (through lists too)."""
    if isinstance(value, list):
        return [_without(item, path) for item in value]
    if not isinstance(value, Mapping) or not path or path[0] not in value:
        return value
    head, rest = path[0], path[1:]
    if not rest:
        return {key: item for key, item in value.items() if key != head}
    return {**value, head: _without(value[head], rest)}


def masks_for(actor: Actor) -> Callable[[str], tuple[str, ...]]:
    """The actor's field policy: per collection, the stored paths it may not read."""
    if actor.permissions is None:
        return _nothing_hidden
    return partial(hidden_paths, actor)


def _nothing_hidden(collection: str) -> tuple[str, ...]:
    return ()
