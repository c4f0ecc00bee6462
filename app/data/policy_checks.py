"""The policy's checks: what the policy table (app/data/policy.py) answers for one actor. A
role key resolved to its role (`role_named`, the same way for every credential), whether an
actor may give a role, reads a record type (`may_read_type`), reads or writes a marked field
group (`may_read_group`, `may_write_group`), which files are closed to it (`closed_files`),
and whether it may call a root field (`may_call`, and `needs`: why not, in words). The data
path (app/data/rows.py, fields.py) and the GraphQL guards ask these; the table itself stays
in policy.py, the one place that says who may do what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from app.common.codes import Permission as P
from app.common.codes import RoleType
from app.common.documents import FieldGroup
from app.data.policy import (
    BUILT_IN,
    BUILT_IN_ROLES,
    BY_COLLECTION,
    FILE_GROUPS,
    FILE_OWNERS,
    GROUPS,
    NONE,
    RECORDS,
    Role,
    RootRule,
)

if TYPE_CHECKING:
    from app.common.services import Actor


def role_named(account: Mapping[str, Any] | None, key: str | None) -> Role | None:
    """The role a key names in an account: a built-in one (from code, whatever the account
    stores under that key), else one of the account's own roles; None when it names none."""
    if key is None:
        return None
    if key in BUILT_IN:
        return BUILT_IN[key]
    stored = next((r for r in (account or {}).get("roles") or [] if r.get("key") == key), None)
    if stored is None:
        return None
    known = {p.value for p in P}
    return Role(
        key=key,
        name=str(stored.get("name") or key),
        type=RoleType(stored.get("type") or RoleType.OFFICE.value),
        permissions=frozenset(P(p) for p in stored.get("permissions") or [] if p in known),
        color=stored.get("color"),
    )


def account_roles(account: Mapping[str, Any] | None) -> list[Role]:
    """Every role of an account: the built-in ones, then its own."""
    own = [role_named(account, r.get("key")) for r in (account or {}).get("roles") or []]
    custom = [r for r in own if r is not None and not r.built_in]
    return [*BUILT_IN_ROLES, *custom]


def may_give_role(actor: Actor, permissions: frozenset[P], *, themself: bool = False) -> bool:
    """Whether the actor may give a user a role with these permissions, take one away, or
    give a way in (an invitation, a reset) to a user who holds one: giving a way in is
    giving its powers. A role does it for roles that may do no more than its own; beyond
    that only with MANAGE_ACCOUNT (an administrator), and nobody raises their own role."""
    if actor.permissions is None or permissions <= actor.permissions:
        return True
    return not themself and actor.may(P.MANAGE_ACCOUNT)


def is_caregiver(actor: Actor) -> bool:
    """Whether the actor's rows are a caregiver's (their own) rather than the account's. A
    caller with permissions but no role type is treated as a caregiver: the narrower view."""
    if actor.permissions is None:
        return False
    return actor.role_type not in (RoleType.ADMINISTRATOR, RoleType.OFFICE)


def closed_files(actor: Actor) -> list[tuple[str, str | None]]:
    """The files an actor may not read, as (owner kind, file type; None: every type): those of
    owners whose record type is closed to the actor, and those holding a group it may not read
    about their owner."""
    if actor.permissions is None:
        return []
    closed: list[tuple[str, str | None]] = [
        (kind, None) for kind, owner in FILE_OWNERS.items() if not may_read_type(actor, owner)
    ]
    shut = {kind for kind, _ in closed}
    for (kind, file_type), group in FILE_GROUPS.items():
        owner = RECORDS[FILE_OWNERS[kind]].collection
        if kind not in shut and not may_read_group(actor, group, (owner,)):
            closed.append((kind, file_type))
    return closed


def may_read_type(actor: Actor, type_name: str) -> bool:
    """Whether the actor sees any record of the type (then rows and fields narrow it); a
    type the table does not name is closed to every role."""
    rule = RECORDS.get(type_name)
    if actor.permissions is None:
        return True
    if rule is None:
        return False
    if is_caregiver(actor):
        return rule.caregiver != NONE
    return rule.read is None or actor.may(rule.read)


def may_read_group(actor: Actor, group: FieldGroup, collections: Iterable[str]) -> bool:
    """Whether the actor reads fields of the group stored in these collections: with the
    group's permission, or as a caregiver in collections whose rows open it to them."""
    if actor.permissions is None or actor.may(GROUPS[group].read):
        return True
    if not is_caregiver(actor):
        return False
    rules = [BY_COLLECTION.get(name) for name in collections]
    return bool(rules) and all(rule is not None and group in rule.opens for rule in rules)


def may_write_group(actor: Actor, group: FieldGroup) -> bool:
    """Whether the actor may give fields of the group a value: never what it cannot read."""
    rule = GROUPS[group]
    return actor.may(rule.read) and actor.may(rule.write)


def write_needs(group: FieldGroup) -> str:
    rule = GROUPS[group]
    return rule.write.name if rule.write == rule.read else f"{rule.read.name} and {rule.write.name}"


def may_call(actor: Actor, rule: RootRule) -> bool:
    """Whether a root field is open to the actor: its permission, and the type it reads or
    writes (a role does not write what it may not read)."""
    if rule.open or actor.permissions is None:
        return True
    if rule.permission is not None and not actor.may(rule.permission):
        return False
    if rule.any_of and not any(actor.may(p) for p in rule.any_of):
        return False
    return rule.record_type is None or may_read_type(actor, rule.record_type)


def needs(rule: RootRule, actor: Actor | None = None) -> str:
    """Why a root field is closed to the actor, in words for its error message: the
    permissions its role lacks, and, for a caregiver's role, that the record type is read by
    office roles only (no permission opens it to a caregiver). Without an actor: all that
    the field needs."""

    def lacks(permission: P) -> bool:
        return actor is None or not actor.may(permission)

    record = RECORDS.get(rule.record_type) if rule.record_type else None
    caregiver = actor is not None and is_caregiver(actor)
    office_only = caregiver and record is not None and record.caregiver == NONE
    wanted = [p.name for p in (rule.permission,) if p is not None and lacks(p)]
    if rule.any_of and (actor is None or not any(actor.may(p) for p in rule.any_of)):
        wanted.append(" or ".join(sorted(p.name for p in rule.any_of)))
    read = record.read if record is not None else None
    if read is not None and read != rule.permission and lacks(read) and not office_only:
        wanted.append(read.name)
    reasons = [f"it needs {' and '.join(wanted)}"] if wanted else []
    if office_only:
        reasons.append(f"only office roles may read {rule.record_type} records")
    if rule.record_type is not None and record is None:
        reasons.append(f"no role may read {rule.record_type} records")
    return "; ".join(reasons) or "any role may"
