"""Inputs of skill and tag queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.catalog.documents import Skill, Tag
from app.graphql.connections import Ordering, order_input
from app.graphql.filters import NamedFilter
from app.graphql.modeled import input_type

BY_TITLE = Ordering("_search.title")

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    SkillCreateInput = SkillUpdateInput = TagCreateInput = TagUpdateInput = Any
else:
    SkillCreateInput = input_type(Skill, name="SkillCreateInput")
    SkillUpdateInput = input_type(Skill, name="SkillUpdateInput", patch=True)
    TagCreateInput = input_type(Tag, name="TagCreateInput")
    TagUpdateInput = input_type(Tag, name="TagUpdateInput", patch=True)


@strawberry.input(description="Which skills or tags a list shows.")
class LabelFilter(NamedFilter):
    """Words of the name, and deletion."""


@strawberry.enum(description="What a list of skills or tags is sorted by.")
class LabelOrderField(Enum):
    TITLE = strawberry.enum_value("_search.title", description="The name, A to Z.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was added.")


if TYPE_CHECKING:
    LabelOrder = Any
else:
    LabelOrder = order_input("LabelOrder", LabelOrderField, "skills or tags")
