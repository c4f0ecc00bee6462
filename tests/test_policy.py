"""The policy table walked against the schema: every root field and every marked field has an
entry, each role's answers are the table's (a representative set through HTTP with real keys
of each role), and the README's roles table is the table's own rendering."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryOptional

from app.common.codes import Permission
from app.common.documents import FieldGroup
from app.data.fields import catalogue, collections_of
from app.data.policy import (
    BUILT_IN,
    BUILT_IN_ROLES,
    FILE_GROUPS,
    FILE_OWNERS,
    GROUPS,
    MUTATIONS,
    QUERIES,
    RECORDS,
    SUBSCRIPTIONS,
)
from app.data.policy_checks import may_call, may_read_group, may_read_type
from app.data.roles_table import roles_table
from app.files.documents import OWNER_KINDS, FileType
from app.graphql.guards import Gated, Guarded, MutationGate, refused_payload
from app.graphql.records import Record
from app.graphql.relay import node_types
from app.graphql.schema import Mutation, build_schema
from tests.factories import Api
from tests.factories_policy import Household, forbidden_paths, household, office_actor

README = Path(__file__).resolve().parents[1] / "README.md"
ROLES = [role.key for role in BUILT_IN_ROLES]


def schema_root_fields(kind: str) -> set[str]:
    schema = build_schema()._schema  # type: ignore[attr-defined]
    roots = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    return set(roots[kind].fields)


# --- the table covers the schema ----------------------------------------------------------------


def test_every_root_field_has_a_policy_entry_and_every_entry_a_field() -> None:
    # given the schema's root fields and the policy table
    queries, mutations = schema_root_fields("query"), schema_root_fields("mutation")
    subscriptions = schema_root_fields("subscription")
    # then each has exactly one entry, and no entry names a field that is gone
    assert sorted(queries - set(QUERIES)) == [], "root queries without a policy entry"
    assert sorted(mutations - set(MUTATIONS)) == [], "mutations without a policy entry"
    assert sorted(subscriptions - set(SUBSCRIPTIONS)) == [], "subscriptions without an entry"
    assert sorted(set(QUERIES) - queries) == [] and sorted(set(MUTATIONS) - mutations) == []
    assert sorted(set(SUBSCRIPTIONS) - subscriptions) == []


def test_every_record_type_has_a_rule_on_its_collection() -> None:
    # given every node type of the schema
    types = node_types()
    # then the table names each, with the collection it is stored in
    assert sorted(set(types) - set(RECORDS)) == []
    assert {name: RECORDS[name].collection for name in types} == {
        name: cls.collection()  # type: ignore[attr-defined]
        for name, cls in types.items()
    }


def test_every_marked_group_has_a_permission_and_every_marked_field_a_guard() -> None:
    # given every marked stored field, and every GraphQL type read from a document model
    marked = catalogue().marked
    assert marked, "the documents mark no field"
    assert {m.group for m in marked} <= set(GROUPS) and set(GROUPS) == set(FieldGroup)
    schema = build_schema()
    guards: dict[tuple[type, str], set[FieldGroup]] = {}
    for definition in _record_types(schema):
        model = definition.origin.__model__
        for field in definition.fields:
            groups = {e.group for e in field.extensions if isinstance(e, Guarded)}
            guards[(model, field.python_name)] = groups
            if groups:
                # a guarded field is nullable: its FORBIDDEN error nulls it, not its parent
                assert isinstance(field.type, StrawberryOptional), (model, field.python_name)
    # then each marked field shown in GraphQL carries the guard of its group
    shown = [m for m in marked if (m.model, m.name) in guards]
    assert len(shown) > 40
    missing = [
        (m.model.__name__, m.name) for m in shown if m.group not in guards[(m.model, m.name)]
    ]
    assert missing == []


def test_every_field_a_policy_may_refuse_is_nullable_and_each_closed_read_is_gated() -> None:
    # given every field of the schema's object types (a root query is refused whole, and a
    # mutation in its payload), and the record types some built-in role may not read
    schema = build_schema()._schema  # type: ignore[attr-defined]
    actors = [office_actor(role) for role in ROLES]
    closed = {name for name in node_types() if any(not may_read_type(a, name) for a in actors)}
    answers = _mutation_answers(schema)
    ungated, non_null = [], []
    for type_name, kind in schema.type_map.items():
        if not isinstance(kind, GraphQLObjectType) or type_name in ROOTS | answers:
            continue
        for name, field in kind.fields.items():
            definition = field.extensions.get("strawberry-definition")
            extensions = definition.extensions if definition is not None else []
            refusing = [e for e in extensions if isinstance(e, (Guarded, Gated))]
            target = get_named_type(field.type).name.removesuffix("Connection")
            wrapper = type_name.endswith(("Connection", "Edge"))
            # then a field reading records of such a type reads through the caller's rows (an
            # edge or a reference: such a role is shown none) or is gated (null, FORBIDDEN)
            if target in closed and not wrapper and not refusing and not _through_rows(definition):
                ungated.append(f"{type_name}.{name}")
            # and a field that may be refused is nullable: its FORBIDDEN nulls it, not its parent
            if refusing and isinstance(field.type, GraphQLNonNull):
                non_null.append(f"{type_name}.{name}")
    assert ungated == [], "fields reading closed record types without a gate"
    assert non_null == [], "fields a policy refuses that are non-null"
    assert "history" in {name for name in schema.type_map["Account"].fields}


ROOTS = {"Query", "Mutation", "Subscription"}
THROUGH_ROWS = {"related.<locals>.resolve", "reference_field.<locals>.resolve"}
"""Resolvers that read through the caller's scope: a closed record type shows no rows."""


def _through_rows(definition: Any) -> bool:
    resolver = getattr(definition, "base_resolver", None)
    return resolver is not None and resolver.wrapped_func.__qualname__ in THROUGH_ROWS


def _mutation_answers(schema: Any) -> set[str]:
    """The types only a mutation answers with (payloads, reports), up to the records in them:
    the mutation is refused in its payload."""
    found: set[str] = set()
    waiting = [get_named_type(f.type) for f in schema.mutation_type.fields.values()]
    while waiting:
        kind = waiting.pop()
        if not isinstance(kind, GraphQLObjectType) or kind.name in found:
            continue
        if any(i.name == "Node" for i in kind.interfaces):
            continue
        found.add(kind.name)
        waiting.extend(get_named_type(f.type) for f in kind.fields.values())
    return found


def test_the_files_rule_names_the_owner_kinds_and_file_types_files_have() -> None:
    # given the kinds of owner a file has, and its types
    owners = {kind.value: type_name for kind, (type_name, _, _) in OWNER_KINDS.items()}
    # then the policy table reads each kind's files as that kind's record type, and marks
    # only types of file there are, of owners there are
    assert owners == FILE_OWNERS
    assert {kind for kind, _ in FILE_GROUPS} <= set(owners)
    assert {file_type for _, file_type in FILE_GROUPS} <= {t.value for t in FileType}


def test_each_mutation_needs_what_its_description_says() -> None:
    # given each mutation's description ("Needs MANAGE_X.") and its entry in the table
    for field in Mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        name = NameConverter().get_graphql_name(field)
        stated = re.findall(r"Needs ([A-Z_]+)", field.description or "")
        rule = MUTATIONS[name]
        # then they agree (a file's is one of its owner kinds')
        if rule.permission is not None:
            assert stated[:1] == [rule.permission.name], name
        if rule.any_of:
            assert stated[0] in {p.name for p in rule.any_of}, name
        # and each answers a refusal in its own payload
        gate = next(e for e in field.extensions if isinstance(e, MutationGate))
        payload = refused_payload(gate.payload_type(), "no")
        assert payload.user_errors[0].code.value == "FORBIDDEN", name


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_call_follows_from_its_permissions(role: str) -> None:
    # given a role's actor, and the root fields the table opens to it
    actor = office_actor(role)
    queries = {name for name, rule in QUERIES.items() if may_call(actor, rule)}
    mutations = {name for name, rule in MUTATIONS.items() if may_call(actor, rule)}
    # then the duties the issue names hold (besides what anyone does for themself: sign in
    # and out, their own password and two-factor)
    mutations -= {name for name, rule in MUTATIONS.items() if rule.record_type is None}
    writes_money = {n for n, r in MUTATIONS.items() if r.record_type in PAY_AND_BILLING}
    if role == "administrator":
        assert queries == set(QUERIES) and mutations == {
            n for n, r in MUTATIONS.items() if r.record_type
        }
    if role == "auditor":  # read-only: every record and the trail, none of the office's tools
        assert mutations == set()
        assert queries == {name for name, rule in QUERIES.items() if rule.permission is None}
    if role == "caregiver":
        assert mutations == {"punchcardClockIn", "punchcardClockOut", "punchcardNote"}
        assert not queries & {"payrolls", "invoices", "payments", "candidates", "auditEvents"}
        assert {"punchcards", "payrollUsers", "patients", "progressNotes"} <= queries
    if role == "scheduler":
        assert not mutations & writes_money and "payrolls" not in queries
    if role in ("billing", "payroll"):
        kinds = {"billing": {"Invoice", "Payment", "Client"}, "payroll": {"Payroll", "PayrollUser"}}
        allowed = {MUTATIONS[n].record_type for n in mutations} - {None}
        assert allowed == kinds[role]


PAY_AND_BILLING = {"Invoice", "Payment", "Payroll", "PayrollUser"}


def test_the_readme_holds_the_roles_table_rendered_from_the_policy() -> None:
    # given the README and the rendering of the policy table
    text = README.read_text()
    # then the README holds exactly that rendering
    assert roles_table() in text, "run: python -c 'from app.data.roles_table import ...'"
    assert text.count("<!-- roles table") == 1


# --- through HTTP, with a key of each role ------------------------------------------------------

READS = {
    "account": "{ account { id } }",
    "users": "{ users { totalCount } }",
    "patients": "{ patients { totalCount } }",
    "events": "{ events { totalCount } }",
    "punchcards": "{ punchcards { totalCount } }",
    "progressNotes": "{ progressNotes { totalCount } }",
    "invoices": "{ invoices { totalCount } }",
    "payments": "{ payments { totalCount } }",
    "payrolls": "{ payrolls { totalCount } }",
    "payrollUsers": "{ payrollUsers { totalCount } }",
    "candidates": "{ candidates { totalCount } }",
    "userNotes": "{ userNotes { totalCount } }",
    "auditEvents": "{ auditEvents { totalCount } }",
    "caregiverMatches": '{ caregiverMatches(patient: "PATIENT") { score } }',
}
MARKED = """query($punchcard: ID!, $line: ID!, $patient: ID!, $user: ID!, $note: ID!) {
  punchcard: node(id: $punchcard) { ... on Punchcard { pay { amount } bill { amount }
    service { billRate payRate } } }
  line: node(id: $line) { ... on PayrollUser { punchcards { amount } gross net } }
  patient: node(id: $patient) { ... on Patient { problems { title } billing { payer } ssn
    dateOfBirth } }
  user: node(id: $user) { ... on User { certifications { name } ssn services { payRate } } }
  note: node(id: $note) { ... on ProgressNote { note } }
  account { services { billRate payRate } } }"""
# each field MARKED reads: (path, group, the record type whose collection holds it)
MARKED_FIELDS: list[tuple[tuple[str, ...], FieldGroup, str]] = [
    (("punchcard", "pay"), FieldGroup.PAY, "Punchcard"),
    (("punchcard", "bill"), FieldGroup.BILLING, "Punchcard"),
    (("punchcard", "service", "billRate"), FieldGroup.BILLING, "Punchcard"),
    (("punchcard", "service", "payRate"), FieldGroup.PAY, "Punchcard"),
    (("line", "punchcards"), FieldGroup.PAY, "PayrollUser"),
    (("line", "gross"), FieldGroup.PAY, "PayrollUser"),
    (("line", "net"), FieldGroup.PAY, "PayrollUser"),
    (("patient", "problems"), FieldGroup.CLINICAL, "Patient"),
    (("patient", "billing"), FieldGroup.BILLING, "Patient"),
    (("patient", "ssn"), FieldGroup.IDENTITY, "Patient"),
    (("patient", "dateOfBirth"), FieldGroup.IDENTITY, "Patient"),
    (("user", "certifications"), FieldGroup.HR, "User"),
    (("user", "ssn"), FieldGroup.IDENTITY, "User"),
    (("user", "services", 0, "payRate"), FieldGroup.PAY, "User"),
    (("note", "note"), FieldGroup.CLINICAL, "ProgressNote"),
    (("account", "services", 0, "billRate"), FieldGroup.BILLING, "Account"),
    (("account", "services", 0, "payRate"), FieldGroup.PAY, "Account"),
]


async def keys_of_every_role(home: Household) -> None:
    for role in ROLES:
        if role != "caregiver":
            await home.agency.key_for(role)
    home.agency.keys["caregiver"] = home.agency.keys["ada"]  # a caregiver signed in


async def test_each_role_reads_the_root_fields_the_table_opens_to_it(api: Api) -> None:
    # given the household and a credential of each built-in role (Ada's, for the caregiver)
    home = await household(api)
    await keys_of_every_role(home)
    for role in ROLES:
        actor = office_actor(role)
        for field, query in READS.items():
            # when the role reads the field
            query = query.replace("PATIENT", home.patients["ada"])
            response = await home.agency.gql(query, role=role)
            codes = [e["extensions"]["code"] for e in response.errors]
            # then it gets data, or FORBIDDEN and no data, as the table says
            if may_call(actor, QUERIES[field]):
                assert "FORBIDDEN" not in codes and response.data[field] is not None, (role, field)
            else:
                assert codes == ["FORBIDDEN"] and response.data is None, (role, field)


async def test_each_role_reads_the_marked_fields_the_table_opens_to_it(api: Api) -> None:
    # given the household (Ada's records) and a credential of each role
    home = await household(api)
    await keys_of_every_role(home)
    await home.agency.ok(
        """mutation($id: ID!) { userUpdate(id: $id, revision: 1, input: {
        certifications: [{name: "CPR"}], services: [{code: "PSW", payRate: "23.00"}] }) {
        userErrors { code } } }""",
        {"id": home.ada},
    )
    variables = {
        "punchcard": home.punchcards["ada"],
        "line": home.lines["ada"],
        "patient": home.patients["ada"],
        "user": home.ada,
        "note": home.notes["ada"],
    }
    for role in ROLES:
        actor = office_actor(role)
        # when the role reads one field of each group (on records of Ada's, the caregiver)
        response = await home.agency.gql(MARKED, variables, role=role)
        # then a record type closed to the role is FORBIDDEN whole, and of the others exactly
        # the fields the table closes to it are null, each with one FORBIDDEN error
        closed = [[_root_of(record)] for record in TYPES if not may_read_type(actor, record)]
        expected = sorted(
            [
                *closed,
                *(
                    list(path)
                    for path, group, record in MARKED_FIELDS
                    if may_read_type(actor, record)
                    and not may_read_group(actor, group, collections_of(_model(record)))
                ),
            ]
        )
        assert sorted(forbidden_paths(response)) == expected, (role, response.body)
        for path in expected:
            assert _at(response.data, path) is None, (role, path)
        shown = [
            p
            for p, _, r in MARKED_FIELDS
            if [_root_of(r)] not in closed and list(p) not in expected
        ]
        for path in shown:
            assert _at(response.data, list(path)) is not None, (role, path)


TYPES = ("Punchcard", "PayrollUser", "Patient", "User", "ProgressNote", "Account")


def _root_of(record: str) -> str:
    return {"Punchcard": "punchcard", "PayrollUser": "line", "Patient": "patient",
            "User": "user", "ProgressNote": "note", "Account": "account"}[record]  # fmt: skip


def _model(record: str) -> Any:
    return node_types()[record].__model__  # type: ignore[attr-defined]


def _at(data: Any, path: list[Any]) -> Any:
    for step in path:
        data = data[step] if data is not None else None
    return data


MUTATIONS_TRIED = {
    "payrollCreate": """mutation { payrollCreate(input: {start: "2025-03-03", end: "2025-03-09",
      periodType: WEEKLY}) { userErrors { code } } }""",
    "invoiceCreate": """mutation { invoiceCreate(input: {invoiceDate: "2025-05-31"}) {
      userErrors { code } } }""",
    "candidateCreate": """mutation { candidateCreate(input: {name: {first: "Sam", last: "Lee"}})
      { userErrors { code } } }""",
    "tagCreate": """mutation { tagCreate(input: {name: "Policy"}) { userErrors { code } } }""",
}


async def test_each_role_calls_the_mutations_the_table_opens_to_it(api: Api) -> None:
    # given the household and a credential of each role
    home = await household(api)
    await keys_of_every_role(home)
    for role in ROLES:
        for name, query in MUTATIONS_TRIED.items():
            # when the role calls the mutation
            response = await home.agency.gql(query, role=role)
            codes = [e["code"] for e in response.data[name]["userErrors"]]
            # then it is refused (FORBIDDEN) exactly when the table says so
            refused = not may_call(office_actor(role), MUTATIONS[name])
            assert (codes == ["FORBIDDEN"]) is refused, (role, name, response.body)


def _record_types(schema: Any) -> list[Any]:
    found = []
    for definition in schema.schema_converter.type_map.values():
        origin = getattr(definition.definition, "origin", None)
        if isinstance(origin, type) and issubclass(origin, Record) and hasattr(origin, "__model__"):
            found.append(definition.definition)
    return found


def test_the_permissions_every_view_role_needs_exist() -> None:
    # given the permissions, then each VIEW_ group permission is the auditor's (read-only)
    auditor = BUILT_IN["auditor"].permissions
    assert {rule.read for rule in GROUPS.values()} <= auditor
    assert not {p for p in auditor if not p.name.startswith("VIEW_")}
    assert Permission.RECORD_VISITS not in auditor


# --- built-in roles from code; an account's own roles -----------------------------------------

ROLES_UPDATE = """mutation($roles: [RoleInput!]) {
  accountUpdate(revision: 1, input: {roles: $roles}) {
  account { roles { key permissions } } userErrors { field code } } }"""


async def test_built_in_roles_come_from_code_whatever_an_account_stored(api: Api) -> None:
    # given an account stored before the policy table, whose billing role could run payrolls
    home = await household(api)
    agency = home.agency
    old_billing = {"key": "billing", "name": "Billing clerk", "type": "office",
                   "permissions": ["manage_billing", "manage_payroll"]}  # fmt: skip
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id}, {"$set": {"roles": [old_billing]}}
    )
    await agency.key_for("billing")
    # when its billing key makes a payroll and reads the payroll lines
    made = await agency.gql(MUTATIONS_TRIED["payrollCreate"], role="billing")
    lines = await agency.gql("{ payrollUsers { totalCount } }", role="billing")
    # then the built-in billing role's permissions apply: neither is allowed
    assert [e["code"] for e in made.data["payrollCreate"]["userErrors"]] == ["FORBIDDEN"]
    assert lines.data is None and forbidden_paths(lines) == [None]
    assert await api.count("payrolls", _account=agency.account_id) == 1


async def test_an_account_adds_roles_of_its_own_but_not_under_a_built_in_key(api: Api) -> None:
    # given an agency
    home = await household(api)
    agency = home.agency
    desk = {"key": "front_desk", "name": "Front desk", "type": "OFFICE",
            "permissions": ["MANAGE_PATIENTS"]}  # fmt: skip
    # when it gives its own role a built-in key, then it is refused and nothing is stored
    taken = await agency.gql(ROLES_UPDATE, {"roles": [desk, {**desk, "key": "scheduler"}]})
    assert taken.data["accountUpdate"]["userErrors"] == [
        {"field": "input.roles.1.key", "code": "DUPLICATE"}
    ]
    assert (await api.database.db.accounts.find_one({"_id": agency.account_id}))["roles"] == []
    # when it adds a role of its own, then the account lists the built-in roles and its own
    added = await agency.ok(ROLES_UPDATE, {"roles": [desk]})
    listed = added["accountUpdate"]["account"]["roles"]
    assert [r["key"] for r in listed] == [*ROLES, "front_desk"]
    # and a key of that role reads patients, not invoices, and may not write an identity field
    await agency.key_for("front_desk")
    patients = await agency.gql("{ patients { totalCount } }", role="front_desk")
    invoices = await agency.gql("{ invoices { totalCount } }", role="front_desk")
    assert patients.data == {"patients": {"totalCount": 2}}
    assert invoices.data is None and forbidden_paths(invoices) == [None]
    created = await agency.gql(
        """mutation { patientCreate(input: {name: {first: "Ann", last: "Lee"},
        dateOfBirth: "1940-02-02"}) { patient { id } userErrors { field code } } }""",
        role="front_desk",
    )
    assert created.data["patientCreate"]["userErrors"] == [
        {"field": "input.dateOfBirth", "code": "FORBIDDEN"}
    ]
    assert await api.count("patients", _account=agency.account_id) == 2
