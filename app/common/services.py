"""What every write shares: the actor, validation as user errors, encoding, reference checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from bson import Decimal128, ObjectId
from pydantic import BaseModel, ValidationError

from app.common.codes import Permission, RoleType
from app.common.documents import field_extra, nested_model
from app.common.encoding import encode_model
from app.common.money import decimal_of
from app.common.text import camel, control_character, is_multiline
from app.errors import ErrorCode, Problem, ServiceError

D = TypeVar("D", bound=BaseModel)
RawDoc = dict[str, Any]
SearchKeys = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Actor:
    """Who acts: the account, the user or API client acting for it, and where from."""

    account_id: int
    user_id: ObjectId | None = None
    api_client_id: ObjectId | None = None
    api_client_name: str | None = None
    request_id: str | None = None
    client_address: str | None = None
    role_type: RoleType | None = None
    """The kind of role the caller acts in: a caregiver's reads are their own rows only
    (app/data/policy.py); None for the agency itself, as with `permissions`."""
    computed: bool = False
    """What this actor writes now was computed by the rules (a punch's pay, a visit's copied
    rates), not given by it: its role's right to write marked fields is not asked."""
    permissions: frozenset[Permission] | None = None
    """The caller's role's permissions; None for the agency itself (seeding, migrations)."""
    user_name: str | None = None
    session_id: ObjectId | None = None
    """The sign-in session a user acts in: the trail names it beside the user."""

    def may(self, permission: Permission) -> bool:
        return self.permissions is None or permission in self.permissions

    def computing(self) -> Actor:
        """The same actor, writing what the rules computed (see `computed`)."""
        return replace(self, computed=True)

    def as_audit_actor(self) -> dict[str, Any]:
        if self.user_id is not None:
            return {
                "kind": "user",
                "id": self.user_id,
                "name": self.user_name,
                "session": self.session_id,
            }
        return {"kind": "api_client", "id": self.api_client_id, "name": self.api_client_name}


def problems_from(error: ValidationError, prefix: str = "input") -> list[Problem]:
    """Pydantic's complaints as user errors, with GraphQL input paths."""
    problems = []
    for detail in error.errors():
        path = [camel(str(p)) if isinstance(p, str) else str(p) for p in detail["loc"]]
        # null sent for a required field (a patch input allows it) is missing, not malformed
        missing = detail["type"] == "missing" or detail.get("input", ...) is None
        code = ErrorCode.REQUIRED if missing else ErrorCode.INVALID
        message = "Field required" if missing else detail["msg"].removeprefix("Value error, ")
        problems.append(Problem(message[:1].upper() + message[1:], code, ".".join([prefix, *path])))
    return problems


def validated(model: type[D], data: dict[str, Any], given: dict[str, Any] | None = None) -> D:
    """`data` as the model, or every problem with it. `given`: an update's patch, `data` the
    record it makes: only the values the patch gives are checked for unfit values, since the
    stored ones were accepted by the rules of their day, and an update changes only what it
    names (a name stored blank before blanks were refused does not block a new address)."""
    try:
        document = model.model_validate(data)
    except ValidationError as error:
        raise ServiceError(*problems_from(error)) from None
    problems = [
        problem
        for problem in unfit_values_in(document, "input")
        if given is None or gives(given, problem.field)
    ]
    if problems:
        raise ServiceError(*problems)
    return document


def gives(patch: dict[str, Any], path: str | None) -> bool:
    """Whether a patch gives the value at an input path (`input.name.last`): the path's field,
    or a subdocument or list holding it, is in the patch."""
    value: Any = patch
    for part in (path or "").split(".")[1:]:
        if not isinstance(value, dict):
            return True  # a list or a value given whole holds what is below it
        named = [key for key in value if camel(str(key)) == part]
        if not named:
            return False
        value = value[named[0]]
    return True


MAX_WHOLE_DIGITS = 15
"""No quantity, rate, multiplier or amount an agency keeps has more digits before the point;
larger ones would overflow the arithmetic (28 digits) of what is computed from them."""


def unfit_values_in(value: Any, path: str, multiline: bool = False) -> Iterator[Problem]:
    """A problem, naming its input path, for every value no record may store, at any depth
    (unknown keys kept from the old API too): a string holding a control character, a number
    with more than 15 digits before the point."""
    found: list[Problem] = []
    _unfit(value, (path,), multiline, found)
    return iter(found)


_PLAIN = frozenset({int, float, bool, type(None), dt.datetime, dt.date, ObjectId})
"""Values that are always fit: looked at first, by exact type, since most values of a record
are such (subclasses, an IntEnum say, are found last)."""
_multiline = cache(is_multiline)


@cache
def _fields_of(kind: type[BaseModel]) -> tuple[tuple[str, bool, bool], ...]:
    """A model class's fields, each with whether it holds text written in lines and whether it
    must show something (text of at least one character: a name, a title)."""
    return tuple(
        (name, _multiline(name), any(getattr(m, "min_length", 0) for m in info.metadata))
        for name, info in kind.model_fields.items()
    )


BLANK = "It is blank: give at least one character other than spaces."


def _unfit(
    value: Any, where: tuple[Any, ...], multiline: bool, found: list[Problem], shown: bool = False
) -> None:
    # The path is kept as its parts and spelt only for a problem: a record holds hundreds of
    # values, and each is fit nearly always (an invoice is checked twice as it is made; a year
    # of a series, 365 visits). Hence the exact-type tests first, a model's values read from
    # its __dict__, and text without any unprintable character passed without a search.
    # `shown`: the field asks for at least one character, which spaces alone do not give.
    kind = type(value)
    if kind in _PLAIN:
        return
    if kind is str:
        if not value.isprintable():
            _check_text(value, where, multiline, found)
        if shown and value.isspace():
            found.append(Problem(BLANK, ErrorCode.INVALID, _spelt(where)))
    elif isinstance(value, Decimal):
        if value.is_finite() and value and value.adjusted() >= MAX_WHOLE_DIGITS:
            why = f"Too large: at most {MAX_WHOLE_DIGITS} digits before the point."
            found.append(Problem(why, ErrorCode.INVALID, _spelt(where)))
    elif isinstance(value, BaseModel):
        values = value.__dict__
        for name, lines, shown in _fields_of(type(value)):
            _unfit(values.get(name), (*where, name), lines, found, shown)
        for name, inner in (value.model_extra or {}).items():
            _unfit(inner, (*where, name), _multiline(name), found)
    elif isinstance(value, dict):
        for name, inner in value.items():
            _unfit(inner, (*where, str(name)), _multiline(str(name)), found)
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            _unfit(inner, (*where, index), multiline, found)
    elif isinstance(value, str):  # an enum's value, say
        _check_text(value, where, multiline, found)


def _check_text(text: str, where: tuple[Any, ...], multiline: bool, found: list[Problem]) -> None:
    if (why := control_character(text, multiline)) is not None:
        found.append(Problem(why, ErrorCode.INVALID, _spelt(where)))


def _spelt(where: tuple[Any, ...]) -> str:
    """`("input", "service_lines", 0, "notes")` as `input.serviceLines.0.notes`."""
    head, *rest = where
    return ".".join([head, *(str(p) if isinstance(p, int) else camel(p) for p in rest)])


def decode(stored: Any) -> Any:
    """A stored value as the models take it: Decimal128 back to Decimal, at any depth."""
    if isinstance(stored, Decimal128):
        return decimal_of(stored)
    if isinstance(stored, dict):
        return {key: decode(value) for key, value in stored.items()}
    if isinstance(stored, list):
        return [decode(value) for value in stored]
    return stored


def keep_write_only(
    model: type[BaseModel], before: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """A subdocument given whole keeps the stored write-only values it could not show (a
    provider's auth token): a client cannot send back what it was never allowed to read."""
    kept = dict(changes)
    for name, value in changes.items():
        info = model.model_fields.get(name)
        nested = info.annotation if info is not None else None
        if not (
            isinstance(value, dict) and isinstance(nested, type) and issubclass(nested, BaseModel)
        ):
            continue
        for inner, inner_info in nested.model_fields.items():
            extra = inner_info.json_schema_extra
            if isinstance(extra, dict) and extra.get("writeonly") and inner not in value:
                kept[name] = {**kept[name], inner: (before.get(name) or {}).get(inner)}
    return kept


def encode(document: BaseModel) -> RawDoc:
    """A model as MongoDB stores it: catalogue names, Decimal128 money, dates as datetimes."""
    encoded: RawDoc = encode_model(document)
    encoded.pop("revision_id", None)
    return encoded


def references_in(
    model: type[BaseModel], data: Any, path: str
) -> Iterator[tuple[str, str, Any, str]]:
    """(collection, type, id, input path) of every reference in data shaped like the model."""
    if not isinstance(data, dict):
        return
    for name, alias, target, nested in _reference_fields(model):
        value = data.get(name, data.get(alias or name))
        if value is None:
            continue
        where = f"{path}.{camel(name)}"
        if target is not None:
            for key in _as_list(value):
                yield target[0], target[1], key, where
        elif nested is not None:
            values = value if isinstance(value, list) else [value]
            for index, part in enumerate(values):
                at = f"{where}.{index}" if isinstance(value, list) else where
                yield from references_in(nested, part, at)


ReferenceField = tuple[str, str | None, tuple[str, str] | None, type[BaseModel] | None]


@cache
def _reference_fields(model: type[BaseModel]) -> tuple[ReferenceField, ...]:
    """The fields of a model that hold references or subdocuments, found once per model (a
    year of a series checks 365 visits of the same shape); its other fields hold none."""
    found: list[ReferenceField] = []
    for name, info in model.model_fields.items():
        extra = field_extra(info)
        if extra.get("collection"):
            target = (str(extra["collection"]), str(extra.get("ref")))
            found.append((name, info.alias, target, None))
        elif (nested := nested_model(info)) is not None:
            found.append((name, info.alias, None, nested))
    return tuple(found)


def snapshot_id(snapshot: Any) -> ObjectId | None:
    """The id a snapshot holds, given as input (python names: `record`) or stored (`_id`)."""
    if not isinstance(snapshot, dict):
        return None
    key = snapshot.get("record", snapshot.get("_id"))
    return key if isinstance(key, ObjectId) else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def problems_from_many(
    validate: Callable[[Actor, dict[str, Any]], D],
    actor: Actor,
    items: list[dict[str, Any]],
    prefix: str | None,
) -> list[D]:
    """Validate every item; the problems of all of them, each path naming its item's index."""
    documents, problems = [], []
    for index, item in enumerate(items):
        try:
            documents.append(validate(actor, item))
        except ServiceError as refusal:
            for problem in refusal.problems:
                field = problem.field or ""
                if prefix is not None:
                    field = field.replace("input", f"{prefix}.{index}", 1)
                problems.append(Problem(problem.message, problem.code, field or None))
    if problems:
        raise ServiceError(*problems)
    return documents


def item_path(prefix: str | None, index: int) -> str:
    """The input path of an item: `input` for a single record, `<prefix>.<index>` in a list."""
    return "input" if prefix is None else f"{prefix}.{index}"
