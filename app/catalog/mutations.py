"""Adding, changing, deleting and restoring skills and tags."""

from __future__ import annotations

import strawberry

from app.catalog.inputs import SkillCreateInput, SkillUpdateInput, TagCreateInput, TagUpdateInput
from app.catalog.services import skill_store, tag_store
from app.catalog.types import Skill, Tag
from app.common.codes import Permission
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    restore_mutation,
    update_mutation,
)

SKILL = RecordSpec(
    node=Skill,
    field="skill",
    plural="skills",
    store=skill_store,
    permission=Permission.MANAGE_ACCOUNT,
    create_input=SkillCreateInput,
    update_input=SkillUpdateInput,
)


@strawberry.type
class SkillMutations:
    skill_create = create_mutation(SKILL, "skillCreate")
    skill_update = update_mutation(SKILL, "skillUpdate")
    skill_delete = delete_mutation(SKILL, "skillDelete")
    skill_restore = restore_mutation(SKILL, "skillRestore")
    skill_import = import_mutation(SKILL, "skillImport")


TAG = RecordSpec(
    node=Tag,
    field="tag",
    plural="tags",
    store=tag_store,
    permission=Permission.MANAGE_ACCOUNT,
    create_input=TagCreateInput,
    update_input=TagUpdateInput,
)


@strawberry.type
class TagMutations:
    tag_create = create_mutation(TAG, "tagCreate")
    tag_update = update_mutation(TAG, "tagUpdate")
    tag_delete = delete_mutation(TAG, "tagDelete")
    tag_restore = restore_mutation(TAG, "tagRestore")
    tag_import = import_mutation(TAG, "tagImport")
