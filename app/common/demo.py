"""What each package's demo data builds on: the account and the records made before it.

`app/seed.py` makes the account, its staff, caregivers and patients, then calls `seed(demo)` in
each domain's `demo` module, in the order of `app.domains.DOMAINS`. A package adds what it made
to `demo.made[<collection>]` so that later packages can link to it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from app.common.services import Actor
from app.data.scope import Scope
from app.db import Database

RawDoc = dict[str, Any]


@dataclass
class DemoAccount:
    """One demo agency while its data is built; deterministic through `rng`."""

    database: Database
    actor: Actor
    rng: random.Random
    account: RawDoc
    office: list[RawDoc]
    caregivers: list[RawDoc]
    patients: list[RawDoc]
    week_start: dt.date
    made: dict[str, list[RawDoc]] = field(default_factory=dict)

    @property
    def scope(self) -> Scope:
        """The demo's actor's view of its account, for what it writes outside a store."""
        return Scope(self.database, self.actor)

    @property
    def timezone(self) -> str:
        return str(self.account.get("settings", {}).get("timezone", "America/Toronto"))
