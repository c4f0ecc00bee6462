"""`subscription { changes }` over graphql-transport-ws on /graphql, and its sockets' sign-in.

A socket is authenticated at `connection_init` with the credential HTTP takes, sent as the
payload's `Authorization` (`{"Authorization": "Bearer <key or token>"}`), and watched for as
long as it is open (app/live/sockets.py). Each change is resolved through the subscriber's own
scope, as a query would be: a change of a record the subscriber may not read is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from typing import Annotated, Any

import strawberry
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from app.accounts.auth import credential_from_header
from app.data.audit import sensitive_read_events
from app.db import RawDoc
from app.errors import PublicError
from app.graphql.context import Context, Info
from app.graphql.loaders import Loaders
from app.graphql.relay import Node, from_global_id, node_types
from app.keys import AUTHENTICATOR, SETTINGS
from app.live.events import RecordKind, every_event
from app.live.feed import check_resumable, seq_of
from app.live.hub import HUB
from app.live.sockets import SOCKET, SocketGuard, guard_socket
from app.live.types import Change

WAIT_SECONDS = 30.0


def _description() -> str:
    events = ", ".join(every_event())
    return (
        "The account's changes as they commit, in commit order, each once: "
        "`{ id event action recordKind record { id ... } changedFields at }`. Over "
        "graphql-transport-ws on /graphql, authenticated by the connection_init payload's "
        "`Authorization` (as HTTP's header); the socket closes (4403) once that credential is "
        "revoked or expires. The record is read through your role's view: a change of a record "
        "you may not read is not sent. Pass the last `id` you received as `after` to receive "
        "what you missed (changes are kept for a retention window, 72 hours by default; "
        f"older ones answer CHANGES_EXPIRED). Events: {events}."
    )


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(description=_description())
    async def changes(
        self,
        info: Info,
        records: Annotated[
            list[RecordKind] | None,
            strawberry.argument(description="Only changes of these kinds of record."),
        ] = None,
        ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only changes of these records (global IDs)."),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The id of the last change you received: start right after it."
            ),
        ] = None,
    ) -> AsyncGenerator[Change, None]:
        context = info.context
        scope = context.scope
        start = None if after is None else seq_of(after, scope.account_id)
        if start is not None:
            await check_resumable(scope, start)
        wanted = Wanted(records, ids)
        hub = context.request.app[HUB]  # type: ignore[union-attr]
        async with hub.follow(scope.account_id) as feed:
            cursor = feed.head if start is None else start
            while True:
                batch = await feed.after(cursor)
                if not batch:
                    await feed.wait_past(cursor, WAIT_SECONDS)
                    continue
                cursor = int(batch[-1]["seq"])
                context.loaders = Loaders(scope)  # each batch reads the records as they are now
                changes = [change for change in batch if wanted.takes(change)]
                records_now = await asyncio.gather(*(_record(info, c) for c in changes))
                for change, record in zip(changes, records_now, strict=True):
                    if record is not None:
                        yield Change.of(scope.account_id, change, record)
                await _audit_sensitive_reads(context)


def record_key(global_id: str) -> tuple[str, Any]:
    """A followed record's type and key; an id that names no record is refused, not followed
    in silence forever."""
    key = from_global_id(global_id)
    if key is None:
        raise PublicError(f"Not the id of a record: {global_id[:40]!r}.")
    return key


class Wanted:
    """Which changes a subscription asked for."""

    def __init__(self, records: Iterable[RecordKind] | None, ids: Iterable[str] | None) -> None:
        self.kinds = None if records is None else {kind.value for kind in records}
        self.keys = None if ids is None else {record_key(str(i)) for i in ids}

    def takes(self, change: RawDoc) -> bool:
        if not change.get("event"):
            return False  # a credential signal only
        if self.kinds is not None and change["kind"] not in self.kinds:
            return False
        return self.keys is None or (change["kind"], change["record"]) in self.keys


async def _record(info: Info, change: RawDoc) -> Node | None:
    """The changed record as the subscriber may see it now; None when it may not."""
    node = node_types().get(str(change["kind"]))
    if node is None:
        return None
    loaded: Any = await node.load(info, change["record"])
    return loaded if isinstance(loaded, Node) else None


async def _audit_sensitive_reads(context: Context) -> None:
    """Sensitive fields a subscription sent are in the trail, as a query's are."""
    if context.sensitive_reads and context.caller is not None:
        events = sensitive_read_events(context.actor, context.sensitive_reads)
        context.sensitive_reads = {}
        await context.scope.audit_reads(events)


def _credential(params: Any) -> str | None:
    """The credential of a connection_init payload: `Authorization`, or `headers.Authorization`
    as some clients nest it."""
    if not isinstance(params, dict):
        return None
    nested = params.get("headers")
    for place in (params, nested if isinstance(nested, dict) else {}):
        for name in ("Authorization", "authorization"):
            value = place.get(name)
            if isinstance(value, str):
                return credential_from_header(value)
    return None


async def admit(context: Context) -> UnsetType:
    """`connection_init`: the payload's `Authorization` (or the upgrade request's header) must
    name a caller, as HTTP's header must; the socket is then watched while it is open."""
    request = context.request
    credential = _credential(context.connection_params) or credential_from_header(
        request.headers.get("Authorization") if request is not None else None
    )
    if credential is None or request is None:
        raise ConnectionRejectionError({"message": "Send Authorization in connection_init."})
    caller = await request.app[AUTHENTICATOR].caller_for(credential)
    if caller is None:
        raise ConnectionRejectionError({"message": "The credentials are not valid."})
    context.caller = caller
    context.loaders = Loaders(context.scope)
    guard = SocketGuard(
        request.app[HUB],
        request.app[AUTHENTICATOR],
        caller,
        credential,
        request[SOCKET],
        request.app[SETTINGS].live_recheck_seconds,
    )
    guard_socket(request, guard)
    return UNSET
