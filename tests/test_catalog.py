"""Skills and tags: unique names per account, listed A to Z, kept apart between accounts."""

from __future__ import annotations

from tests.factories import Api
from tests.factories_catalog import CREATE_SKILL, create_skill, create_tag


async def test_skills_are_listed_a_to_z_and_searched(api: Api) -> None:
    # given three skills
    agency = await api.agency()
    for title in ("Palliative care", "dementia care", "Mobility assistance"):
        await create_skill(agency, title)
    # when they are listed, and searched
    data = await agency.ok("""{ skills { nodes { title } }
      found: skills(filter: {search: "mob"}) { nodes { title } } }""")
    # then the order ignores case, and the search finds by word prefix
    assert [n["title"] for n in data["skills"]["nodes"]] == [
        "dementia care",
        "Mobility assistance",
        "Palliative care",
    ]
    assert data["found"]["nodes"] == [{"title": "Mobility assistance"}]


async def test_a_skill_name_is_unique_in_an_account_whatever_its_case(api: Api) -> None:
    # given a skill, and another agency with the same skill
    agency, other = await api.agency(), await api.agency()
    await create_skill(agency, "Dementia care")
    await create_skill(other, "Dementia care")
    # when the first agency adds it again in another case
    data = await agency.ok(CREATE_SKILL, {"input": {"title": "DEMENTIA CARE"}})
    # then it is a duplicate, and nothing more is stored
    assert data["skillCreate"]["userErrors"] == [
        {"field": "input.title", "message": "Another skill has this title.", "code": "DUPLICATE"}
    ]
    assert await api.count("skills", _account=agency.account_id) == 1


async def test_a_tag_needs_a_valid_colour_and_another_account_never_sees_it(api: Api) -> None:
    # given a tag of one agency
    agency, other = await api.agency(), await api.agency()
    tag = await create_tag(agency, "Fall risk", color="#c62828")
    # when a tag with a bad colour is added, and the other agency reads the first tag
    bad = await agency.ok("""mutation { tagCreate(input: {name: "Mood", color: "red"}) {
      userErrors { field code } } }""")
    seen = await other.ok("query($id: ID!) { tag(id: $id) { name } }", {"id": tag["id"]})
    # then the colour is refused and the tag is invisible to the other agency
    assert bad["tagCreate"]["userErrors"] == [{"field": "input.color", "code": "INVALID"}]
    assert seen == {"tag": None}
    assert await api.count("tags", _account=agency.account_id) == 1
