"""`GET /evv/export?start=YYYY-MM-DD&end=YYYY-MM-DD&format=csv|jsonl`: the EVV export file of a
period (`app.visits.evv_export`), streamed as it is read. Authenticated like /graphql (the
same `Authorization` header; the `authenticate` middleware covers /evv) and scoped to the
caller's account; needs MANAGE_BILLING. The visits it leaves out, and why, are listed by the
`evvExport` query, which also gives this path. Errors are JSON, as /files answers them.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import hdrs, web
from aiohttp.payload import AsyncIterablePayload

from app.accounts.auth import Caller
from app.common.codes import Permission
from app.errors import ErrorCode, ServiceError
from app.files.routes import content_disposition, error_response, scope_of
from app.keys import CALLER
from app.visits.evv_export import EvvFormat, ExportPeriod, lines, record_export


def _period(request: web.Request) -> ExportPeriod:
    days = []
    for name in ("start", "end"):
        text = request.query.get(name, "")
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            message = f"Give {name} as a date, YYYY-MM-DD."
            raise ServiceError.one(message, ErrorCode.INVALID, name) from None
    period = ExportPeriod(days[0], days[1])
    period.check("")
    return period


def _format(request: web.Request) -> EvvFormat:
    wanted = request.query.get("format", EvvFormat.JSONL.value).strip().lower()
    for kind in EvvFormat:
        if wanted == kind.value:
            return kind
    raise ServiceError.one("The format is csv or jsonl.", ErrorCode.INVALID, "format")


async def export(request: web.Request) -> web.StreamResponse:
    """Stream the period's EVV file (see the module)."""
    caller: Caller = request[CALLER]
    if not caller.may(Permission.MANAGE_BILLING):
        message = f"Your role ({caller.role}) may not export visits: it needs MANAGE_BILLING."
        return error_response(403, (message, ErrorCode.FORBIDDEN.value, None))
    scope = await scope_of(request)
    try:
        period, kind = _period(request), _format(request)
    except ServiceError as refusal:
        problems = [(p.message, p.code.value, (p.field or "").strip(".") or None)
                    for p in refusal.problems]  # fmt: skip
        return error_response(400, *problems)
    await record_export(scope, period, kind)
    headers = {
        hdrs.CONTENT_TYPE: kind.content_type,
        hdrs.CONTENT_DISPOSITION: content_disposition(period.file_name(kind)),
        hdrs.CACHE_CONTROL: "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    body = AsyncIterablePayload(lines(scope, period, kind), content_type=kind.content_type)
    return web.Response(status=200, body=body, headers=headers)


def add_evv_routes(app: web.Application) -> None:
    app.router.add_get("/evv/export", export, allow_head=False)
