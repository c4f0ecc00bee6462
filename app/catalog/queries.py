"""Finding skills and tags."""

from __future__ import annotations

import strawberry

from app.catalog.inputs import BY_TITLE, LabelFilter, LabelOrder
from app.catalog.types import Skill, Tag
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="A skill by global ID; null if not in your account.")
    async def skill(self, info: Info, id: RecordId) -> Skill | None:
        return await Skill.load(info, decode_id(id, Skill))

    @strawberry.field(description="The account's skills, A to Z unless told.")
    async def skills(
        self,
        info: Info,
        filter: Filter[LabelFilter] = None,
        order_by: OrderBy[LabelOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Skill]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or LabelFilter()).query(info)
        return await list_records(info, Skill, query, order_by, BY_TITLE, page)

    @strawberry.field(description="A tag by global ID; null if not in your account.")
    async def tag(self, info: Info, id: RecordId) -> Tag | None:
        return await Tag.load(info, decode_id(id, Tag))

    @strawberry.field(description="The account's tags, A to Z unless told.")
    async def tags(
        self,
        info: Info,
        filter: Filter[LabelFilter] = None,
        order_by: OrderBy[LabelOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Tag]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or LabelFilter()).query(info)
        return await list_records(info, Tag, query, order_by, BY_TITLE, page)
