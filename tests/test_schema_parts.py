"""The root types list their parts, and each mutation can be found by its name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import strawberry

import app.catalog.queries
from app.catalog.mutations import SKILL
from app.graphql.crud import update_mutation
from app.graphql.schema import QUERY_PARTS, build_schema, root

APP = Path(__file__).resolve().parent.parent / "app"


@strawberry.type
class StrayQueries:
    @strawberry.field(description="Never served.")
    def stray(self) -> int:
        return 1


def test_a_domain_part_left_out_of_the_root_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a domain's queries module holding a part the root does not list
    monkeypatch.setattr(app.catalog.queries, "StrayQueries", StrayQueries, raising=False)
    # when the root type is made
    with pytest.raises(TypeError) as refused:
        root("Query", "queries", "Everything.", QUERY_PARTS)
    # then it is refused, naming the part
    assert "app.catalog.queries.StrayQueries" in str(refused.value)


def test_a_generated_mutation_under_another_name_is_refused() -> None:
    # when a generated mutation is given a name that is not <record><Verb>
    with pytest.raises(ValueError) as refused:
        update_mutation(SKILL, "skillChange")
    # then it is refused, saying the name it must have
    assert "'skillUpdate'" in str(refused.value)


def test_every_mutation_is_found_by_its_name_where_it_is_defined() -> None:
    # given the source of every domain's mutations
    sources = "\n".join(path.read_text() for path in APP.glob("*/mutations.py"))
    # when each mutation of the schema is looked for by its name (or its Python name)
    mutation_type = build_schema()._schema.mutation_type
    assert mutation_type is not None
    missing = []
    for name in mutation_type.fields:
        python = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
        found = re.search(rf'"{name}"|def {python}\(|^\s+{python} = ', sources, re.M)
        if not found:
            missing.append(name)
    # then each is defined in a domain's mutations.py
    assert missing == []
