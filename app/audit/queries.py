"""Reading the audit trail: the account's administrators only."""

from __future__ import annotations

from typing import Any

import strawberry

from app.audit.inputs import AuditFilter
from app.audit.types import AuditEvent, require_audit_reader
from app.graphql.connections import NEWEST_FIRST, Connection, Page, list_records
from app.graphql.context import Info


async def audit_page(info: Info, query: dict[str, Any], page: Page) -> Connection[AuditEvent]:
    """A page of the trail, newest first, for callers allowed to read it."""
    require_audit_reader(info)
    return await list_records(info, AuditEvent, query, None, NEWEST_FIRST, page)


@strawberry.type
class AuditQueries:
    @strawberry.field(description="The account's audit trail, newest first. Needs VIEW_AUDIT.")
    async def audit_events(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEvent]:
        page = Page(first=first, after=after, last=last, before=before)
        return await audit_page(info, (filter or AuditFilter()).query(info), page)
