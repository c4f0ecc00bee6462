"""Who is signed in."""

from __future__ import annotations

import strawberry

from app.common.clock import as_utc
from app.graphql.context import Info
from app.identity import services
from app.identity.types import Viewer
from app.people.types import User


@strawberry.type
class SignInQueries:
    @strawberry.field(
        description="The person signed in, with their session; null for an API client."
    )
    async def viewer(self, info: Info) -> Viewer | None:
        caller = info.context.caller
        if caller is None or caller.user_id is None:
            return None
        login, session = await services.viewer(info.context.scope)
        user = await User.load(info, caller.user_id)
        if user is None:
            return None
        return Viewer(
            user=user,
            email=str(login["email"]),
            two_factor_enabled=login.get("totp_secret") is not None,
            session_expires_at=as_utc(session["expires_at"]),
        )
