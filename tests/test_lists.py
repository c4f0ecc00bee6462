"""Lists: typed filters, ordering, keyset paging both ways, and batched references."""

import asyncio
import base64
import json
from typing import Any

from tests.factories import Agency, Api, create_patient, create_user, location

PATIENT_NAMES = [
    ("Zoé", "Ángel"),
    ("Mark", "Brown"),
    ("Ann", "Clark"),
    ("Bea", "Dunn"),
    ("Carl", "Evans"),
    ("Dora", "Fitz"),
    ("Eli", "Grant"),
]


async def patients_named(agency: Agency, names: list[tuple[str, str]]) -> None:
    for first, last in names:
        await create_patient(agency, name={"first": first, "last": last})


async def full_names(
    agency: Agency, filter: dict[str, Any] | None = None, order: dict[str, Any] | None = None
) -> tuple[list[str], int]:
    data = await agency.ok(
        """query($f: PatientFilter, $o: PatientOrder) { patients(filter: $f, orderBy: $o) {
          totalCount nodes { fullName } } }""",
        {"f": filter, "o": order},
    )
    return [n["fullName"] for n in data["patients"]["nodes"]], data["patients"]["totalCount"]


async def test_search_matches_name_word_prefixes_ignoring_case_and_accents(api: Api) -> None:
    # given patients with accented and plain names
    agency = await api.agency()
    await patients_named(agency, [("José", "Smith"), ("Joan", "Smythe"), ("Sam", "Jones")])

    # when searched by word prefixes in another case and without accents
    found, total = await full_names(agency, {"search": "JOSE sm"})

    # then only the person whose words start with both prefixes is found
    assert (found, total) == (["José Smith"], 1)
    assert (await full_names(agency, {"search": "jo"}))[1] == 3
    assert (await full_names(agency, {"search": "smy"}))[0] == ["Joan Smythe"]


async def test_a_search_of_more_than_ten_words_or_a_long_word_is_bad_input(api: Api) -> None:
    # given an agency with a patient
    agency = await api.agency()
    await patients_named(agency, [("José", "Smith")])
    query = "query($s: String) { patients(filter: {search: $s}) { totalCount } }"
    # when a search has ten words, eleven, and one word of 51 characters
    ten = await agency.gql(query, {"s": "jo sm a b c d e f g h"})
    eleven = await agency.gql(query, {"s": "jo sm a b c d e f g h i"})
    long = await agency.gql(query, {"s": "j" * 51})
    # then ten are searched (no match), and the others are refused naming the filter's field
    assert ten.data == {"patients": {"totalCount": 0}} and not ten.errors
    for refused in (eleven, long):
        (error,) = refused.errors
        assert error["extensions"]["code"] == "BAD_USER_INPUT", refused.body
        assert "filter.search" in error["message"]


async def test_patients_filter_by_city_language_and_status(api: Api) -> None:
    # given patients in different cities, languages and statuses
    agency = await api.agency()
    await create_patient(
        agency, name={"first": "Anne", "last": "Roy"}, locations=[location(city="Montréal")],
        languages=[{"code": "fr"}], status="ON_HOLD",
    )  # fmt: skip
    await create_patient(agency, name={"first": "Bill", "last": "Ray"}, status="PROSPECT")
    await create_patient(agency, name={"first": "Cleo", "last": "Ng"}, status="DISCHARGED")

    # when filtered
    by_city = await full_names(agency, {"city": "MONTREAL"})
    by_language = await full_names(agency, {"language": "fr"})
    by_status = await full_names(agency, {"status": ["PROSPECT", "DISCHARGED"]})

    # then each shows only what matches
    assert by_city == (["Anne Roy"], 1)
    assert by_language == (["Anne Roy"], 1)
    assert sorted(by_status[0]) == ["Bill Ray", "Cleo Ng"] and by_status[1] == 2


async def test_users_filter_by_skill_and_role_type(api: Api) -> None:
    # given a caregiver with a skill and an office user without it
    agency = await api.agency()
    await create_user(agency, name={"first": "Cara", "last": "Giver"})
    await create_user(
        agency, name={"first": "Otto", "last": "Office"}, roleType="OFFICE", role="scheduler",
        skills=[{"title": "Scheduling", "level": "GOOD"}],
    )  # fmt: skip
    query = """query($f: UserFilter) { users(filter: $f) { totalCount nodes { fullName } } }"""

    # when filtered by skill (in another case) and by role type
    by_skill = await agency.ok(query, {"f": {"skill": "DEMENTIA CARE"}})
    by_role_type = await agency.ok(query, {"f": {"roleType": "OFFICE"}})

    # then each shows only the match
    assert by_skill["users"] == {"totalCount": 1, "nodes": [{"fullName": "Cara Giver"}]}
    assert by_role_type["users"] == {"totalCount": 1, "nodes": [{"fullName": "Otto Office"}]}


async def test_order_by_name_both_ways(api: Api) -> None:
    # given patients added out of order
    agency = await api.agency()
    await patients_named(agency, [("Carl", "Evans"), ("Zoé", "Ángel"), ("Mark", "Brown")])

    # when ordered by name up and down
    up, _ = await full_names(agency, order={"field": "NAME", "direction": "ASC"})
    down, _ = await full_names(agency, order={"field": "NAME", "direction": "DESC"})

    # then last names sort ignoring accents
    assert up == ["Zoé Ángel", "Mark Brown", "Carl Evans"]
    assert down == list(reversed(up))


async def test_paging_forward_visits_every_record_once(api: Api) -> None:
    # given seven patients
    agency = await api.agency()
    await patients_named(agency, PATIENT_NAMES)
    query = """query($after: String) { patients(first: 3, after: $after) { totalCount
      nodes { fullName } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""

    # when paged forward three at a time
    seen: list[str] = []
    pages = []
    after = None
    while True:
        page = (await agency.ok(query, {"after": after}))["patients"]
        pages.append(page)
        seen += [n["fullName"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then every patient shows once, in name order, over three pages
    assert seen == [f"{first} {last}" for first, last in PATIENT_NAMES]
    assert [len(p["nodes"]) for p in pages] == [3, 3, 1]
    assert {p["totalCount"] for p in pages} == {7}
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]


async def test_paging_backward_with_last_and_before(api: Api) -> None:
    # given seven patients
    agency = await api.agency()
    await patients_named(agency, PATIENT_NAMES)
    query = """query($before: String) { patients(last: 3, before: $before) {
      nodes { fullName } pageInfo { hasPreviousPage startCursor } } }"""

    # when paged backward from the end
    seen: list[list[str]] = []
    before = None
    while True:
        page = (await agency.ok(query, {"before": before}))["patients"]
        seen.append([n["fullName"] for n in page["nodes"]])
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]

    # then each page is in order, and together they cover every patient once
    names = [f"{first} {last}" for first, last in PATIENT_NAMES]
    assert seen == [names[4:], names[1:4], names[:1]]


async def nested_list(api: Api, size: int) -> int:
    """Commands to list `size` patients over five coordinators who share one manager."""
    agency = await api.agency()
    manager = await create_user(agency, name={"first": "Mia", "last": "Boss"})
    coordinators = [
        await create_user(agency, name={"first": f"Coord{i}", "last": "X"}, manager=manager["id"])
        for i in range(5)
    ]
    await asyncio.gather(
        *(create_patient(agency, caseCoordinator=coordinators[i % 5]["id"]) for i in range(size))
    )
    response = await agency.gql(
        """{ patients(first: 100) { totalCount nodes { fullName
             caseCoordinator { fullName manager { fullName } } } } }"""
    )
    assert response.status == 200 and not response.errors, response.body
    nodes = response.data["patients"]["nodes"]
    assert len(nodes) == size == response.data["patients"]["totalCount"]
    assert all(n["caseCoordinator"]["manager"]["fullName"] == "Mia Boss" for n in nodes)
    return response.db_commands


async def test_nested_references_cost_the_same_commands_for_5_or_50_rows(api: Api) -> None:
    # given one agency with 5 patients and another with 50, coordinated alike
    # when each lists its patients with their coordinators and the coordinators' managers
    small = await nested_list(api, 5)
    large = await nested_list(api, 50)

    # then the number of database commands does not grow with the rows
    assert small == large
    assert small <= 5


PAGE = """query($first: Int!, $after: String, $order: PatientOrder) {
  patients(first: $first, after: $after, orderBy: $order) {
    pageInfo { hasNextPage endCursor } nodes { fullName } } }"""


async def walk(agency: Agency, order: dict[str, str] | None) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        data = await agency.ok(PAGE, {"first": 1, "after": after, "order": order})
        names += [n["fullName"] for n in data["patients"]["nodes"]]
        if not data["patients"]["pageInfo"]["hasNextPage"]:
            return names
        after = data["patients"]["pageInfo"]["endCursor"]


async def test_records_without_a_sort_value_are_paged_like_the_rest(api: Api) -> None:
    # given two patients made through the API and two loaded raw, as an old export would be
    agency = await api.agency()
    await patients_named(agency, [("Ann", "Baker"), ("Cy", "Dunn")])
    await api.database.db.patients.insert_many(
        [
            {"_account": agency.account_id, "name": {"first": "Raw", "last": str(i)}}
            for i in range(2)
        ]
    )
    # when the list is walked one record at a time, by name either way
    ascending = await walk(agency, {"field": "NAME", "direction": "ASC"})
    descending = await walk(agency, {"field": "NAME", "direction": "DESC"})
    # then every record is seen exactly once, those without a sort value first (or last)
    assert sorted(ascending) == ["Ann Baker", "Cy Dunn", "Raw 0", "Raw 1"]
    assert ascending[2:] == ["Ann Baker", "Cy Dunn"]
    assert descending == list(reversed(ascending))


async def test_a_cursor_is_refused_under_another_order_or_when_forged(api: Api) -> None:
    # given a cursor from a list ordered by name
    agency = await api.agency()
    await patients_named(agency, [("Ann", "Baker"), ("Cy", "Dunn")])
    data = await agency.ok(PAGE, {"first": 1, "order": {"field": "NAME"}})
    cursor = data["patients"]["pageInfo"]["endCursor"]
    # when it is used with another order, or an operator is smuggled into one
    other = await agency.gql(
        PAGE, {"first": 1, "after": cursor, "order": {"field": "CREATED_DATE"}}
    )
    forged = base64.urlsafe_b64encode(
        json.dumps(["_search.sort", False, {"$gt": ""}, {"$oid": "0" * 24}]).encode()
    ).decode()
    smuggled = await agency.gql(PAGE, {"first": 1, "after": forged, "order": {"field": "NAME"}})
    # then both are refused with a clear message and no data
    assert "another order" in other.errors[0]["message"]
    assert smuggled.errors[0]["message"] == "The cursor is not one this API gave out."
    assert other.data is None and smuggled.data is None


async def test_first_zero_still_says_whether_records_exist(api: Api) -> None:
    # given one patient
    agency = await api.agency()
    await patients_named(agency, [("Ann", "Baker")])
    # when a page of none is asked for
    data = await agency.ok(PAGE, {"first": 0})
    # then it is empty, and says there are more
    assert data["patients"]["nodes"] == []
    assert data["patients"]["pageInfo"]["hasNextPage"] is True


async def test_a_manager_lists_their_reports(api: Api) -> None:
    # given a manager with two caregivers, one of them deleted, and a caregiver of another
    agency = await api.agency()
    manager = await create_user(agency, name={"first": "Mia", "last": "Boss"}, roleType="OFFICE")
    other = await create_user(agency, name={"first": "Ola", "last": "Else"}, roleType="OFFICE")
    for first in ("Ann", "Bea"):
        await create_user(agency, name={"first": first, "last": "Care"}, manager=manager["id"])
    await create_user(agency, name={"first": "Cy", "last": "Care"}, manager=other["id"])
    bea = await agency.ok('{ users(filter: {search: "bea"}) { nodes { id } } }')
    await agency.ok(
        'mutation($id: ID!) { userDelete(id: $id, reason: "Left") { userErrors { code } } }',
        {"id": bea["users"]["nodes"][0]["id"]},
    )
    # when the manager's reports are listed, without and with a filter
    data = await agency.ok(
        """query($id: ID!) { node(id: $id) { ... on User {
      reports { totalCount nodes { fullName } }
      all: reports(filter: {deleted: ALL}) { totalCount } } } }""",
        {"id": manager["id"]},
    )
    # then only their own active reports show, unless deleted ones are asked for
    assert data["node"]["reports"] == {"totalCount": 1, "nodes": [{"fullName": "Ann Care"}]}
    assert data["node"]["all"] == {"totalCount": 2}
