"""The demo's credentials: made at random when the demo is seeded, kept in the data folder.

No install shares another's demo keys: each seed draws its API keys and secrets (and the first
demo account's sign-ins, one per built-in role) at random and writes them, readable by their
owner only, to `<data folder>/demo-credentials.json`, which `./scripts/serve` and
`python -m app seed` print. The demo never runs in production (see `app.seed`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.common.demo import DemoAccount
from app.common.services import RawDoc
from app.data.policy import BUILT_IN_ROLES
from app.data.scope import Scope
from app.identity import links
from app.identity.logins import RequestFacts
from app.people.services import user_store
from app.settings import Settings

log = logging.getLogger("app.demo")

FILE_NAME = "demo-credentials.json"
DEMO_CLIENTS = [(1, "administrator"), (1, "scheduler"), (2, "administrator")]
"""(demo account number, role) of each demo API client; all key-only, as seed 000's clients."""
SIGN_IN_ACCOUNT = 1
"""The demo account whose people sign in: one for each built-in role."""
NOT_RECORDED = (
    "  (this data folder's demo credentials were not recorded: it was seeded before they were "
    "made per install; start on an empty data folder, or make a key with "
    "`python -m app account create`)"
)


def credentials_path(settings: Settings) -> Path:
    return settings.data_dir / FILE_NAME


@dataclass
class DemoCredentials:
    """What the demo seed made, by demo account number, as it is written to the file."""

    path: Path | None
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> DemoCredentials:
        """The file's credentials (none when there is no file or no path)."""
        if path is None or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            log.warning("cannot read %s: %s", path, error)
            return cls(path)
        return cls(path, dict(data.get("accounts") or {}))

    def _account(self, number: int, agency: str) -> dict[str, Any]:
        entry = self.accounts.setdefault(str(number), {"api_clients": [], "sign_ins": []})
        entry["agency"] = agency
        return entry

    def add_client(self, number: int, agency: str, role: str, key: str, secret: str) -> None:
        name = f"{agency} ({role})"
        entry = {"name": name, "role": role, "api_key": key, "api_secret": secret}
        self._account(number, agency)["api_clients"].append(entry)

    def add_sign_in(self, number: int, agency: str, role: str, email: str, password: str) -> None:
        entry = {"role": role, "email": email, "password": password}
        self._account(number, agency)["sign_ins"].append(entry)

    def save(self) -> None:
        """Write the file, readable and writable by its owner only."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        content = json.dumps({"accounts": self.accounts}, indent=2) + "\n"
        partial = self.path.with_suffix(".tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(content)
        partial.replace(self.path)

    def clients(self) -> list[Mapping[str, Any]]:
        return [c for entry in self._ordered() for c in entry.get("api_clients", [])]

    def key_lines(self) -> list[str]:
        """`  <name>: Authorization: Bearer <key>`, for `serve`'s banner."""
        return [f"  {c['name']}: Authorization: Bearer {c['api_key']}" for c in self.clients()]

    def sign_in_lines(self) -> list[str]:
        """A heading per account, then `  <role>: <email> / <password>` per sign-in."""
        lines = []
        for entry in self._ordered():
            if entry.get("sign_ins"):
                lines.append(f"Sign in to {entry.get('agency')} (email / password):")
                lines += [
                    f"  {s['role']}: {s['email']} / {s['password']}" for s in entry["sign_ins"]
                ]
        return lines

    def _ordered(self) -> list[dict[str, Any]]:
        return [self.accounts[key] for key in sorted(self.accounts, key=int)]


def new_password() -> str:
    """A demo password: 16 random characters (strong by any dictionary check)."""
    return secrets.token_urlsafe(12)


async def make_sign_ins(
    demo: DemoAccount,
    settings: Settings,
    credentials: DemoCredentials,
    number: int,
    office_worker: Callable[[str], RawDoc],
) -> None:
    """One sign-in (email and password) per built-in role of the demo account, each for a
    demo person holding that role (an office worker made with `office_worker(role)` for a role
    nobody holds yet), through the sign-in services of `app.identity`: an invitation, accepted
    with the password."""
    account = demo.account
    scope = Scope(demo.database, demo.actor)
    domain = str(account.get("email") or "office@demo.example").partition("@")[2]
    agency = (account.get("name") or {}).get("display") or str(account["_id"])
    people = demo.office + demo.caregivers
    for role in built_in_roles():
        user = next((p for p in people if p.get("role") == role), None)
        if user is None:
            user = await user_store(demo.database).create(demo.actor, office_worker(role))
        email, password = f"{role}@{domain}", new_password()
        link = await links.invite(scope, settings, user["_id"], email)
        await links.accept(demo.database, settings, link.token, password, RequestFacts())
        credentials.add_sign_in(number, agency, role, email, password)
    credentials.save()


def built_in_roles() -> list[str]:
    """The built-in roles' keys (the policy table's, the same in every account)."""
    return [role.key for role in BUILT_IN_ROLES]
