"""Seed 001's own examples: the provider its care-ticket API document calls, with the records
its example answers show, so every request of that document runs as written and answers with
the documented data (`python -m app seed --examples`). Safe to run twice: what is there stays.

Three choices the document forced (its examples do not agree with each other):
- Ticket 202 is about resident 75474618, who is not among the provider's two residents that
  `all_residents` lists. He is a third patient, soft-deleted (no longer a resident), so the
  list shows the documented two and the ticket its documented resident.
- `provider_categories` lists its four categories all with id 3, and ticket 202 has statuses
  for categories 6 and 7. Ids are unique here: Clinical Edit 3, Emergency 4, Activity Level 6
  (ticket 202: no issue, "check now") and Weight Gain 7 (issue, "yes add").
- The residents have no last name (`last_name: null`); our patients need one. They are stored
  with last name "(not given)", and the REST API answers the old values (null) until the
  record's name changes.

Each example record has a fixed id (derived from its documented number), so a load stopped
half-way is finished by the next one: a record made but not yet numbered is found and
numbered. Ticket 202 is numbered, with its comments, in the transaction that creates it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from typing import Any

from bson import ObjectId

from app.accounts.auth import lookup_hash
from app.accounts.services import create_account, create_api_client
from app.common.codes import PatientStatus, RoleType
from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.system import System
from app.db import Database, open_database
from app.graphql.records import to_utc
from app.patients.services import patient_store
from app.people.services import user_store
from app.settings import Settings
from app.tickets.documents import CategoryStatus, TicketStatus, TicketUrgency
from app.tickets.rest import resident_fields, zone_of
from app.tickets.rest_ids import fix_number, record_of
from app.tickets.services import category_store, ticket_store

ACCOUNT_NUMBER = 72136196
PROVIDER = "Example Provider"
API_KEY = "8eb68e28cda407158cf9a8064bdd5351"
API_SECRET = "b19fszzt9e2z4wpu87r09zy58"
TIMEZONE = "America/Los_Angeles"  # the examples' -0800 in February
PACIFIC = dt.timezone(dt.timedelta(hours=-8))
NO_LAST_NAME = "(not given)"
RESIDENTS_ADDED = dt.datetime(2016, 2, 7, 2, 57, 51, tzinfo=PACIFIC)
TICKET_CREATED = dt.datetime(2016, 2, 12, 3, 0, 25, tzinfo=PACIFIC)
TICKET_UPDATED = dt.datetime(2016, 2, 12, 3, 0, 34, tzinfo=PACIFIC)
TICKET_NUMBER = 202
EMPLOYEE_NUMBER = 81987870
TICKET_RESIDENT = 75474618
CATEGORIES = [("Clinical Edit", 3), ("Emergency", 4), ("Activity Level", 6), ("Weight Gain", 7)]
COMMENTS = [  # category number, its status, its title, the comment's number and text
    (6, CategoryStatus.NO_ISSUE, "check now", 378, "comment 1"),
    (7, CategoryStatus.ISSUE, "yes add", 379, "comment 2"),
]


def documented_resident(number: int, first_name: str, resident_type: int | None) -> RawDoc:
    """A resident exactly as seed 001's `all_residents` example shows it."""
    return {
        "fax_number": None,
        "caretracker_id": None,
        "resident_type_id": resident_type,
        "provider_id": ACCOUNT_NUMBER,
        "photo_content_type": "",
        "first_name": first_name,
        "next_status_update": None,
        "id": number,
        "state": "active",
        "photo_file_name": "",
        "creator_id": 0,
        "last_status_update": None,
        "home_zip": "534412",
        "in_home_care": False,
        "home_address2": "",
        "home_address1": "123 Mockingbird Lane",
        "email": None,
        "customer_number": None,
        "updated_at": "2016/02/07 02:57:51 -0800",
        "review_updates": None,
        "updater_id": 0,
        "location": "Assisted Living Apt. 204",
        "home_city": "New York",
        "photo_file_size": 0,
        "home_state": "NY",
        "dob": "1937/01/21",
        "last_name": None,
        "demo": False,
        "phone_number": None,
        "created_at": "2016/02/07 02:57:51 -0800",
        "account_number": None,
    }


RESIDENTS = [
    documented_resident(889283349, "Test Case (Provider Type)", None),
    documented_resident(501333996, "Test Doctor", 1058366525),
]


def patient_data(first_name: str) -> dict[str, Any]:
    return {
        "name": {"first": first_name, "last": NO_LAST_NAME},
        "status": PatientStatus.ACTIVE,
        "date_of_birth": dt.date(1937, 1, 21),
        "locations": [
            {
                "label": "Assisted Living Apt. 204",
                "address1": "123 Mockingbird Lane",
                "city": "New York",
                "region": "NY",
                "postal_code": "534412",
                "country": "US",
                "primary": True,
            }
        ],
    }


async def seed_examples(database: Database) -> dict[str, Any]:
    """Load seed 001's example provider and its records; what is already there is kept."""
    system = System(database)
    account = await system.account(ACCOUNT_NUMBER)
    if account is None:
        account = await create_account(
            database,
            PROVIDER,
            number=ACCOUNT_NUMBER,
            ext_id="seed-001-example-provider",
            settings={"timezone": TIMEZONE, "currency": "USD", "country": "US"},
        )
    if await system.credential("api_clients", {"key_hash": lookup_hash(API_KEY)}) is None:
        await create_api_client(
            database,
            ACCOUNT_NUMBER,
            f"{PROVIDER} (care-ticket API)",
            "administrator",
            key=API_KEY,
            secret=API_SECRET,
        )
    scope = system.scope_for(ACCOUNT_NUMBER, "seed 001 examples")
    for resident in RESIDENTS:
        await _resident(scope, account, resident)
    ticket_resident = await _ticket_resident(scope)
    employee = await _employee(scope)
    categories = {number: await _category(scope, name, number) for name, number in CATEGORIES}
    ticket = await _ticket(scope, ticket_resident, employee, categories)
    await _retire(scope, ticket_resident)
    return {"account": ACCOUNT_NUMBER, "ticket": ticket, "api_key": API_KEY}


def example_id(kind: str, number: int) -> ObjectId:
    """The fixed id of the documented record of that kind and number."""
    return ObjectId(hashlib.sha256(f"seed-001:{kind}:{number}".encode()).digest()[:12])


async def _existing(scope: Scope, kind: str, number: int) -> Any:
    return await record_of(scope, kind, number)


async def _made(scope: Scope, collection: str, kind: str, number: int, make: Any) -> RawDoc:
    """The example record of that kind and number: the one stored, or the one `make` makes
    with its fixed id."""
    key = example_id(kind, number)
    found: RawDoc | None = await scope[collection].find_one({"_id": key})
    return found if found is not None else await make(key)


async def _backdate(
    scope: Scope, collection: str, key: Any, created: dt.datetime, updated: dt.datetime
) -> RawDoc:
    """The examples' own creation and change times (they were made in 2016, in the old API);
    a record that has them already is left as it is."""
    stored: RawDoc | None = await scope[collection].find_one({"_id": key})
    assert stored is not None
    if to_utc(stored.get("_created_date")) == created:
        return stored
    await scope[collection].update_one(
        {"_id": key},
        {"$set": {"_created_date": created.astimezone(dt.UTC), "_last_updated_date": updated}},
    )
    stored = await scope[collection].find_one({"_id": key})
    assert stored is not None
    return stored


async def _resident(scope: Scope, account: RawDoc, documented: RawDoc) -> None:
    number = documented["id"]
    if await _existing(scope, "resident", number) is not None:
        return

    async def make(key: ObjectId) -> RawDoc:
        data = {**patient_data(documented["first_name"]), "id": key}
        return await patient_store(scope.database).create(scope.actor, data)

    made = await _made(scope, "patients", "resident", number, make)
    stored = await _backdate(scope, "patients", made["_id"], RESIDENTS_ADDED, RESIDENTS_ADDED)
    imported = resident_fields(stored, ACCOUNT_NUMBER, zone_of(account))
    legacy = {key: value for key, value in documented.items() if key != "id"}
    await fix_number(scope, "resident", made["_id"], number, legacy, imported)


async def _ticket_resident(scope: Scope) -> Any:
    key = await _existing(scope, "resident", TICKET_RESIDENT)
    if key is not None:
        return key

    async def make(key: ObjectId) -> RawDoc:
        data = {**patient_data("Ticket 202 Resident"), "id": key}
        return await patient_store(scope.database).create(scope.actor, data)

    made = await _made(scope, "patients", "resident", TICKET_RESIDENT, make)
    await _backdate(scope, "patients", made["_id"], RESIDENTS_ADDED, RESIDENTS_ADDED)
    await fix_number(scope, "resident", made["_id"], TICKET_RESIDENT)
    return made["_id"]


async def _retire(scope: Scope, key: Any) -> None:
    current = await scope["patients"].find_one({"_id": key})
    if current is not None and not current.get("_deleted"):
        await patient_store(scope.database).delete(
            scope.actor,
            key,
            "No longer a resident: seed 001 lists two residents, while its ticket 202 is "
            "about resident 75474618.",
            None,
        )


async def _employee(scope: Scope) -> Any:
    key = await _existing(scope, "employee", EMPLOYEE_NUMBER)
    if key is not None:
        return key

    async def make(key: ObjectId) -> RawDoc:
        return await user_store(scope.database).create(
            scope.actor,
            {
                "id": key,
                "name": {"first": "Sample", "last": "Employee"},
                "role": "scheduler",
                "role_type": RoleType.OFFICE,
            },
        )

    made = await _made(scope, "users", "employee", EMPLOYEE_NUMBER, make)
    await fix_number(scope, "employee", made["_id"], EMPLOYEE_NUMBER)
    return made["_id"]


async def _category(scope: Scope, name: str, number: int) -> Any:
    key = await _existing(scope, "category", number)
    if key is not None:
        return key

    async def make(key: ObjectId) -> RawDoc:
        return await category_store(scope.database).create(scope.actor, {"id": key, "name": name})

    made = await _made(scope, "ticket_categories", "category", number, make)
    await fix_number(scope, "category", made["_id"], number)
    return made["_id"]


async def _ticket(scope: Scope, resident: Any, employee: Any, categories: dict[int, Any]) -> Any:
    key = await _existing(scope, "ticket", TICKET_NUMBER)
    if key is None:
        key = example_id("ticket", TICKET_NUMBER)
        comments = {number: example_id("comment", number) for *_, number, _ in COMMENTS}
        fixed = {
            "ticket": {key: TICKET_NUMBER},
            "comment": {comment: number for number, comment in comments.items()},
        }
        await ticket_store(scope.database, fixed).create(
            scope.actor,
            {
                "id": key,
                "title": "Ticket  commment",
                "resident": resident,
                "employee": employee,
                "urgency_status": TicketUrgency.HIGH,
                "ticket_status": TicketStatus.NEW,
                "state": False,
                "categories": [
                    {
                        "category": categories[category],
                        "status": status,
                        "title": title,
                        "comments": [
                            {
                                "id": comments[number],
                                "commented_by": "Sample",
                                "user": employee,
                                "commented_on": TICKET_UPDATED,
                                "title": text,
                            }
                        ],
                    }
                    for category, status, title, number, text in COMMENTS
                ],
            },
        )
    await _backdate(scope, "tickets", key, TICKET_CREATED, TICKET_UPDATED)
    return key


async def seed_examples_command(settings: Settings) -> int:
    """`python -m app seed --examples`: load the examples and say how to call them. Refused in
    production: their key and secret are published in seed 001's document."""
    if settings.production:
        print(
            "The documented examples are not for production (CAREGRAPH_ENV=production): their "
            "api_key and api_secret are published. Nothing was written.",
            file=sys.stderr,
        )
        return 2
    async with open_database(settings) as database:
        await seed_examples(database)
    print(
        f"{PROVIDER} (account {ACCOUNT_NUMBER}): api_key={API_KEY} api_secret={API_SECRET}\n"
        "POST /api/authorize with these headers, then GET /api/<access_token>/tickets",
        file=sys.stderr,
    )
    return 0
