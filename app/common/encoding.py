"""A model as MongoDB stores it, the way Beanie's encoder writes it, at a fraction of its cost.

Beanie's `Encoder` looks each value's type up among its custom encoders one `isinstance` at a
time and each model field's alias up again for every record: a year of a daily series spent
about a third of its Python time there. This encoder decides once per type how to write it
(the same rules in the same order: BSON scalars as they are, then Beanie's custom encoders,
then models, mappings and iterables) and once per model class what each field is stored as.
A model it cannot be sure of (a union document, a class id, Beanie links, custom BSON
encoders) goes to Beanie's encoder. `tests/test_encoding.py` compares both on stored records
of every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

import pydantic
from beanie import Document
from beanie.odm.utils.encoder import BSON_SCALAR_TYPES, DEFAULT_CUSTOM_ENCODERS, Encoder
from pydantic import BaseModel

from app.common.money import decimal128_of

Write = Callable[[Any], Any]

beanie_encoder = Encoder(to_db=True, keep_nulls=False)
"""What a record is encoded with when this module cannot be sure (and what it is checked
against)."""

_writers: dict[type, Write] = {}
_fields: dict[type, dict[str, tuple[str, bool]]] = {}


def encode_model(model: BaseModel) -> Any:
    """`Encoder(to_db=True, keep_nulls=False).encode(model)`, faster."""
    return _write(model)


def _write(value: Any) -> Any:
    kind = type(value)
    writer = _writers.get(kind)
    if writer is None:
        writer = _writers[kind] = _writer_for(kind)
    return value if writer is _same else writer(value)


def _same(value: Any) -> Any:
    return value


def _writer_for(kind: type) -> Write:
    if issubclass(kind, BSON_SCALAR_TYPES):
        return _same
    if issubclass(kind, Decimal):  # Beanie's encoder: Decimal128(value), here remembered
        return decimal128_of
    custom = DEFAULT_CUSTOM_ENCODERS.get(kind)
    if custom is not None:
        return custom
    for cls, encoder in DEFAULT_CUSTOM_ENCODERS.items():
        if issubclass(kind, cls):
            return encoder
    if issubclass(kind, Document):
        return _document
    if issubclass(kind, pydantic.RootModel):
        return lambda value: _write(value.root)
    if issubclass(kind, BaseModel):
        return _model
    if issubclass(kind, Mapping):
        return _mapping
    if issubclass(kind, Iterable):
        return lambda value: [_write(item) for item in value]
    return beanie_encoder.encode  # raises as Beanie does: "Cannot encode"


def _mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
    return {key if isinstance(key, Enum) else str(key): _write(item) for key, item in value.items()}


def _stored_names(kind: type[BaseModel]) -> dict[str, tuple[str, bool]]:
    """Each field's stored key and whether it is left out, for a model class."""
    found = _fields.get(kind)
    if found is None:
        found = _fields[kind] = {
            name: (info.alias or name, info.exclude is True)
            for name, info in kind.model_fields.items()
        }
    return found


def _model(model: BaseModel) -> dict[str, Any]:
    # the fields' values straight from __dict__ (what `BaseModel.__iter__` yields, without its
    # generator), then the extra keys a model allows
    names = _stored_names(type(model))
    written: dict[str, Any] = {}
    for values in (model.__dict__, model.__pydantic_extra__ or {}):
        for name, value in values.items():
            if value is None:
                continue  # keep_nulls=False
            stored, excluded = names.get(name, (name, False))
            if not excluded:
                written[stored] = _write(value)
    return written


def _document(document: Document) -> Any:
    settings = document.get_settings()
    if (
        settings.union_doc is not None
        or document._class_id
        or settings.bson_encoders
        or document.get_link_fields()
    ):
        return beanie_encoder.encode(document)
    if document._store:  # read lazily from the database: its fields parsed on first access
        document.parse_store()
    return _model(document)
