"""Signing in and out, one-time links, passwords, two-factor sign-in, turning a sign-in off."""

from __future__ import annotations

from typing import Any

import strawberry

from app.accounts.throttle import first_attempt
from app.common.codes import Permission
from app.errors import ErrorCode, Problem
from app.graphql.context import Context, Info
from app.graphql.inputs import actor_of
from app.graphql.loaders import Loaders
from app.graphql.payloads import UserError, attempt
from app.identity import links, services, twofactor
from app.identity.inputs import (
    Code,
    CurrentCode,
    CurrentPassword,
    Email,
    LinkToken,
    NewPassword,
    Otp,
    Password,
    ResetTwoFactor,
    UserId,
    user_key,
)
from app.identity.routes import (
    clear_session_cookie,
    forget,
    request_facts,
    set_session_cookie,
    wants_cookie,
)
from app.identity.sessions import Grant
from app.identity.types import (
    OneTimeLink,
    PasswordChangePayload,
    PasswordResetPayload,
    SignInPayload,
    SignOutPayload,
    TotpConfirmPayload,
    TotpEnrollPayload,
    UserInvitePayload,
    UserSignInPayload,
)
from app.keys import AUTHENTICATOR, SUB_RESPONSE
from app.people.types import User

ONE_SIGN_IN = "Send one signIn per request: the others were not tried."


async def signed_in(context: Context, grant: Grant | None) -> SignInPayload:
    """The payload of a sign-in; the rest of the response is resolved as the person."""
    if grant is None or grant.user is None:
        return SignInPayload(access_token=None, expires_at=None, user=None, user_errors=[])
    request = context.request
    if request is not None:
        set_session_cookie(request[SUB_RESPONSE], context.settings, grant)
        context.caller = await request.app[AUTHENTICATOR].caller_for(grant.access_token)
        context.loaders = Loaders(context.scope)
    return SignInPayload(
        access_token=grant.access_token,
        expires_at=grant.expires_at,
        user=User.from_doc(grant.user),
        user_errors=[],
    )


def revoked(context: Context, account_id: int | None = None) -> None:
    """Sessions just ended (in the caller's account, or the one named) stop working at once in
    this process."""
    if context.request is not None:
        forget(context.request.app[AUTHENTICATOR], account_id or context.account_id)


def link_of(link: links.Link | None) -> OneTimeLink | None:
    if link is None:
        return None
    return OneTimeLink(email=link.email, url=link.url, token=link.token, expires_at=link.expires_at)


@strawberry.type
class SignInMutations:
    @strawberry.mutation(
        description="Sign in as a person with an email and password (and `otp`, the code of an "
        "authenticator app, when two-factor sign-in is on for them or required for their role). "
        "Needs no other credentials. Send the header `Caregraph-Session: cookie` to also get "
        "the web app's refresh cookie."
    )
    async def sign_in(
        self, info: Info, email: Email, password: Password, otp: Otp = None
    ) -> SignInPayload:
        context = info.context
        if not first_attempt(context.request, "signIn"):
            refused = [UserError.of(Problem(ONE_SIGN_IN, ErrorCode.INVALID))]
            return SignInPayload(access_token=None, expires_at=None, user=None, user_errors=refused)
        grant, errors = await attempt(
            services.sign_in(
                context.database,
                context.settings,
                email,
                password,
                otp,
                request_facts(context.request, context.request_id),
                wants_cookie(context.request),
            )
        )
        payload = await signed_in(context, grant)
        payload.user_errors = errors
        return payload

    @strawberry.mutation(
        description="Use an invitation or password-reset link: set the password and sign in. "
        "Every other session of the person ends. Needs no other credentials."
    )
    async def invitation_accept(
        self, info: Info, token: LinkToken, password: Password
    ) -> SignInPayload:
        context = info.context
        grant, errors = await attempt(
            links.accept(
                context.database,
                context.settings,
                token,
                password,
                request_facts(context.request, context.request_id),
                wants_cookie(context.request),
            )
        )
        if grant is not None:
            revoked(context, grant.account_id)
        payload = await signed_in(context, grant)
        payload.user_errors = errors
        return payload

    @strawberry.mutation(
        description="Sign out: this session ends at once, and its token stops working."
    )
    async def sign_out(self, info: Info) -> SignOutPayload:
        async def act() -> bool:
            actor_of(info)
            return await services.sign_out(info.context.scope)

        ended, errors = await attempt(act())
        if ended is not None:
            revoked(info.context)
            request = info.context.request
            if request is not None:
                clear_session_cookie(request[SUB_RESPONSE], info.context.settings)
        return SignOutPayload(signed_out=bool(ended), user_errors=errors)

    @strawberry.mutation(
        description="Change your own password; every other session of yours ends (this one "
        "goes on)."
    )
    async def password_change(
        self, info: Info, current: CurrentPassword, new: NewPassword
    ) -> PasswordChangePayload:
        async def act() -> int:
            actor_of(info)
            return await services.change_password(info.context.scope, current, new)

        ended, errors = await attempt(act())
        if ended:
            revoked(info.context)
        return PasswordChangePayload(
            changed=ended is not None, sessions_ended=ended or 0, user_errors=errors
        )

    @strawberry.mutation(
        description="Set up two-factor sign-in for yourself: a new secret for an authenticator "
        "app. Signing in asks for its codes once `totpConfirm` gets one."
    )
    async def totp_enroll(self, info: Info, current_code: CurrentCode = None) -> TotpEnrollPayload:
        async def act() -> twofactor.Enrolment:
            actor_of(info)
            return await twofactor.enrol(info.context.scope, current_code)

        enrolment, errors = await attempt(act())
        return TotpEnrollPayload(
            secret=enrolment.secret if enrolment else None,
            uri=enrolment.uri if enrolment else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Turn two-factor sign-in on with a code from the app just enrolled."
    )
    async def totp_confirm(self, info: Info, code: Code) -> TotpConfirmPayload:
        async def act() -> bool:
            actor_of(info)
            await twofactor.confirm(info.context.scope, code)
            return True

        done, errors = await attempt(act())
        return TotpConfirmPayload(enabled=bool(done), user_errors=errors)


@strawberry.type
class SignInAdminMutations:
    @strawberry.mutation(
        description="Invite a user to sign in with this email: answers the invitation link "
        "(valid 72 hours by default) to pass on; a message carrying it waits in the outbox. "
        "Inviting again before it is used replaces the link. Needs MANAGE_STAFF, and "
        "MANAGE_ACCOUNT for a user whose role may do more than yours."
    )
    async def user_invite(self, info: Info, user: UserId, email: Email) -> UserInvitePayload:
        async def act() -> links.Link:
            actor_of(info, Permission.MANAGE_STAFF)
            context = info.context
            return await links.invite(context.scope, context.settings, user_key(user), email)

        link, errors = await attempt(act())
        return UserInvitePayload(invitation=link_of(link), user=_user(link), user_errors=errors)

    @strawberry.mutation(
        description="Give a user who signs in a link to set a new password (their password "
        "works until the link is used; then every session of theirs ends). Needs MANAGE_STAFF, "
        "and MANAGE_ACCOUNT for a user whose role may do more than yours."
    )
    async def password_reset(
        self, info: Info, user: UserId, reset_two_factor: ResetTwoFactor = False
    ) -> PasswordResetPayload:
        async def act() -> links.Link:
            actor_of(info, Permission.MANAGE_STAFF)
            context = info.context
            return await links.reset(context.scope, context.settings, user_key(user),
                                     reset_two_factor)  # fmt: skip

        link, errors = await attempt(act())
        return PasswordResetPayload(link=link_of(link), user=_user(link), user_errors=errors)

    @strawberry.mutation(
        description="Turn a user's sign-in off: every session of theirs ends at once and their "
        "links stop working. Needs MANAGE_STAFF (and MANAGE_ACCOUNT as for invitations)."
    )
    async def user_deactivate(self, info: Info, user: UserId) -> UserSignInPayload:
        return await _set_active(info, user, active=False)

    @strawberry.mutation(
        description="Turn a user's sign-in back on (with the password they had). Needs "
        "MANAGE_STAFF (and MANAGE_ACCOUNT as for invitations)."
    )
    async def user_reactivate(self, info: Info, user: UserId) -> UserSignInPayload:
        return await _set_active(info, user, active=True)


async def _set_active(info: Info, user: str, active: bool) -> UserSignInPayload:
    async def act() -> tuple[Any, int]:
        actor_of(info, Permission.MANAGE_STAFF)
        return await services.set_active(info.context.scope, user_key(user), active)

    result, errors = await attempt(act())
    if result is None:
        return UserSignInPayload(user=None, active=None, sessions_ended=0, user_errors=errors)
    revoked(info.context)
    return UserSignInPayload(
        user=User.from_doc(result[0]), active=active, sessions_ended=result[1], user_errors=[]
    )


def _user(link: links.Link | None) -> User | None:
    return User.from_doc(link.user) if link is not None else None
