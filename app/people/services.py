"""The rules of users, candidates, clients and contacts, free of GraphQL."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from app.accounts.revocation import credentials_changed
from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.codes import RoleType
from app.common.search import person_search
from app.common.services import Actor, RawDoc, decode, item_path, validated
from app.common.text import keywords, normalise
from app.data.audit import changes_between
from app.data.policy_checks import role_named
from app.data.records import Also, Known, RecordStore
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.identity.logins import check_may_manage, role_key, role_permissions
from app.people.documents import (
    Candidate,
    CandidateStatus,
    Client,
    Contact,
    ContactPerson,
    PartyType,
    User,
)


def user_search(user: User) -> dict[str, Any]:
    return person_search(user.name, user.locations, user.languages, user.skills)


ROLE_KEYS = frozenset({"role", "role_type"})
CREDENTIAL_KEYS = (*ROLE_KEYS, "_deleted")
"""What decides how a person signed in acts: their role, its kind, and whether they exist."""
"""What decides the role a user acts with (their role, else their kind's default)."""


class UserStore(RecordStore):
    """Users, with the rules that nobody manages themselves, that a user's role is one of the
    account's, and that whoever gives a role may do all it may (app/identity/logins.py)."""

    async def prepare_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        known: Known = None,
    ) -> list[RawDoc]:
        given = [(index, item) for index, item in enumerate(items) if ROLE_KEYS & item.keys()]
        if given:
            account = await self._account(actor)
            for index, item in given:
                _check_role(actor, account, None, item, item_path(prefix, index))
        return await super().prepare_many(actor, items, prefix, known)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        if changes.get("manager") is not None and changes["manager"] == key:
            raise ServiceError.one(
                "A user cannot be their own manager.", ErrorCode.INVALID, "input.manager"
            )
        if ROLE_KEYS & changes.keys():
            current = await self.get(actor, key)
            account = await self._account(actor)
            _check_role(actor, account, current, changes, "input", themself=key == actor.user_id)
        return await super().update(actor, key, revision, changes, also)

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        """A person signed in acts with their user's role: a new role or kind, or a deletion,
        reaches every server process's cache of who they are within a second."""
        if any(before.get(key) != after.get(key) for key in CREDENTIAL_KEYS):
            await credentials_changed(tx, "user", after["_id"])

    async def _account(self, actor: Actor) -> RawDoc:
        """The account's roles and defaults: a rule's to read, whatever the caller's role."""
        scope = self.scope(actor).whole_account()
        fields = {"roles": 1, "role_settings": 1}
        return await scope["accounts"].find_one({"_id": actor.account_id}, fields) or {}


def _stored(value: Any) -> Any:
    return getattr(value, "value", value)  # a code as it is stored


def _check_role(
    actor: Actor,
    account: RawDoc,
    current: RawDoc | None,
    given: dict[str, Any],
    where: str,
    *,
    themself: bool = False,
) -> None:
    """A role given to a user is one of the account's (INVALID), and the actor may give it, and
    take away the one it replaces (FORBIDDEN; the rule of `check_may_manage`)."""
    field = f"{where}.role" if "role" in given else f"{where}.roleType"
    key = given.get("role")
    if key is not None and role_named(account, key) is None:
        raise ServiceError.one(
            f"The account has no role {key!r}: give the key of a built-in role or one of the "
            "account's own (account.roles).",
            ErrorCode.INVALID,
            field,
        )
    before = {name: _stored((current or {}).get(name)) for name in ROLE_KEYS}
    after = {**before, **{name: _stored(given[name]) for name in ROLE_KEYS & given.keys()}}
    had, gets = role_key(before, account), role_key(after, account)
    if current is not None and had == gets:
        return
    if current is not None:
        check_may_manage(actor, role_permissions(account, had), field)
    check_may_manage(actor, role_permissions(account, gets), field, themself=themself)


def user_store(database: Database) -> UserStore:
    return UserStore(database, User, "User", search_keys=user_search)


# Candidates

# What a hired candidate's user gets from the candidate: every attribute both records have,
# except the bookkeeping of each record and the candidate's id in another system.
NOT_COPIED = frozenset(
    {"id", "account", "revision", "created_date", "last_updated_date", "search", "deleted"}
    | {"deleted_dates", "ext_id", "revision_id"}
)
COPIED_TO_USER = tuple(
    name for name in Candidate.model_fields if name in User.model_fields and name not in NOT_COPIED
)


def candidate_search(candidate: Candidate) -> dict[str, Any]:
    found = person_search(
        candidate.name, candidate.locations, candidate.languages, candidate.skills
    )
    return {**found, "rating": candidate.rating or 0}  # unrated last: a non-null sort key


class CandidateStore(RecordStore):
    """Candidates: only hiring makes one HIRED, and a hired one stays hired."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        for index, item in enumerate(items):
            if _is_hired(item.get("status")):
                where = item_path(prefix, index)
                raise _hire_first(f"{where}.status")
        return await super().create_many(actor, items, prefix, also)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        if "status" in changes:
            current = await self.get(actor, key)
            if current.get("_hired") and not _is_hired(changes["status"]):
                raise ServiceError.one(
                    "This candidate is hired; their status stays HIRED.",
                    ErrorCode.INVALID_STATE,
                    "input.status",
                )
            if not current.get("_hired") and _is_hired(changes["status"]):
                raise _hire_first("input.status")
        return await super().update(actor, key, revision, changes, also)

    async def hire(self, actor: Actor, key: Any, revision: int) -> tuple[RawDoc, RawDoc]:
        """Make the candidate a user (a caregiver) and mark them hired, in one transaction.

        Returns the candidate as it now is and the new user."""
        current = await self.get(actor, key)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        if current.get("_hired"):
            raise ServiceError.one(
                "This candidate is already hired.", ErrorCode.INVALID_STATE, "id"
            )
        candidate = validated(Candidate, decode(current))
        users = user_store(self.database)
        copied = {name: getattr(candidate, name) for name in COPIED_TO_USER}
        role = await self._caregiver_role(actor)
        user = users.validate_new(
            actor,
            {**copied, "role_type": RoleType.CAREGIVER, "role": role, "candidate": key},
        )
        user_raw = users.new_raw(user)
        stamp = now()
        hired: dict[str, Any] = {
            "_hired": True,
            "_hired_date": stamp,
            "status": CandidateStatus.HIRED.value,
            "_last_updated_date": stamp,
        }
        if actor.user_id is not None:
            hired["_hired_user"] = actor.user_id
        stored = current.get("_revision")
        guard = {
            "_id": key,
            "_revision": stored if stored is not None else {"$exists": False},
            "_hired": {"$ne": True},
        }
        update = {"$set": {**hired, "_revision": (stored or 1) + 1}}

        async def write(tx: Tx) -> RawDoc:
            after = await tx[self.collection_name].find_one_and_update(
                guard, update, return_document=ReturnDocument.AFTER
            )
            if after is None:  # raising aborts the transaction: no user is left behind
                raise ServiceError.one(
                    "This candidate changed while you were hiring them; reload it.",
                    ErrorCode.CONFLICT,
                    "revision",
                )
            await tx[users.collection_name].insert_one(user_raw)
            await tx.audit_all(
                [
                    tx.created("User", user_raw),
                    tx.entry(
                        AuditAction.UPDATE, "Candidate", key,
                        changes=changes_between(current, {**current, **hired}, hired),
                    ),
                ]
            )  # fmt: skip
            return after

        return await self.scope(actor).transact(write), user_raw

    async def _caregiver_role(self, actor: Actor) -> str | None:
        account = await self.scope(actor)["accounts"].find_one(
            {"_id": actor.account_id}, {"role_settings": 1}
        )
        settings = (account or {}).get("role_settings") or {}
        role = settings.get("default_caregiver_role")
        return str(role) if role else None


def _is_hired(status: Any) -> bool:
    return status in (CandidateStatus.HIRED, CandidateStatus.HIRED.value)


def _hire_first(field: str) -> ServiceError:
    return ServiceError.one(
        "A candidate becomes HIRED through candidateHire, which also makes their user.",
        ErrorCode.INVALID,
        field,
    )


def candidate_store(database: Database) -> CandidateStore:
    return CandidateStore(database, Candidate, "Candidate", search_keys=candidate_search)


# Clients and contacts


def party_search(
    kind: PartyType, company_name: str | None, person: ContactPerson | None, locations: list[Any]
) -> dict[str, Any]:
    """Words of the company's and the person's names; sorted by the company's name for a
    company, else by the person's last name then first name."""
    name = person.name if person is not None else None
    person_sort = f"{name.last} {name.first}" if name is not None else ""
    by_company = kind == PartyType.COMPANY and company_name
    return {
        "name": keywords(
            company_name,
            *((name.first, name.middle, name.last, name.nickname) if name is not None else ()),
        ),
        "sort": normalise(str(company_name) if by_company else person_sort or company_name or ""),
        "city": sorted({normalise(loc.city) for loc in locations if loc.city}),
    }


def client_search(client: Client) -> dict[str, Any]:
    company = client.company.name if client.company else None
    return party_search(client.type, company, client.contact, client.locations)


def contact_search(contact: Contact) -> dict[str, Any]:
    company = contact.company.name if contact.company else None
    return party_search(contact.type, company, contact.contact, contact.locations)


def client_store(database: Database) -> RecordStore:
    return RecordStore(database, Client, "Client", search_keys=client_search)


def contact_store(database: Database) -> RecordStore:
    return RecordStore(database, Contact, "Contact", search_keys=contact_search)
