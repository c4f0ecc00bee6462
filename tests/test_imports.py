"""Every `<record>Import` of the schema, written once in the shared plumbing."""

from __future__ import annotations

from tests.factories import Api, audit_entries

IMPORTS = (
    """{ __type(name: "Mutation") { fields { name type { ofType { name fields { name } } } } } }"""
)


async def test_every_import_of_an_empty_list_answers_an_empty_list(api: Api) -> None:
    # given an agency and every import mutation the schema has
    agency = await api.agency()
    fields = (await agency.ok(IMPORTS))["__type"]["fields"]
    imports = [f for f in fields if f["name"].endswith("Import")]
    assert len(imports) >= 19

    for field in imports:
        [plural] = [
            f["name"] for f in field["type"]["ofType"]["fields"] if f["name"] != "userErrors"
        ]

        # when it imports nothing
        selection = f"{plural} {{ id }} userErrors {{ field message code }}"
        response = await agency.gql(f"mutation {{ {field['name']}(input: []) {{ {selection} }} }}")

        # then it is answered with nothing imported and no error
        assert response.errors == [], (field["name"], response.errors)
        assert response.data[field["name"]] == {plural: [], "userErrors": []}

    # and nothing was written
    assert await audit_entries(agency) == []
