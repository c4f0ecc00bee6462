"""A page asks MongoDB only for the stored keys it shows.

Every list and loader fetches the keys the selection set reads (fragments included) plus those
its resolvers declare, and ids, revisions and deletion marks; the rest of a record stays in
the database. The bytes the database sends back are counted (`X-Db-Bytes`) and pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bson
import pytest
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from app.db import Database
from tests.factories import Agency, Api, create_patient, create_user, location

README_PAGE = """{ patients(first: 10, filter: {city: "Toronto"}) { totalCount nodes { fullName
  caseCoordinator { fullName } locations { city geo { latitude longitude } } } } }"""
PAGE_BYTES = 3_400
"""What the README's example costs for 10 patients and their coordinator: the BSON size of the
three replies, envelopes included (measured 3,295; whole records: 24,159)."""

LONG = "Needs help with bathing, dressing and meals; family visits on Sundays. " * 6


@pytest.fixture
def measured(database: Database) -> Iterator[None]:
    database.counter.measure_bytes = True
    yield
    database.counter.measure_bytes = False


async def detailed_patients(api: Api, count: int) -> tuple[Agency, dict[str, Any]]:
    """Patients with a coordinator, a home in Toronto, and a long record besides."""
    agency = await api.agency()
    coordinator = await create_user(agency, name={"first": "Jamal", "last": "Okafor"})
    for number in range(count):
        await create_patient(
            agency,
            name={"first": "Chloe", "last": f"Ali{number:02d}"},
            caseCoordinator=coordinator["id"],
            locations=[location(latitude=43.5 + number / 100)],
            generalNotes=LONG,
            importantNotes=LONG,
            problems=[{"title": "Mobility", "notes": LONG}],
            phones=[{"number": "+1 416 555 0101", "type": "HOME", "primary": True}],
        )
    return agency, coordinator


async def stored_bytes(api: Api, collection: str, account: int) -> int:
    cursor = api.database.db[collection].find({"_account": account})
    return sum([len(bson.encode(doc)) async for doc in cursor])


async def test_the_readme_page_fetches_only_the_keys_it_shows(api: Api, measured: None) -> None:
    # given ten patients whose records hold much more than the page shows
    agency, _ = await detailed_patients(api, 10)
    whole = await stored_bytes(api, "patients", agency.account_id)
    # when the README's example asks for a page of them
    response = await agency.gql(README_PAGE)
    # then the page is whole
    assert response.status == 200 and not response.errors, response.body
    nodes = response.data["patients"]["nodes"]
    assert response.data["patients"]["totalCount"] == 10 and len(nodes) == 10
    assert nodes[0] == {
        "fullName": "Chloe Ali00",
        "caseCoordinator": {"fullName": "Jamal Okafor"},
        "locations": [{"city": "Toronto", "geo": {"latitude": 43.5, "longitude": -79.38}}],
    }
    # and the database sent back a fraction of the stored records, in three commands
    fetched = int(response.headers["X-Db-Bytes"])
    assert response.db_commands == 3
    assert fetched <= PAGE_BYTES, fetched
    assert fetched * 4 < whole, (fetched, whole)


async def test_fragments_and_inline_fragments_are_fetched_like_fields(
    api: Api, measured: None
) -> None:
    # given patients and their coordinator
    agency, coordinator = await detailed_patients(api, 3)
    # when a page names its fields through a fragment, an inline fragment on an interface and
    # a fragment on the coordinator reached through node(id:)
    query = """query($id: ID!) {
      patients(first: 3) { nodes { ...Card ... on Person { fullName } } }
      node(id: $id) { id ... on User { ...Who } }
    }
    fragment Card on Patient { name { last } locations { geo { latitude } } }
    fragment Who on User { name { first } revision }"""
    response = await agency.gql(query, {"id": coordinator["id"]})
    # then every field reads as stored
    assert response.status == 200 and not response.errors, response.body
    first = response.data["patients"]["nodes"][0]
    assert first == {
        "name": {"last": "Ali00"},
        "locations": [{"geo": {"latitude": 43.5}}],
        "fullName": "Chloe Ali00",
    }
    assert response.data["node"] == {
        "id": coordinator["id"],
        "name": {"first": "Jamal"},
        "revision": coordinator["revision"],
    }
    # and the long parts of the records stayed in the database
    whole = await stored_bytes(api, "patients", agency.account_id)
    assert int(response.headers["X-Db-Bytes"]) * 2 < whole


async def test_a_record_a_page_read_answers_a_reference_to_it_without_a_query(api: Api) -> None:
    # given a coordinator with patients
    agency, _ = await detailed_patients(api, 2)
    # when one request lists users (the coordinator among them) and the patients' coordinator
    query = """{ users(first: 5) { nodes { fullName } }
      patients(first: 2) { nodes { caseCoordinator { fullName email } } } }"""
    response = await agency.gql(query)
    # then the coordinator is read by the users page, and the patients' references to it are
    # answered from there: two lists, no loader query. The two lists run side by side, so when
    # the database answers the patients first (a loaded machine), their references are read
    # in one loader query before the users page lands: three, never one per row
    assert response.status == 200 and not response.errors, response.body
    coordinators = response.data["patients"]["nodes"]
    assert coordinators[0]["caseCoordinator"]["fullName"] == "Jamal Okafor"
    assert coordinators[0]["caseCoordinator"]["email"] is not None
    assert response.db_commands in (2, 3)


async def test_a_document_sent_again_is_neither_parsed_nor_validated_again(api: Api) -> None:
    # given a query that was answered once
    agency, _ = await detailed_patients(api, 1)
    query = "{ patients(first: 1) { nodes { fullName } } } # sent again"
    await agency.ok(query)
    parsed, validated = _get_parse_cache(512).cache_info(), _get_validate_cache(512).cache_info()
    # when the same text comes again
    await agency.ok(query)
    # then both caches found it
    assert _get_parse_cache(512).cache_info().hits == parsed.hits + 1
    assert _get_validate_cache(512).cache_info().hits == validated.hits + 1
    assert _get_validate_cache(512).cache_info().misses == validated.misses


async def test_a_row_the_schema_cannot_answer_errs_as_graphql_says(api: Api) -> None:
    # given two patients, the second stored with a status code no enum holds (an old export)
    agency, _ = await detailed_patients(api, 2)
    await api.database.db.patients.update_one(
        {"_account": agency.account_id, "name.last": "Ali01"}, {"$set": {"status": "gone"}}
    )
    # when a page shows their status (non-null) and a reference each
    response = await agency.gql(
        "{ patients(first: 2) { totalCount nodes { fullName status caseCoordinator { fullName } "
        "} } }"
    )
    # then the error names the field and the row, as graphql-core words it, and the null
    # climbs as far as the schema says (a non-null row of a non-null list of a non-null page)
    assert [(e["message"], e["path"]) for e in response.errors] == [
        ("Enum 'PatientStatus' cannot represent value: 'gone'", ["patients", "nodes", 1, "status"])
    ]
    assert response.data is None


async def test_a_null_deep_in_a_row_is_reported_at_its_own_path(api: Api) -> None:
    # given a patient whose stored home lost its `primary` flag (non-null in the schema)
    agency, _ = await detailed_patients(api, 2)
    await api.database.db.patients.update_one(
        {"_account": agency.account_id, "name.last": "Ali00"},
        {"$unset": {"locations.0.primary": ""}},
    )
    # when a page shows it
    response = await agency.gql(
        "{ patients(first: 2) { nodes { fullName locations { city primary } } } }"
    )
    # then the error (unexpected: a stored record broke the schema's promise) is at its path,
    # and the null climbs to the page
    assert [(e["message"], e["path"]) for e in response.errors] == [
        ("Unexpected error.", ["patients", "nodes", 0, "locations", 0, "primary"])
    ]
    assert response.data is None
