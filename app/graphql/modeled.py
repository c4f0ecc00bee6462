"""GraphQL types derived from the pydantic models that define what is stored.

A document model is the one place that names a stored attribute (its alias is the catalogue's
name), describes it and validates it. From it we derive the output type (a `Record` reading
the raw document) and the input type, so no attribute is written three times.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from bson import ObjectId
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.common.documents import FieldGroup, GeoPoint, field_extra
from app.db import RawDoc
from app.graphql.arguments import LIST_GIVEN
from app.graphql.context import Info
from app.graphql.guards import guarded
from app.graphql.loaders import Loaders
from app.graphql.projection import Fields, fields_for, reads
from app.graphql.records import Record
from app.graphql.relay import node_types, record_ref
from app.graphql.shared import GeoPointInput, GeoPointType

C = TypeVar("C", bound=type)

_outputs: dict[type[BaseModel], type[Record]] = {}
_inputs: dict[tuple[type[BaseModel], bool], type] = {}
SCALARS = (str, int, bool, float, Decimal, dt.datetime, dt.date)


def describe(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    if not doc:
        raise TypeError(f"{model.__name__} needs a docstring: it becomes the type's description")
    return " ".join(doc.split())


def field_description(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    if not info.description:
        raise TypeError(f"{model.__name__}.{name} needs a description")
    return info.description


def reference_of(info: FieldInfo) -> str | None:
    """The GraphQL type a stored id points at, as a model field declares it."""
    target = field_extra(info).get("ref")
    return str(target) if target else None


def public_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """The fields a client sees: not `_id`, `_account`, `_revision`, nor hidden `_search` keys."""
    hidden = {"id", "account", "revision", "search", "revision_id"}
    return {name: info for name, info in model.model_fields.items() if name not in hidden}


def register(model: type[BaseModel], output: type[Record], input_: type) -> None:
    """Use hand-written types for a model whose stored shape is not its GraphQL shape."""
    _outputs[model] = output
    _inputs[(model, False)] = _inputs[(model, True)] = input_


register(GeoPoint, GeoPointType, GeoPointInput)


def output_type(model: type[BaseModel]) -> type[Record]:
    """The output type of an embedded model, named after it."""
    if model not in _outputs:
        namespace: dict[str, Any] = {"__model__": model, "__module__": model.__module__}
        cls = types.new_class(model.__name__, (Record,), {}, lambda ns: ns.update(namespace))
        _outputs[model] = cls
        add_model_fields(cls, model)
        strawberry.type(cls, name=model.__name__, description=describe(model))
    return _outputs[model]


def add_model_fields(cls: type, model: type[BaseModel], exclude: tuple[str, ...] = ()) -> None:
    """Add the model's plain fields to a type class that is about to become a strawberry type."""
    annotations = dict(inspect.get_annotations(cls))
    for name, info in public_fields(model).items():
        if name in exclude or name in cls.__dict__ or name in annotations:
            continue
        if field_extra(info).get("writeonly"):
            continue
        description = field_description(model, name, info)
        group = field_extra(info).get("group")
        extensions: list[Any] = []
        if group is not None:  # a marked field: nullable, and FORBIDDEN without its permission
            description, extensions = guarded(FieldGroup(group), description)
        if reference_of(info):
            setattr(cls, name, reference_field(model, name, info, description, extensions))
            continue
        # a marked field is nullable: its FORBIDDEN error nulls it, not the record holding it
        annotations[name] = (
            _graphql_annotation(info.annotation, output_type, optional=True)
            if group is not None
            else output_annotation(info)
        )
        setattr(cls, name, strawberry.field(description=description, extensions=extensions))
    cls.__annotations__ = annotations


def output_annotation(info: FieldInfo) -> Any:
    """A stored field's output type: non-null when every record holds a value, because the
    model requires one, writes its default at create (every write is validated), or every
    write fills it (`FILLED`); a list is never null (none stored reads as []). Null only where
    a record may truly lack the value."""
    if _is_list(info.annotation) or field_extra(info).get("filled"):
        return _graphql_annotation(_without_none(info.annotation), output_type, optional=False)
    unset = not info.is_required() and info.default is None and info.default_factory is None
    return _graphql_annotation(info.annotation, output_type, optional=unset)


def reference_field(
    model: type[BaseModel],
    name: str,
    info: FieldInfo,
    description: str,
    extensions: list[Any] | None = None,
) -> Any:
    """A stored id (or list of ids) resolved to the record(s), through the request's loader."""
    type_name = str(reference_of(info))
    collection = str(field_extra(info)["collection"])
    key = info.alias or name
    target = record_ref(type_name)
    many = _is_list(info.annotation)

    def shaped(docs: list[RawDoc | None]) -> Any:
        wrap = node_types()[type_name].from_doc  # type: ignore[attr-defined]
        if many:
            return [wrap(doc) for doc in docs if doc is not None]
        return None if docs[0] is None else wrap(docs[0])

    async def later(loaders: Loaders, refs: list[Any], fields: Fields) -> Any:
        return shaped(await loaders.load_many(collection, refs, fields))

    @reads(key)
    def resolve(root: Record, info: Info) -> Any:
        # Answered at once when the records are already held (a page fetches the references
        # its rows show before they resolve): a row then costs no task, future or await.
        value = root.doc.get(key)
        refs = [ref for ref in value or [] if ref is not None] if many else [value]
        if value is None or not refs:
            return [] if many else None
        loaders, fields = info.context.loaders, fields_for(info, collection)
        docs = []
        for ref in refs:
            found, doc = loaders.held(collection, ref, fields)
            if not found:
                return later(loaders, refs, fields)
            docs.append(doc)
        return shaped(docs)

    resolve.__reference__ = (key, collection)  # type: ignore[attr-defined]
    # a guarded list is nullable: its FORBIDDEN error must not null the record holding it
    listed: Any = list[target] | None if extensions else list[target]  # type: ignore[valid-type]
    resolve.__annotations__["return"] = listed if many else target | None
    return strawberry.field(resolver=resolve, description=description, extensions=extensions)


def record_type(
    model: type[BaseModel], *, name: str, description: str, exclude: tuple[str, ...] = ()
) -> Callable[[C], C]:
    """Decorate a hand-written record type (references, computed fields) with the model's rest."""

    def decorate(cls: C) -> C:
        cls.__model__ = model  # type: ignore[attr-defined]
        add_model_fields(cls, model, exclude)
        return strawberry.type(cls, name=name, description=description)

    return decorate


def input_type(model: type[BaseModel], *, name: str | None = None, patch: bool = False) -> type:
    """The input type of a model. A patch input has every field optional: unset means unchanged."""
    key = (model, patch)
    if key not in _inputs:
        type_name = name or f"{model.__name__}Input"
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {"__module__": model.__module__}
        for field_name, info in public_fields(model).items():
            if field_extra(info).get("readonly"):
                continue
            required = info.is_required() and not patch
            annotation = (
                strawberry.ID if reference_of(info) else
                _graphql_annotation(info.annotation, lambda m: input_type(m), optional=not required)
            )  # fmt: skip
            if reference_of(info) and not required:
                annotation = strawberry.ID | None
            if reference_of(info) and _is_list(info.annotation):
                annotation = list[strawberry.ID] | None
            annotations[field_name] = annotation
            description = field_description(model, field_name, info)
            if _is_list(info.annotation) and (patch or name is None):
                description = f"{description} {_list_given(patch)}"
            namespace[field_name] = (
                strawberry.field(description=description) if required
                else strawberry.field(description=description, default=strawberry.UNSET)
            )  # fmt: skip
        namespace["__annotations__"] = annotations
        cls = type(type_name, (), namespace)
        _inputs[key] = strawberry.input(cls, name=type_name, description=describe(model))
    return _inputs[key]


def _list_given(patch: bool) -> str:
    """What an update does with a list: an update's input says so; a subdocument's input,
    which creates and updates share, says so of updates."""
    return LIST_GIVEN if patch else f"In an update, {LIST_GIVEN[0].lower()}{LIST_GIVEN[1:]}"


def _is_list(annotation: Any) -> bool:
    inner = [a for a in typing.get_args(annotation) if a is not type(None)]
    target = (
        inner[0] if typing.get_origin(annotation) in (typing.Union, types.UnionType) else annotation
    )
    return typing.get_origin(target) is list


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return inner
    return annotation


def _graphql_annotation(
    annotation: Any, nested: Callable[[type[BaseModel]], type], *, optional: bool
) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {annotation}")
        return _graphql_annotation(inner[0], nested, optional=True)
    if origin is typing.Annotated:
        return _graphql_annotation(typing.get_args(annotation)[0], nested, optional=optional)
    if origin is list:
        (item,) = typing.get_args(annotation)
        result: Any = list[_graphql_annotation(item, nested, optional=False)]  # type: ignore[misc]
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        result = nested(annotation)
    elif annotation in SCALARS or (
        isinstance(annotation, type) and issubclass(annotation, enum.Enum)
    ):
        result = annotation
    elif isinstance(annotation, type) and issubclass(annotation, ObjectId):
        result = strawberry.ID
    else:
        raise TypeError(f"no GraphQL type for {annotation!r}")
    return result | None if optional else result
