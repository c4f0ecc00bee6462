"""Property: an update changes what it mentions and nothing else, at every depth.

For patients, users and the account, a record is made with every field filled at every depth,
then patched with random subsets of its fields (subdocuments with random subsets of theirs,
nulls, lists of new items). The values are drawn from the stored models, which carry the
constraints the API enforces (lengths, bounds, patterns, a subdocument's own rules), and sent
over HTTP as the GraphQL variables of the record's update. After each update the stored
document, read from the database, must equal the one before with the patch applied by the
oracle below (written here, apart from app/common/patch.py): every field left out as it was, a
null cleared, a subdocument merged, a list replaced by its new items. A refused update must
leave the document as it was. Bounded: EXAMPLES per record type, derandomized.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import string
import types
import typing
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from bson import Decimal128
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from app.accounts.account_settings import ServiceSetting
from app.accounts.documents import Account
from app.common.documents import GeoPoint, field_extra
from app.common.identifiers import MODIFIER
from app.common.text import camel
from app.graphql.modeled import public_fields
from app.graphql.relay import from_global_id, to_global_id
from app.patients.documents import Patient
from app.people.documents import User
from tests.factories import Agency, Api

pytestmark = pytest.mark.fuzz

T = TypeVar("T")
EXAMPLES = 40
BOOKKEEPING = frozenset({"_revision", "_last_updated_date", "_search"})
"""What every write stamps anew: not part of what a patch keeps or changes."""
TEXT = string.ascii_letters + string.digits
PATTERNED = TEXT + "@.#:-"
"""Characters for values drawn from a field's pattern (emails, colours, HH:MM)."""
EARLIEST, LATEST = dt.datetime(2020, 1, 1), dt.datetime(2035, 12, 31)
Strategy = st.SearchStrategy[Any]
RULED_ITEMS: dict[tuple[type[BaseModel], str], Strategy] = {
    (ServiceSetting, "modifiers"): st.from_regex(MODIFIER, fullmatch=True),
}
"""Items whose rule is a validator, not a constraint the draws can read: drawn from the rule,
or nearly every service of a rich account is refused and drawn again (a minute of draws)."""


# The shape of a field ---------------------------------------------------------------------------


def unwrapped(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """A field's type without Optional and Annotated: (type, nullable, constraints)."""
    nullable, constraints = False, []
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable, annotation = True, inner[0]
        elif origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            constraints.extend(extra)
        else:
            return annotation, nullable, constraints


def bound(constraints: list[Any], name: str) -> Any:
    return next((getattr(c, name) for c in constraints if getattr(c, name, None) is not None), None)


def is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel) and kind is not GeoPoint


def writable(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> dict[str, FieldInfo]:
    """The fields an input of the model holds (as app/graphql/modeled.py derives them)."""
    return {
        name: info
        for name, info in public_fields(model).items()
        if name not in skip and not field_extra(info).get("readonly")
    }


# Values, as the models take them ----------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    """Strategies for the values of a model's fields. `rich`: every field given at every depth
    (a record to patch); otherwise random subsets, with nulls where a field may be null."""

    rich: bool

    def field(self, model: type[BaseModel], name: str, info: FieldInfo) -> Strategy | None:
        kind, nullable, constraints = unwrapped(info.annotation)
        if field_extra(info).get("ref"):
            return None  # ids of other records: not drawn
        value = self.value(kind, [*info.metadata, *constraints], RULED_ITEMS.get((model, name)))
        if value is None or self.rich or not nullable:
            return value
        return st.none() | value

    def value(
        self, kind: Any, constraints: list[Any], ruled: Strategy | None = None
    ) -> Strategy | None:
        kind, _, inner = unwrapped(kind)
        constraints = [*constraints, *inner]
        if typing.get_origin(kind) is list:
            item = self.value(typing.get_args(kind)[0], []) if ruled is None else ruled
            low = max(bound(constraints, "min_length") or 0, 1 if self.rich else 0)
            high = min(bound(constraints, "max_length") or 2, 2)
            return None if item is None else st.lists(item, min_size=low, max_size=high)
        if kind is GeoPoint:
            degrees = st.integers(-8999, 8999).map(lambda n: n / 100)
            return st.tuples(degrees, degrees).map(
                lambda p: {"type": "Point", "coordinates": [p[0], p[1]]}
            )
        if is_model(kind):
            return self.subdocument(kind)
        return scalar(kind, constraints)

    def subdocument(self, model: type[BaseModel]) -> Strategy | None:
        fields = {
            name: (info, self.field(model, name, info)) for name, info in writable(model).items()
        }
        if any(info.is_required() and s is None for info, s in fields.values()):
            return None
        required = {name: s for name, (info, s) in fields.items() if info.is_required()}
        optional = {name: s for name, (info, s) in fields.items() if s is not None}
        optional = {name: s for name, s in optional.items() if name not in required}
        if self.rich:
            drawn = st.fixed_dictionaries({**required, **optional})
        else:
            drawn = st.fixed_dictionaries(required, optional=optional)
        return drawn.filter(lambda data: valid(model, data))

    def patch(self, model: type[BaseModel], skip: frozenset[str]) -> Strategy:
        fields = {
            name: self.field(model, name, info) for name, info in writable(model, skip).items()
        }
        drawn = {name: s for name, s in fields.items() if s is not None}
        if self.rich:
            return st.fixed_dictionaries(drawn)
        return st.fixed_dictionaries({}, optional=drawn).filter(bool)


def scalar(kind: Any, constraints: list[Any]) -> Strategy | None:
    low = bound(constraints, "ge")
    high = bound(constraints, "le")
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(list(kind))
    if kind is bool:
        return st.booleans()
    if kind is int:
        low = 0 if low is None else low
        return st.integers(low, low + 1000 if high is None else high)
    if kind is float:
        return st.integers(-10_000, 10_000).map(lambda n: n / 100)
    if kind is Decimal:
        low = Decimal(0) if low is None else Decimal(low)
        high = low + 10_000 if high is None else Decimal(high)
        return st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)
    if kind is str:
        shortest = max(bound(constraints, "min_length") or 1, 1)
        longest = min(bound(constraints, "max_length") or 12, 12)
        pattern = bound(constraints, "pattern")
        if pattern is not None:
            drawn = st.from_regex(pattern, fullmatch=True, alphabet=PATTERNED)
            return drawn.filter(lambda text: shortest <= len(text) <= (longest or 200))
        return st.text(TEXT, min_size=shortest, max_size=max(longest, shortest))
    if kind is dt.datetime:
        moments = st.datetimes(EARLIEST, LATEST, timezones=st.just(dt.UTC))
        return moments.map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))
    if kind is dt.date:
        return st.dates(EARLIEST.date(), LATEST.date())
    return None


def valid(model: type[BaseModel], data: dict[str, Any]) -> bool:
    """Whether a subdocument keeps its own rules (a slot ends after it starts)."""
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


# Values, as GraphQL takes them ------------------------------------------------------------------


def variables(value: Any, kind: Any) -> Any:
    """A drawn value as a GraphQL variable of the field's input type."""
    kind, _, _ = unwrapped(kind)
    if value is None:
        return None
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return [variables(v, item) for v in value]
    if kind is GeoPoint:
        longitude, latitude = value["coordinates"]
        return {"latitude": latitude, "longitude": longitude}
    if is_model(kind):
        fields = kind.model_fields
        return {camel(k): variables(v, fields[k].annotation) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# The oracle: what the stored document must become -----------------------------------------------


def normal(value: Any) -> Any:
    """A value as compared: nulls left out (they are not stored), Decimal128 as Decimal, codes
    as their stored value, days as midnight UTC, moments in UTC."""
    if isinstance(value, dict):
        kept = {k: normal(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    if isinstance(value, BaseModel):
        return normal(value.model_dump(by_alias=True))
    return value


def defaults(model: type[BaseModel]) -> dict[str, Any]:
    """What a new subdocument holds for the fields it is not given."""
    return normal(
        {
            info.alias or name: info.get_default(call_default_factory=True)
            for name, info in model.model_fields.items()
            if not info.is_required()
        }
    )


def applied(stored: dict[str, Any], patch: dict[str, Any], model: type[BaseModel]) -> Any:
    """The stored document with the patch applied, as the API promises: a field left out
    stays, a null clears, a subdocument merges into the stored one, a list is new items."""
    result = dict(stored)
    for name, value in patch.items():
        info = model.model_fields[name]
        key, (kind, _, _) = info.alias or name, unwrapped(info.annotation)
        if value is None:
            result.pop(key, None)
        elif is_model(kind):
            result[key] = applied(result.get(key) or defaults(kind), value, kind)
        else:
            result[key] = new_value(value, kind)
    return normal(result)


def new_value(value: Any, kind: Any) -> Any:
    kind, _, _ = unwrapped(kind)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return [new_value(v, item) for v in value]
    if is_model(kind):
        return applied(defaults(kind), value, kind)
    return normal(value)


def kept(document: dict[str, Any]) -> Any:
    return normal({k: v for k, v in document.items() if k not in BOOKKEEPING})


# The record types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordType:
    model: type[BaseModel]
    collection: str
    skip: frozenset[str] = frozenset()
    """Fields left out of the draws: the account's `active` and `roles` would lock the test's
    key out, and its `extId` is unique across accounts; a user's role must name one the
    account has, and who may give which role is its own rule (tests/test_giving_roles.py)."""

    @property
    def field(self) -> str:
        return self.model.__name__[0].lower() + self.model.__name__[1:]

    def graphql(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = self.model.model_fields
        return {camel(k): variables(v, fields[k].annotation) for k, v in data.items()}


PATIENTS = RecordType(Patient, "patients")
USERS = RecordType(User, "users", frozenset({"role", "role_type"}))
ACCOUNT = RecordType(Account, "accounts", frozenset({"active", "roles", "ext_id"}))


async def made(agency: Agency, kind: RecordType, rich: dict[str, Any]) -> Any:
    """The key of a record holding the rich draw: a new one, or the agency's account."""
    if kind is ACCOUNT:
        current = await stored(agency, kind, agency.account_id)
        payload = await patched(agency, kind, agency.account_id, current["_revision"], rich)
        assert payload["userErrors"] == [], payload
        return agency.account_id
    name, field = kind.model.__name__, kind.field
    data = await agency.ok(
        f"""mutation($input: {name}CreateInput!) {{ {field}Create(input: $input)
        {{ {field} {{ id }} userErrors {{ field message }} }} }}""",
        {"input": kind.graphql(rich)},
    )
    payload = data[f"{field}Create"]
    assert payload["userErrors"] == [], payload
    decoded = from_global_id(payload[field]["id"])
    assert decoded is not None
    return decoded[1]


async def patched(
    agency: Agency, kind: RecordType, key: Any, revision: int, patch: dict[str, Any]
) -> dict[str, Any]:
    """The update's payload, through the API."""
    given = {"revision": revision, "input": kind.graphql(patch)}
    if kind is ACCOUNT:
        query = """mutation($revision: Int!, $input: AccountUpdateInput!) {
          accountUpdate(revision: $revision, input: $input) {
            account { revision } userErrors { field message code } } }"""
        return (await agency.ok(query, given))["accountUpdate"]  # type: ignore[no-any-return]
    name, field = kind.model.__name__, kind.field
    query = f"""mutation($id: ID!, $revision: Int!, $input: {name}UpdateInput!) {{
      {field}Update(id: $id, revision: $revision, input: $input) {{
        {field} {{ revision }} userErrors {{ field message code }} }} }}"""
    data = await agency.ok(query, {**given, "id": to_global_id(name, key)})
    return data[f"{field}Update"]  # type: ignore[no-any-return]


async def stored(agency: Agency, kind: RecordType, key: Any) -> dict[str, Any]:
    document = await agency.api.database.db[kind.collection].find_one({"_id": key})
    assert document is not None
    return document  # type: ignore[no-any-return]


async def patches_hold(
    agency: Agency, kind: RecordType, record: dict[str, Any], changes: list[dict[str, Any]]
) -> list[bool]:
    """Make the record, send each patch in turn and check what was stored after it; whether
    each was taken."""
    key = await made(agency, kind, record)
    before, taken = await stored(agency, kind, key), []
    for patch in changes:
        # when a patch is sent
        payload = await patched(agency, kind, key, before["_revision"], patch)
        after = await stored(agency, kind, key)
        taken.append(not payload["userErrors"])
        if payload["userErrors"]:
            # then a refused patch changes nothing
            assert after == before, payload["userErrors"]
            continue
        # then the stored record is the old one with the patch applied, and nothing else
        assert payload[kind.field]["revision"] == after["_revision"] == before["_revision"] + 1
        assert kept(after) == applied(kept(before), patch, kind.model), patch
        before = after
    return taken


def blocking(loop: asyncio.AbstractEventLoop, work: Awaitable[T]) -> T:
    """Run a coroutine on the test's loop from Hypothesis's thread."""
    return asyncio.run_coroutine_threadsafe(work, loop).result(timeout=120)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [PATIENTS, USERS, ACCOUNT], ids=lambda k: k.collection)
async def test_an_update_changes_what_it_mentions_and_nothing_else(
    api: Api, kind: RecordType
) -> None:
    # given an agency, and draws of whole records and of patches of them
    agency = await api.agency()
    loop = asyncio.get_running_loop()
    rich = Draw(rich=True).patch(kind.model, kind.skip)
    patches = st.lists(Draw(rich=False).patch(kind.model, kind.skip), min_size=1, max_size=2)
    outcomes: list[bool] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(record=rich, changes=patches)
    def check(record: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        outcomes.extend(blocking(loop, patches_hold(agency, kind, record, changes)))

    await asyncio.to_thread(check)
    # and most patches were taken, so the property was tested on real changes
    assert outcomes.count(True) >= len(outcomes) * 3 // 4, outcomes
