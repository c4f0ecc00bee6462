"""Reading the audit trail: the account's administrators only."""

from __future__ import annotations

from typing import Any

import strawberry

from app.audit.inputs import AuditFilter
from app.audit.types import AuditEvent, require_audit_reader
from app.common.codes import Permission
from app.graphql.arguments import After, Before, Filter, First, Last
from app.graphql.connections import NEWEST_FIRST, Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.filters import merge
from app.patients.documents import ProgressNote

PRIVATE_TYPE = "ProgressNote"
"""The record type that can be private (stored with `private: true`)."""


async def audit_page(info: Info, query: dict[str, Any], page: Page) -> Connection[AuditEvent]:
    """A page of the trail, newest first, for callers allowed to read it; entries about private
    progress notes only for callers who may see those notes."""
    require_audit_reader(info)
    hidden = await private_entries(info, query)
    return await list_records(info, AuditEvent, merge(query, hidden), None, NEWEST_FIRST, page)


async def private_entries(info: Info, query: dict[str, Any]) -> dict[str, Any]:
    """A clause leaving out, for a role without VIEW_SENSITIVE, the entries about private notes:
    those marked private when written, and any about a note that is private now (it may have
    been shared when the entry was written, or the entry older than the marker)."""
    if info.context.may(Permission.VIEW_SENSITIVE):
        return {}
    unmarked: dict[str, Any] = {"private": {"$ne": True}}
    if _about_another_type(query):  # a patient's history, say: no note in it
        return unmarked
    # which notes are private is the rule's to know, whatever notes the caller's role may read
    notes = info.context.scope.whole_account()[ProgressNote.Settings.name]
    cursor = notes.find({"private": True}, {"_id": 1})
    private = [doc["_id"] async for doc in cursor]
    if not private:
        return unmarked
    about_private = {"record_type": PRIVATE_TYPE, "record_id": {"$in": private}}
    return {**unmarked, "$nor": [about_private]}


def _about_another_type(query: dict[str, Any]) -> bool:
    """Whether the query asks for entries about one record type, not the private one."""
    clauses = [query, *query.get("$and", [])]
    return any(
        isinstance(c.get("record_type"), str) and c["record_type"] != PRIVATE_TYPE for c in clauses
    )


@strawberry.type
class AuditQueries:
    @strawberry.field(description="The account's audit trail, newest first. Needs VIEW_AUDIT.")
    async def audit_events(
        self,
        info: Info,
        filter: Filter[AuditFilter] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEvent]:
        page = Page(first=first, after=after, last=last, before=before)
        return await audit_page(info, (filter or AuditFilter()).query(info), page)
