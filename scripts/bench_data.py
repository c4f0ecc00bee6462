"""The data set of `scripts/bench patients`: one account, its coordinators and patients.

Validated like `RecordStore.create` (the same documents, search keys and stamps), but written
with one `insert_many` per collection so that seeding takes a second, not a minute.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bson import ObjectId
from pydantic import BaseModel

from app.accounts.services import create_account, create_api_client
from app.common.services import encode
from app.db import Database
from app.patients.documents import Patient
from app.patients.services import patient_search
from app.people.documents import User
from app.people.services import user_search
from app.seed_data import account_fields, office_data, patient_data, place_of


async def insert_validated(
    database: Database, model: type[BaseModel], rows: list[dict[str, Any]], account: int
) -> list[ObjectId]:
    """Validate like RecordStore.create, then write all rows with one insert_many."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    search = user_search if model is User else patient_search
    docs = []
    for number, data in enumerate(rows):
        stamp = start + dt.timedelta(milliseconds=number)
        document: Any = model.model_validate(
            {**data, "account": account, "created_date": stamp, "last_updated_date": stamp}
        )
        document.search = search(document)
        docs.append({"_id": ObjectId(), **encode(document)})
    await database.db[model.Settings.name].insert_many(docs)  # type: ignore[attr-defined]
    return [doc["_id"] for doc in docs]


async def seed_patients(
    database: Database, patients: int, coordinators: int, rng: random.Random
) -> str:
    """An agency in Toronto with `coordinators` office staff and `patients` patients, each
    with a home and a coordinator; the administrator's API key."""
    account = await create_account(database, "Bench Home Care", **account_fields(1))
    key, _ = await create_api_client(database, account["_id"], "bench")
    place = place_of(1)
    staff = [{**office_data(rng, place, i), "role": "scheduler"} for i in range(coordinators)]
    ids = await insert_validated(database, User, staff, account["_id"])
    rows = [patient_data(rng, place, ids) for _ in range(patients)]
    await insert_validated(database, Patient, rows, account["_id"])
    return key
