"""GraphQL types of signing in: tokens, one-time links, two-factor enrolment, the viewer."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.graphql.payloads import UserError
from app.people.types import User

ERRORS = "Why it was refused; empty on success."


@strawberry.type(
    description="The result of signing in (or of using a one-time link): an access token that "
    "acts as the person, with their role's permissions."
)
class SignInPayload:
    access_token: str | None = strawberry.field(
        description="Send as `Authorization: Bearer <token>` until `expiresAt` (15 minutes by "
        "default). A browser that asked for the session cookie (header `Caregraph-Session: "
        "cookie`) gets the next one from `POST /auth/refresh`; others sign in again."
    )
    expires_at: dt.datetime | None = strawberry.field(description="When the token stops working.")
    user: User | None = strawberry.field(description="The person signed in.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused: the same FORBIDDEN message for a wrong email and a wrong "
        "password; OTP_REQUIRED when a valid one-time code (`otp`) is needed."
    )


@strawberry.type(
    description="A one-time link that lets a person set their password and sign in: shown "
    "once, to pass on to them (a message carrying it waits in the outbox for a mail adapter). "
    "It works once, until it expires, and only while it is the person's newest."
)
class OneTimeLink:
    email: str = strawberry.field(description="The email the person will sign in with.")
    url: str = strawberry.field(
        description="The link to open in the web app; its token follows `#token=`."
    )
    token: str = strawberry.field(description="The link's token, for `invitationAccept`.")
    expires_at: dt.datetime = strawberry.field(description="When the link stops working.")


@strawberry.type(description="The result of inviting a user to sign in.")
class UserInvitePayload:
    invitation: OneTimeLink | None = strawberry.field(
        description="The invitation to pass on; null if refused."
    )
    user: User | None = strawberry.field(description="The user invited.")
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of giving a user a link to set a new password.")
class PasswordResetPayload:
    link: OneTimeLink | None = strawberry.field(description="The link to pass on; null if refused.")
    user: User | None = strawberry.field(description="The user concerned.")
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of signing out.")
class SignOutPayload:
    signed_out: bool = strawberry.field(
        description="True when this session ended now (false if it had ended already)."
    )
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of changing one's own password.")
class PasswordChangePayload:
    changed: bool = strawberry.field(description="Whether the password changed.")
    sessions_ended: int = strawberry.field(
        description="How many of your other sessions ended (this one goes on)."
    )
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of turning a user's sign-in off or on.")
class UserSignInPayload:
    user: User | None = strawberry.field(description="The user concerned.")
    active: bool | None = strawberry.field(
        description="Whether the user may sign in now; null if refused."
    )
    sessions_ended: int = strawberry.field(description="How many of their sessions ended.")
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(
    description="A new secret for an authenticator app. Two-factor sign-in is on once "
    "`totpConfirm` gets a code from the app."
)
class TotpEnrollPayload:
    secret: str | None = strawberry.field(
        description="The secret (base32), for typing into the app by hand."
    )
    uri: str | None = strawberry.field(
        description="The otpauth:// URI, for a QR code the app scans."
    )
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of confirming two-factor sign-in.")
class TotpConfirmPayload:
    enabled: bool = strawberry.field(
        description="Whether signing in now asks for a code from the app."
    )
    user_errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The person signed in, and their session.")
class Viewer:
    user: User = strawberry.field(description="Their user record.")
    email: str = strawberry.field(description="The email they sign in with.")
    two_factor_enabled: bool = strawberry.field(
        description="Whether signing in asks them for a code from an authenticator app."
    )
    session_expires_at: dt.datetime = strawberry.field(
        description="When this session ends, however often it is refreshed."
    )
