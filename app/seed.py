"""Demo data: linked, realistic, deterministic agencies, written through the services (the
fields of their accounts, staff, caregivers and patients are drawn in app/seed_data.py).

`seed_demo` is safe to run twice: an account already seeded (found by its ext_id) is skipped.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from app.accounts.services import create_account, create_api_client
from app.common.demo import DemoAccount
from app.common.services import Actor
from app.data.system import System
from app.db import Database, open_database
from app.demo_credentials import (
    DEMO_CLIENTS,
    NOT_RECORDED,
    SIGN_IN_ACCOUNT,
    DemoCredentials,
    credentials_path,
    make_sign_ins,
)
from app.domains import modules
from app.patients.services import patient_store
from app.people.services import user_store
from app.seed_data import SEED, account_fields, caregiver_data, office_data, patient_data, place_of
from app.settings import Settings

NOT_IN_PRODUCTION = (
    "The demo data is not for production (CAREGRAPH_ENV=production): it would open agencies "
    "with demo people and demo credentials. Nothing was written."
)


class Progress:
    """The seed's progress on stderr, through rich: a live bar on a terminal; anywhere else (a
    log, CI, a pipe) nothing is redrawn, and each account's steps are written as whole lines
    once they are done."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.console = Console(file=stream or sys.stderr) if enabled else None

    @contextmanager
    def account(self, number: int, total: int, sizes: tuple[int, int]) -> Iterator[Steps]:
        """The steps of one account: its caregivers, then its patients."""
        if self.console is None:
            yield Steps(None, {})
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with RichProgress(*columns, console=self.console) as bar:
            tasks = {
                kind: bar.add_task(f"account {number}/{total}: {kind}", total=size)
                for kind, size in zip(("caregivers", "patients"), sizes, strict=True)
            }
            yield Steps(bar, tasks)


@dataclass
class Steps:
    """Where one account's seeding stands."""

    bar: RichProgress | None
    tasks: dict[str, TaskID]

    def advance(self, kind: str) -> None:
        if self.bar is not None:
            self.bar.advance(self.tasks[kind])


@dataclass(frozen=True)
class Seeding:
    """Where a demo seed's credentials go, and the settings the sign-in services need
    (without them, no sign-ins are made)."""

    credentials: DemoCredentials
    settings: Settings | None = None


async def _seed_account(
    database: Database, number: int, sizes: tuple[int, int], steps: Steps, seeding: Seeding
) -> None:
    caregivers, patients = sizes
    place, rng = place_of(number), random.Random(SEED * 10 + number)
    account = await create_account(database, place.agency, **account_fields(number))
    actor = Actor(account_id=account["_id"])
    for role in (role for n, role in DEMO_CLIENTS if n == number):
        name = f"{place.agency} ({role})"
        key, secret = await create_api_client(database, actor.account_id, name, role)
        seeding.credentials.add_client(number, place.agency, role, key, secret)
    seeding.credentials.save()
    users = user_store(database)
    staff = range(3 + caregivers // 10)
    office = [await users.create(actor, office_data(rng, place, i)) for i in staff]
    managers = [u["_id"] for u in office if u["role"] != "billing"]

    carers, cared_for = [], []
    for _ in range(caregivers):
        carers.append(await users.create(actor, caregiver_data(rng, place, managers)))
        steps.advance("caregivers")
    for _ in range(patients):
        cared_for.append(
            await patient_store(database).create(actor, patient_data(rng, place, managers))
        )
        steps.advance("patients")
    demo = DemoAccount(database, actor, rng, account, office, carers, cared_for, demo_week())
    for module in modules("demo"):
        await module.seed(demo)
    if number == SIGN_IN_ACCOUNT and seeding.settings is not None:
        apart = random.Random(SEED * 100 + number)  # the rest of the demo stays as it was
        worker = lambda role: {**office_data(apart, place, 1), "role": role}  # noqa: E731
        await make_sign_ins(demo, seeding.settings, seeding.credentials, number, worker)


def demo_week() -> dt.date:
    """The Monday of the current week: demo visits fall last week (done, billed and paid) and
    this week (under way), whenever it runs."""
    today = dt.datetime.now(dt.UTC).date()
    return today - dt.timedelta(days=today.weekday())


async def seed_demo(
    database: Database,
    accounts: int = 2,
    caregivers: int = 40,
    patients: int = 120,
    progress: bool = True,
    settings: Settings | None = None,
) -> DemoCredentials:
    """Demo agencies with staff, caregivers and patients; accounts already there are skipped.

    Their credentials are drawn at random; with `settings`, they are written to the data
    folder (demo-credentials.json) and the first agency's people get sign-ins. Returns them."""
    path = credentials_path(settings) if settings is not None else None
    credentials = DemoCredentials.load(path)
    seeding = Seeding(credentials, settings)
    for number in range(1, accounts + 1):
        if await System(database).account_by_ext_id(f"demo-{number}"):
            print(f"account {number}/{accounts}: demo-{number} already there", file=sys.stderr)
            continue
        sizes = (caregivers, patients)
        with Progress(progress).account(number, accounts, sizes) as steps:
            await _seed_account(database, number, sizes, steps, seeding)
    return credentials


async def seed_command(settings: Settings, accounts: int, caregivers: int, patients: int) -> int:
    """`python -m app seed`: load the demo data and print the demo credentials. Refused in
    production."""
    if settings.production:
        print(NOT_IN_PRODUCTION, file=sys.stderr)
        return 2
    async with open_database(settings) as database:
        credentials = await seed_demo(database, accounts, caregivers, patients, settings=settings)
    for client in credentials.clients():
        print(f"{client['name']}: api_key={client['api_key']} api_secret={client['api_secret']}")
    for line in credentials.sign_in_lines():
        print(line)
    if not credentials.accounts:
        print(NOT_RECORDED.strip())
    return 0
