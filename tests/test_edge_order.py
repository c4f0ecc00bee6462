"""Every reverse edge takes its target's `orderBy`, and stays batched when it is given."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import Agency, Api
from tests.factories_scheduling import MONDAY as NEXT_WEEK
from tests.test_graph import agency_with_patients

TYPES = """{ __schema { types { name kind inputFields { name }
  fields { name type { kind name ofType { kind name } } args { name type { name } } } } } }"""
WALK = """query($from: DateTime!, $to: DateTime!, $order: EventOrder) { patients(first: 50) {
  nodes { fullName events(filter: {start: {start: $from, end: $to}}, orderBy: $order) {
    nodes { start } } } } }"""
UNSORTED_EDGES = {"history", "messages"}
"""The audit trail and a conversation's messages: lists in one fixed order (newest entries
first; messages as written), with no ordering input of their own."""


def connection_of(field: dict[str, Any]) -> str | None:
    kind = field["type"]
    named = kind["ofType"] if kind["kind"] == "NON_NULL" else kind
    name = named.get("name") or ""
    return name.removesuffix("Connection") if name.endswith("Connection") else None


async def test_every_reverse_edge_takes_its_targets_order(api: Api) -> None:
    # given the schema
    agency = await api.agency()
    types = (await agency.ok(TYPES))["__schema"]["types"]
    inputs = {t["name"] for t in types if t["kind"] == "INPUT_OBJECT"}

    # when every connection on a record (not the root lists) is looked at
    edges = [
        (owner["name"], field, target)
        for owner in types
        if owner["kind"] in ("OBJECT", "INTERFACE") and owner["name"] not in ("Query", "Mutation")
        for field in owner["fields"] or []
        if (target := connection_of(field)) is not None and field["name"] not in UNSORTED_EDGES
    ]

    # then each takes `orderBy` of its target's own ordering input
    assert len(edges) >= 28
    for owner, field, target in edges:
        args = {arg["name"]: arg["type"]["name"] for arg in field["args"]}
        assert f"{target}Order" in inputs, (owner, field["name"])
        assert args.get("orderBy") == f"{target}Order", (owner, field["name"], args)


async def walk(agency: Agency, order: dict[str, str] | None) -> tuple[Any, int]:
    window = {"from": NEXT_WEEK.isoformat(), "to": (NEXT_WEEK + dt.timedelta(days=7)).isoformat()}
    response = await agency.gql(WALK, {**window, "order": order})
    assert response.status == 200 and not response.errors, response.body
    return response.data["patients"]["nodes"], response.db_commands


async def test_a_reverse_edge_sorts_as_asked_in_one_command_for_all_parents(api: Api) -> None:
    # given patients with two visits each
    agency = await agency_with_patients(api, 3)

    # when their visits are listed earliest first (the edge's default), then latest first
    earliest, default_commands = await walk(agency, None)
    latest, ordered_commands = await walk(agency, {"field": "START", "direction": "DESC"})

    # then each patient's visits come in the order asked for
    for patient in earliest:
        starts = [event["start"] for event in patient["events"]["nodes"]]
        assert len(starts) == 2 and starts == sorted(starts)
    for patient in latest:
        starts = [event["start"] for event in patient["events"]["nodes"]]
        assert len(starts) == 2 and starts == sorted(starts, reverse=True)

    # and ordering costs no command more: still one for all the patients' visits
    assert ordered_commands == default_commands
