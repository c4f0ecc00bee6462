"""What every sign-in flow shares: emails, a user's login, the person as an actor, their role."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from app.common.codes import Permission, RoleType
from app.common.services import Actor, RawDoc
from app.common.text import name_of
from app.data.policy_checks import may_give_role, role_named
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError, not_found

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 200
USER_FIELDS = {"name": 1, "role": 1, "role_type": 1, "_deleted": 1, "email": 1}


@dataclass(frozen=True)
class RequestFacts:
    """Where a request comes from, for the trail and the session: its id, address, agent."""

    request_id: str | None = None
    address: str | None = None
    user_agent: str | None = None


def normalised_email(email: str, field: str = "email") -> str:
    """The email as logins store it: NFKC, trimmed, lower case (people type it either way)."""
    cleaned = unicodedata.normalize("NFKC", email).strip().lower()
    if len(cleaned) > MAX_EMAIL or not EMAIL.match(cleaned):
        raise ServiceError.one("Give a valid email address.", ErrorCode.INVALID, field)
    return cleaned


def person(
    account_id: int,
    user: Mapping[str, Any],
    facts: RequestFacts,
    session_id: ObjectId | None = None,
) -> Actor:
    """A user as the actor of their own sign-in, sign-out or password change."""
    return Actor(
        account_id=account_id,
        user_id=user["_id"],
        user_name=name_of(user),
        session_id=session_id,
        request_id=facts.request_id,
        client_address=facts.address,
    )


def person_scope(scope: Scope) -> Scope:
    """Sign-in work reads the records it needs whatever a role's row policy says: it decides
    who the person is before any role applies."""
    return scope.whole_account()


async def user_of(scope: Scope, user_id: Any, field: str = "user") -> RawDoc:
    """A user of the scope's account that is not deleted (the whole record, for answering
    with it), or NOT_FOUND on `field`."""
    user = await person_scope(scope)["users"].find_one({"_id": user_id})
    if user is None or user.get("_deleted"):
        raise not_found("User", field)
    return user


async def login_of(scope: Scope, user_id: Any) -> RawDoc | None:
    return await person_scope(scope)["logins"].find_one({"user": user_id})


def role_key(user: Mapping[str, Any], account: Mapping[str, Any]) -> str | None:
    """The role a user acts with: theirs, else the account's default for their kind."""
    if user.get("role"):
        return str(user["role"])
    defaults = account.get("role_settings") or {}
    kind = user.get("role_type") or RoleType.CAREGIVER.value
    if kind == RoleType.ADMINISTRATOR.value:
        return "administrator"
    if kind == RoleType.OFFICE.value:
        return defaults.get("default_staff_role")
    return defaults.get("default_caregiver_role")


def role_permissions(account: Mapping[str, Any], role: str | None) -> frozenset[Permission]:
    """The permissions of a role key: a built-in role's from the policy table, else the
    account's own role's."""
    found = role_named(account, role)
    return found.permissions if found is not None else frozenset()


def role_type(account: Mapping[str, Any], role: str | None) -> RoleType | None:
    """The kind of a role key (a caregiver's reads are their own rows only)."""
    found = role_named(account, role)
    return found.type if found is not None else None


def check_may_manage(
    actor: Actor, target: frozenset[Permission], field: str = "user", *, themself: bool = False
) -> None:
    """Giving someone a way in, or a role, is giving its powers: a role that may manage staff
    does it only for roles that may do no more than its own; beyond, MANAGE_ACCOUNT; and
    nobody raises their own role (`themself`). The rule is the policy table's
    (`may_give_role`); FORBIDDEN on `field` when it refuses."""
    if may_give_role(actor, target, themself=themself):
        return
    message = (
        "You may not give yourself a role that may do more than yours; ask another administrator."
        if themself
        else "Only an administrator (MANAGE_ACCOUNT) may do this for a user whose role may do "
        "more than yours."
    )
    raise ServiceError.one(message, ErrorCode.FORBIDDEN, field)


def signed_in_person(actor: Actor) -> tuple[ObjectId, ObjectId]:
    """The user and session of an actor signed in as a person; API clients are refused."""
    if actor.user_id is None or actor.session_id is None:
        raise ServiceError.one(
            "Only a person signed in (signIn) can do this; API clients cannot.",
            ErrorCode.FORBIDDEN,
        )
    return actor.user_id, actor.session_id


def password_context(login: Mapping[str, Any], user: Mapping[str, Any]) -> list[str | None]:
    """Words a person's password must not lean on: their email and names."""
    name = user.get("name") or {}
    email = str(login.get("email") or "")
    return [email, *email.split("@"), name.get("first"), name.get("last"),
            name.get("nickname"), "caregraph"]  # fmt: skip
