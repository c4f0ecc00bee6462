"""Skills and tags made through the API."""

from __future__ import annotations

from typing import Any

from tests.factories import Agency

CREATE_SKILL = """mutation($input: SkillCreateInput!) { skillCreate(input: $input) {
  skill { id title revision } userErrors { field message code } } }"""
CREATE_TAG = """mutation($input: TagCreateInput!) { tagCreate(input: $input) {
  tag { id name } userErrors { field message code } } }"""


async def create_skill(
    agency: Agency, title: str = "Dementia care", **fields: Any
) -> dict[str, Any]:
    data = await agency.ok(CREATE_SKILL, {"input": {"title": title, **fields}})
    assert data["skillCreate"]["userErrors"] == [], data
    return data["skillCreate"]["skill"]  # type: ignore[no-any-return]


async def create_tag(agency: Agency, name: str = "Fall risk", **fields: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_TAG, {"input": {"name": name, **fields}})
    assert data["tagCreate"]["userErrors"] == [], data
    return data["tagCreate"]["tag"]  # type: ignore[no-any-return]
