"""Every record type and attribute the seed documents name is reachable in the schema.

The catalogue (tests/data/catalogue.json, a copy of the project's seed catalogue) lists them; an
attribute is reachable on its type under its camelCase name without a leading underscore. Where
that name is taken by another attribute of the same record (punchcards have `_event`, a snapshot,
and `event`, an id), the snapshot is `<name>Snapshot`.
"""

from __future__ import annotations

import json
from pathlib import Path

from graphql import GraphQLObjectType, build_schema

from app.common.text import camel
from app.graphql.schema import schema_sdl

CATALOGUE = json.loads((Path(__file__).parent / "data" / "catalogue.json").read_text())
TYPES = {
    "accounts": "Account", "candidates": "Candidate", "clients": "Client", "contacts": "Contact",
    "conversations": "Conversation", "events": "Event", "eventsgroups": "EventGroup",
    "files": "File", "invoices": "Invoice", "patients": "Patient",
    "patientsprogressnotes": "ProgressNote", "payments": "Payment", "payrolls": "Payroll",
    "payrollsusers": "PayrollUser", "punchcards": "Punchcard", "skills": "Skill", "tags": "Tag",
    "users": "User", "usersnotes": "UserNote",
}  # fmt: skip


def graphql_name(attribute: str, siblings: set[str]) -> str:
    name = "id" if attribute == "_id" else camel(attribute.replace(".", "_"))
    taken = attribute.startswith("_") and attribute.lstrip("_") in siblings
    return f"{name}Snapshot" if taken else name


def test_every_record_type_of_the_catalogue_is_a_type() -> None:
    # given the schema, when each catalogue record is looked up, then it is an object type
    schema = build_schema(schema_sdl())
    assert set(CATALOGUE["records"]) == set(TYPES)
    missing = [
        t for t in TYPES.values() if not isinstance(schema.type_map.get(t), GraphQLObjectType)
    ]
    assert missing == []


def test_every_attribute_of_the_catalogue_is_reachable_on_its_type() -> None:
    # given the schema and the catalogue
    schema = build_schema(schema_sdl())
    missing = []
    # when every attribute is looked for on its record's type
    for record, attributes in CATALOGUE["records"].items():
        graphql_type = schema.type_map.get(TYPES[record])
        fields = graphql_type.fields if isinstance(graphql_type, GraphQLObjectType) else {}
        siblings = {a["name"] for a in attributes}
        for attribute in attributes:
            name = graphql_name(attribute["name"], siblings)
            if name not in fields:
                missing.append(f"{TYPES[record]}.{name} ({record}.{attribute['name']})")
    # then none is missing
    assert missing == []
