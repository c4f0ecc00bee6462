"""The README's table of roles, rendered from the policy table (app/data/policy.py), so that
what the README says each role sees is what the code enforces (tests/test_policy.py checks
the README holds exactly this rendering)."""

from __future__ import annotations

from app.common.codes import Permission, RoleType
from app.common.documents import FieldGroup
from app.common.services import Actor
from app.data.policy import (
    ALL,
    BOOKED_DAYS,
    BUILT_IN_ROLES,
    GROUPS,
    NONE,
    RECORDS,
    Booked,
    Files,
    Own,
    Role,
)
from app.data.policy_checks import closed_files

BEGIN = "<!-- roles table: rendered by app/data/roles_table.py; do not edit by hand -->"
END = "<!-- end of roles table -->"


def roles_table() -> str:
    """The Markdown table of the built-in roles: permissions, records and marked fields."""
    lines = [
        BEGIN,
        "| role | kind | permissions | records it reads | marked fields it reads |",
        "| --- | --- | --- | --- | --- |",
        *(_row(role) for role in BUILT_IN_ROLES),
        END,
    ]
    return "\n".join(lines)


def _row(role: Role) -> str:
    permissions = (
        "all"
        if role.permissions == frozenset(Permission)
        else ", ".join(f"`{p.name}`" for p in Permission if p in role.permissions)
    )
    cells = [f"`{role.key}`", role.type.value, permissions, _records(role), _fields(role)]
    return "| " + " | ".join(cells) + " |"


def _records(role: Role) -> str:
    if role.type == RoleType.CAREGIVER:
        return _caregiver_records() + _files(role)
    closed = [name for name, rule in RECORDS.items() if rule.read not in {None, *role.permissions}]
    return "all of the account" + (f" but {_names(closed)}" if closed else "") + _files(role)


def _files(role: Role) -> str:
    """The files closed to the role besides: by their owner's kind (a caregiver's rows name
    the owners already), and by their type."""
    closed = closed_files(Actor(account_id=0, permissions=role.permissions, role_type=role.type))
    owners = role.type != RoleType.CAREGIVER
    kinds = [f"{kind}s" for kind, file_type in closed if file_type is None and owners]
    types: dict[str, list[str]] = {}
    for kind, file_type in closed:
        if file_type is not None:
            types.setdefault(kind, []).append(f"`{file_type}`")
    shut = [*kinds, *(f"{kind}s' {', '.join(named)}" for kind, named in types.items())]
    return f"; no files of: {'; '.join(shut)}" if shut else ""


def _caregiver_records() -> str:
    own = [
        f"{name} by `{rule.caregiver.key}`"
        for name, rule in RECORDS.items()
        if isinstance(rule.caregiver, Own)
    ]
    booked = [name for name, rule in RECORDS.items() if isinstance(rule.caregiver, (Booked, Files))]
    shared = [name for name, rule in RECORDS.items() if rule.caregiver == ALL]
    return (
        f"only rows naming them: {_names(own)}; the {_names(booked)} of the patients they are "
        f"booked with {BOOKED_DAYS} days either side of now (and files of their own); "
        f"{_names(shared)}"
    )


def _fields(role: Role) -> str:
    groups = [g for g in FieldGroup if GROUPS[g].read in role.permissions]
    text = ", ".join(g.value for g in groups) or "none"
    if role.type != RoleType.CAREGIVER:
        return text
    opened: dict[frozenset[FieldGroup], list[str]] = {}
    for name, rule in RECORDS.items():
        if rule.caregiver != NONE and rule.opens - set(groups):
            opened.setdefault(rule.opens, []).append(name)
    extra = [
        f"{', '.join(g.value for g in FieldGroup if g in opens)} of their {_names(names)}"
        for opens, names in opened.items()
    ]
    return "; ".join(extra) if groups == [] and extra else "; ".join([text, *extra])


def _names(names: list[str]) -> str:
    return ", ".join(names)
