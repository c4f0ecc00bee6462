"""Adding, changing, deleting and restoring skills and tags."""

from __future__ import annotations

from app.catalog.inputs import SkillCreateInput, SkillUpdateInput, TagCreateInput, TagUpdateInput
from app.catalog.services import skill_store, tag_store
from app.catalog.types import Skill, Tag
from app.common.codes import Permission
from app.graphql.crud import RecordSpec, record_mutations

SkillMutations = record_mutations(
    RecordSpec(
        node=Skill,
        field="skill",
        plural="skills",
        store=skill_store,
        permission=Permission.MANAGE_ACCOUNT,
        create_input=SkillCreateInput,
        update_input=SkillUpdateInput,
    )
)
TagMutations = record_mutations(
    RecordSpec(
        node=Tag,
        field="tag",
        plural="tags",
        store=tag_store,
        permission=Permission.MANAGE_ACCOUNT,
        create_input=TagCreateInput,
        update_input=TagUpdateInput,
    )
)
