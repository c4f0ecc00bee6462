"""Signing in: a user's sign-in identity, one-time links, sessions, their access tokens, and
the outbox of messages for people (a mail adapter sends them later).

None of these is a record of the graph: they are read and written only by app/identity, and
their secrets are stored hashed (passwords with argon2id, tokens and links with SHA-256, since
they are random and must be looked up). A TOTP secret cannot be hashed: codes are computed
from it.
"""

from __future__ import annotations

import datetime as dt

from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, IndexModel

from app.common.codes import Code
from app.common.documents import by_account

SESSIONS_KEPT_AFTER_EXPIRY = 7 * 86_400
"""Expired sessions stay a week (the trail names them), then MongoDB removes them."""


class Login(Document):
    """How a user of an account signs in: one per user; the email is unique across every
    account, since signing in names only the email."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account of the user.")
    user: PydanticObjectId = Field(description="The user who signs in with it.")
    email: str = Field(description="The email, normalised (trimmed, lower case).")
    password_hash: str | None = Field(
        None, description="argon2id hash of the password; null until an invitation is accepted."
    )
    password_changed_date: dt.datetime | None = Field(
        None, description="When the password was last set."
    )
    active: bool = Field(True, description="Whether the user may sign in (false: deactivated).")
    totp_secret: str | None = Field(
        None, description="The confirmed TOTP secret (base32); null when two-factor is off."
    )
    totp_pending_secret: str | None = Field(
        None, description="A TOTP secret enrolled but not yet confirmed with a code."
    )
    totp_last_step: int | None = Field(
        None, description="The time step of the last code accepted: a code is used only once."
    )
    created_date: dt.datetime = Field(alias="_created_date", description="When it was made.")
    last_sign_in_date: dt.datetime | None = Field(None, description="When it last signed in.")

    class Settings:
        name = "logins"
        indexes = [
            IndexModel([("email", ASCENDING)], unique=True),
            by_account("user", unique=True),
        ]


class LinkPurpose(Code):
    """What a one-time link lets its holder do: set a first password, or a new one."""

    INVITATION = "invitation", "An invitation: the person sets their first password."
    PASSWORD_RESET = "password_reset", "A reset: the person sets a new password."


class SignInLink(Document):
    """A one-time link (an invitation or a password reset): its token is stored hashed, and it
    works once, before it expires, and only while it is the login's latest."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account of the user.")
    login: PydanticObjectId = Field(description="The login whose password it sets.")
    user: PydanticObjectId = Field(description="The user it is for.")
    purpose: LinkPurpose = Field(description="Invitation or password reset.")
    token_hash: str = Field(description="SHA-256 of the link's token.")
    expires_at: dt.datetime = Field(description="When it stops working; removed then.")
    used_date: dt.datetime | None = Field(None, description="When it was used, if it was.")
    reset_two_factor: bool = Field(
        False, description="Whether using it also turns two-factor sign-in off (a lost phone)."
    )
    created_date: dt.datetime = Field(alias="_created_date", description="When it was made.")

    class Settings:
        name = "sign_in_links"
        indexes = [
            IndexModel([("token_hash", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
            by_account("login"),
        ]


class Session(Document):
    """A signed-in session: server-side, so it can be revoked at once. Access tokens are issued
    against it; a browser keeps it alive with a refresh secret in an HttpOnly cookie, rotated at
    every refresh (a spent secret sent again revokes the session)."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account of the user.")
    user: PydanticObjectId = Field(description="The user signed in.")
    login: PydanticObjectId = Field(description="The login used.")
    created_date: dt.datetime = Field(alias="_created_date", description="When it began.")
    last_used_date: dt.datetime = Field(description="When it last signed in or refreshed.")
    expires_at: dt.datetime = Field(description="When it ends, whatever is refreshed.")
    revoked_date: dt.datetime | None = Field(None, description="When it was revoked, if it was.")
    revoked_reason: str | None = Field(None, description="Why it was revoked.")
    refresh_hash: str | None = Field(
        None, description="SHA-256 of the current refresh secret; null without a cookie."
    )
    spent_refresh: list[dict[str, object]] = Field(
        default_factory=list, description="Recent spent refresh secrets (hash, when spent)."
    )
    client_address: str | None = Field(None, description="Where it signed in from.")
    user_agent: str | None = Field(None, description="The browser or app that signed in.")

    class Settings:
        name = "sessions"
        indexes = [
            by_account("user", "revoked_date"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=SESSIONS_KEPT_AFTER_EXPIRY),
        ]


class SessionToken(Document):
    """A short-lived access token of a session (stored as its SHA-256); removed once expired."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account of the user.")
    session: PydanticObjectId = Field(description="The session it acts for.")
    token_hash: str = Field(description="SHA-256 of the token.")
    expires_at: dt.datetime = Field(description="When it stops working.")

    class Settings:
        name = "session_tokens"
        indexes = [
            IndexModel([("token_hash", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        ]


class OutboxMessage(Document):
    """A message to a person, written in the transaction that decided to send it; a mail
    adapter sends the pending ones and marks them sent (none is configured yet)."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account it is sent for.")
    to: str = Field(description="The recipient's email.")
    subject: str = Field(description="The subject line.")
    body: str = Field(description="The text, with any link in it.")
    kind: str = Field(description="What it is about: invitation or password_reset.")
    user: PydanticObjectId | None = Field(None, description="The user it is for.")
    status: str = Field("pending", description="pending, then sent or failed.")
    created_date: dt.datetime = Field(alias="_created_date", description="When it was written.")

    class Settings:
        name = "outbox"
        indexes = [by_account("status", "_created_date")]
