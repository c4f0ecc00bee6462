"""Object types read straight from stored documents.

A `Record` type wraps the raw MongoDB document and converts a field only when a query asks for
it: no pydantic parse on the read path, which the design measured as the main cost of a list.
Stored key names come from the pydantic model behind the type (its field aliases), so the
catalogue's names live in one place: the documents.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Self, cast

from pydantic import BaseModel
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

from app.common.documents import stored_key
from app.common.money import to_decimal

RawDoc = dict[str, Any]
Reader = Callable[[RawDoc], Any]


class Record:
    """Base of every type built from a stored (sub)document."""

    __model__: ClassVar[type[BaseModel]]
    __reads__: ClassVar[tuple[str, ...]] = ()
    """Stored keys every read of this type needs, whatever is selected (a check in `load`)."""
    _doc: RawDoc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Self:
        record = cls.__new__(cls)
        record.__dict__["_doc"] = doc
        return record

    @classmethod
    def from_docs(cls, docs: list[RawDoc]) -> list[Self]:
        return [cls.from_doc(doc) for doc in docs]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # asked of every value graphql-core completes (`__await__`)
            raise AttributeError(name)
        reader = _readers(type(self)).get(name)
        if reader is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        return reader(self.__dict__["_doc"])

    @property
    def doc(self) -> RawDoc:
        """The stored document behind this record."""
        return self.__dict__["_doc"]


def _readers(cls: type[Record]) -> dict[str, Reader]:
    cached: dict[str, Reader] | None = cls.__dict__.get("__readers__")
    if cached is None:
        cached = {}
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        for field in definition.fields:
            if field.base_resolver is None:
                key = stored_key(cls.__model__, field.python_name)
                cached[field.python_name] = _reader(key, converter(field.type))
        cls.__readers__ = cached  # type: ignore[attr-defined]
    return cached


def _reader(key: str, convert: Callable[[Any], Any]) -> Reader:
    def read(doc: RawDoc) -> Any:
        return convert(doc.get(key))

    return read


def converter(annotation: Any) -> Callable[[Any], Any]:
    """How a stored value becomes what a field of this type answers (`same`: as stored)."""
    if isinstance(annotation, StrawberryOptional):
        return converter(annotation.of_type)
    if isinstance(annotation, StrawberryList):
        item = converter(annotation.of_type)
        return lambda value: [item(v) for v in value] if value else []
    if isinstance(annotation, type):
        if issubclass(annotation, Record) and has_object_definition(annotation):
            wrap = cast(type[Record], annotation).from_doc
            return lambda value: None if value is None else wrap(value)
        if issubclass(annotation, enum.Enum):
            return _enum_converter(annotation)
        if annotation is Decimal:
            return to_decimal
        if annotation is dt.datetime:
            return to_utc
        if annotation is dt.date:
            return to_date
    return same


def same(value: Any) -> Any:
    return value


def _enum_converter(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    members = {member.value: member for member in enum_cls}

    def convert(value: Any) -> Any:
        # A code the enum does not know (an old export) reads as null, not as an error.
        return None if value is None else members.get(value)

    return convert


def to_utc(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value
