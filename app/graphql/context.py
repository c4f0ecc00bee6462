"""What every resolver can reach: the caller, the database, per-request loaders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from aiohttp import web

from app.common.codes import Permission
from app.common.documents import FieldGroup
from app.common.services import Actor
from app.data.policy_checks import may_read_group, may_read_type
from app.data.scope import Scope
from app.db import CommandTally, Database
from app.settings import Settings

if TYPE_CHECKING:
    from app.accounts.auth import Caller
    from app.graphql.loaders import Loaders
    from app.graphql.projection import Plan


@dataclass
class Context:
    """The per-request context of a GraphQL operation."""

    request: web.Request | None
    database: Database
    settings: Settings
    caller: Caller | None
    loaders: Loaders
    request_id: str
    tally: CommandTally = field(default_factory=CommandTally)
    response_status: int | None = None
    sensitive_reads: dict[tuple[str, Any], set[str]] = field(default_factory=dict)
    connection_params: dict[str, Any] | None = None
    """A subscription socket's `connection_init` payload (where its credential is)."""
    plan: Plan | None = None
    """The stored keys this operation reads per collection (projection.py), made on first use."""
    _scope: Scope | None = None
    _actor: Actor | None = None

    def note_sensitive_read(self, record_type: str, record_id: Any, field_name: str) -> None:
        """Remember a sensitive field that was read; the trail gets one entry per record."""
        self.sensitive_reads.setdefault((record_type, record_id), set()).add(field_name)

    @property
    def account_id(self) -> int:
        """The caller's account: every read and write is scoped to it."""
        if self.caller is None:
            raise PermissionError("no authenticated caller")
        return self.caller.account_id

    def may(self, permission: Permission) -> bool:
        """Whether the caller's role has the permission (no caller has none)."""
        return self.caller is not None and self.caller.may(permission)

    @property
    def actor(self) -> Actor:
        """The caller as services and the audit trail see them: who, from which request and
        address."""
        if self.caller is None:
            raise PermissionError("no authenticated caller")
        if self._actor is None:
            address = self.request.remote if self.request is not None else None
            self._actor = self.caller.acting(self.request_id, address)
        return self._actor

    def may_read(self, group: FieldGroup, collections: Iterable[str]) -> bool:
        """Whether the caller reads fields of the group stored in these collections."""
        return self.caller is not None and may_read_group(self.actor, group, collections)

    def may_read_type(self, type_name: str) -> bool:
        """Whether the caller's role sees records of the type at all."""
        return self.caller is not None and may_read_type(self.actor, type_name)

    @property
    def scope(self) -> Scope:
        """The caller's view of its account: every read of this request goes through it
        (built at the request's start by `app.data.scope.request_scope`)."""
        if self._scope is None:
            self._scope = Scope(self.database, self.actor)
        return self._scope


Info = strawberry.Info[Context, None]
