"""A bounded fuzz run: random but well-typed variables, drawn from the schema's own input types,
sent over HTTP to a few representative mutations. Whatever comes back, it is never an internal
error, and every user error names the field it is about.

The strategies are built from introspection, so they follow the schema as it grows. Each
mutation gets 60 examples, derandomized so that CI runs the same ones every time; deselect
with `-m 'not fuzz'`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Agency, Api, Response, create_patient, create_user
from tests.factories_billing import billing_agency

pytestmark = pytest.mark.fuzz

T = TypeVar("T")
MUTATIONS = (
    *("patientCreate", "patientUpdate", "eventCreate", "eventGroupCreate", "invoiceGenerate"),
    "accountUpdate",
)
EXAMPLES = 60
ODDS = 5
DEPTH = 4
"""How deep inputs nest before optional fields are left out (a list of subdocuments of lists)."""

SCHEMA = """{ __schema { mutationType { fields { name args { name type { ...T } } } }
  types { name kind enumValues { name } inputFields { name type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } }"""

ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))]
ODD_TEXT = st.sampled_from(["", " ", "\u0000", "A\u0002", "é", "x" * 300, "1e7000", "NaN"])
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
EDGES_OF_TIME = st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
EDGES_OF_DAYS = st.sampled_from(["0001-01-01", "9999-12-31", "2025-02-29"])
ODD_DECIMALS = st.sampled_from(["1e7000", "1E-7000", "0." + "1" * 40, "-0", "1_000"])
SOON = dt.datetime(2025, 5, 1)
"""Dates near the fixtures' (May 2025), so that some draws land where the data is."""


class Strategies:
    """Hypothesis strategies for the values of the schema's input types."""

    def __init__(self, types: list[dict[str, Any]], ids: list[str]) -> None:
        self.types = {t["name"]: t for t in types}
        self.ids = ids

    def of(self, kind: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        """Values of a type as declared: null only where it is nullable."""
        if kind["kind"] == "NON_NULL":
            return self._value(kind["ofType"], depth)
        return st.none() | self._value(kind, depth)

    def _value(self, kind: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if kind["kind"] == "LIST":
            return st.lists(self.of(kind["ofType"], depth + 1), max_size=2 if depth < DEPTH else 0)
        if kind["kind"] == "ENUM":
            return st.sampled_from([v["name"] for v in self.types[kind["name"]]["enumValues"]])
        if kind["kind"] == "INPUT_OBJECT":
            return self.input_object(kind["name"], depth + 1)
        return self.scalar(kind["name"])

    def input_object(self, name: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
        fields = self.types[name]["inputFields"]
        required = {
            f["name"]: self.of(f["type"], depth) for f in fields if f["type"]["kind"] == "NON_NULL"
        }
        optional = (
            {f["name"]: st.deferred(lambda f=f: self.of(f["type"], depth)) for f in fields}
            if depth <= DEPTH
            else {}
        )
        optional = {k: v for k, v in optional.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)

    def scalar(self, name: str) -> st.SearchStrategy[Any]:
        zones = st.sampled_from(ZONES)
        strategies: dict[str, st.SearchStrategy[Any]] = {
            "String": sometimes(ODD_TEXT | st.text(max_size=20), st.text(ALPHABET, max_size=20)),
            "Boolean": st.booleans(),
            "Int": sometimes(st.integers(-(2**31), 2**31 - 1), st.integers(-3, 40)),
            "Float": sometimes(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-90, 90)),
            "ID": sometimes(st.text(max_size=12), st.sampled_from(self.ids)),
            "Decimal": sometimes(
                st.decimals(allow_nan=False, allow_infinity=False).map(str) | ODD_DECIMALS,
                st.decimals(-(10**6), 10**6, places=2).map(str),
            ),
            "DateTime": sometimes(
                st.datetimes(timezones=zones).map(dt.datetime.isoformat) | EDGES_OF_TIME,
                st.datetimes(SOON, SOON + dt.timedelta(days=60), timezones=zones).map(
                    dt.datetime.isoformat
                ),
            ),
            "Date": sometimes(
                st.dates().map(dt.date.isoformat) | EDGES_OF_DAYS,
                st.dates(SOON.date(), SOON.date() + dt.timedelta(days=60)).map(dt.date.isoformat),
            ),
        }
        return strategies[name]


def sometimes(odd: st.SearchStrategy[T], usual: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """Mostly the usual values, an odd one about one draw in six: a request then holds a
    bad value or two, not one in every field (which the first one found would refuse)."""
    return st.integers(0, ODDS).flatmap(lambda n: odd if n == 0 else usual)


def type_text(kind: dict[str, Any]) -> str:
    if kind["kind"] == "NON_NULL":
        return type_text(kind["ofType"]) + "!"
    if kind["kind"] == "LIST":
        return f"[{type_text(kind['ofType'])}]"
    return str(kind["name"])


def operation(field: dict[str, Any]) -> str:
    args = field["args"]
    declared = ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in args)
    passed = ", ".join(f"{a['name']}: ${a['name']}" for a in args)
    return (
        f"mutation({declared}) {{ {field['name']}({passed}) "
        "{ __typename userErrors { field message code } } }"
    )


def problems_in(response: Response) -> list[str]:
    """What the contract forbids: a server error, an internal error, a nameless user error."""
    found = []
    if response.status >= 500:
        found.append(f"HTTP {response.status}")
    for error in response.errors:
        code = (error.get("extensions") or {}).get("code")
        if code == "INTERNAL_ERROR" or error.get("message") == "Unexpected error.":
            found.append(f"internal error at {error.get('path')}")
    for payload in (response.data or {}).values():
        for error in (payload or {}).get("userErrors") or []:
            if not error.get("field"):
                found.append(f"user error naming no field: {error}")
    return found


async def valid_bases(agency: Agency) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Well-formed variables for each mutation (a random draw is laid over them half the
    time, so that the fuzz reaches the rules behind validation), and ids that exist."""
    patient = await create_patient(agency)
    caregiver = await create_user(agency)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    bases = {
        "patientCreate": {"input": {"name": {"first": "Ada", "last": "Lee"}}},
        "patientUpdate": {"id": patient["id"], "revision": 1, "input": {}},
        "eventCreate": {
            "input": {
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=1)).isoformat(),
                "service": {"code": "PSW"},
                "patient": {"record": patient["id"]},
                "attendees": [{"user": caregiver["id"]}],
            }
        },
        "eventGroupCreate": {
            "input": {
                "freq": "MONTHLY",
                "byweekday": ["MO", "TU", "WE", "TH", "FR"],
                "bysetpos": [-1],
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=1)).isoformat(),
                "service": {"code": "PSW"},
                "patient": {"record": patient["id"]},
            }
        },
        "invoiceGenerate": {
            "billingPeriod": {"start": "2025-05-01", "end": "2025-05-31"},
            "patient": patient["id"],
        },
        "accountUpdate": {"revision": 1, "input": {}},
    }
    return bases, [patient["id"], caregiver["id"], agency.global_id]


def overlay(base: dict[str, Any], drawn: dict[str, Any]) -> dict[str, Any]:
    """The drawn variables over the base ones, input objects merged one level down; the
    record and revision an update names stay the base's, or it would stop at CONFLICT."""
    merged = dict(base)
    for name, value in drawn.items():
        if name in ("id", "revision"):
            continue
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            merged[name] = {**base[name], **value}
        else:
            merged[name] = value
    return merged


REVISION = {
    "patientUpdate": ("query($id: ID!) { patient(id: $id) { revision } }", "patient"),
    "accountUpdate": ("{ account { revision } }", "account"),
}


async def current(agency: Agency, mutation: str, base: dict[str, Any]) -> dict[str, Any]:
    """The base variables of an update at the record's current revision."""
    if mutation not in REVISION:
        return base
    query, field = REVISION[mutation]
    data = await agency.ok(query, {"id": base["id"]} if "id" in base else None)
    return {**base, "revision": data[field]["revision"]}


def blocking(loop: asyncio.AbstractEventLoop, coroutine: Awaitable[T]) -> T:
    """Run a coroutine on the test's loop from Hypothesis's thread."""
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)  # type: ignore[arg-type]


@pytest.mark.parametrize("mutation", MUTATIONS)
async def test_random_well_typed_input_never_causes_an_internal_error(
    api: Api, mutation: str
) -> None:
    # given an agency with a patient and a caregiver, and strategies over the schema's inputs
    agency = await billing_agency(api)
    schema = (await agency.ok(SCHEMA))["__schema"]
    [field] = [f for f in schema["mutationType"]["fields"] if f["name"] == mutation]
    bases, ids = await valid_bases(agency)
    strategies = Strategies(schema["types"], ids)
    variables = st.fixed_dictionaries({a["name"]: strategies.of(a["type"]) for a in field["args"]})
    query, loop, seen = operation(field), asyncio.get_running_loop(), []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=variables, on_base=st.booleans())
    def check(drawn: dict[str, Any], on_base: bool) -> None:
        base = blocking(loop, current(agency, mutation, bases[mutation]))
        sent = overlay(base, drawn) if on_base else drawn
        # when it is sent over HTTP
        response = blocking(loop, agency.gql(query, sent))
        seen.append(response.status)
        # then nothing in the answer is an internal error or a nameless user error
        assert problems_in(response) == [], (sent, response.body)

    await asyncio.to_thread(check)
    assert len(seen) >= EXAMPLES
