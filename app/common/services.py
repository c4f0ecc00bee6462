"""The rules every record shares: validated create, revision-checked update, soft delete.

Free of GraphQL: mutations, REST routes and scripts all call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from pydantic import BaseModel, ValidationError

from app.errors import ErrorCode, Problem, ServiceError, not_found

D = TypeVar("D", bound=BaseModel)
RawDoc = dict[str, Any]
SearchKeys = Callable[[Any], dict[str, Any]]

_encoder = Encoder(to_db=True, keep_nulls=False)


@dataclass(frozen=True)
class Actor:
    """Who writes: the account, and the user or API client acting for it."""

    account_id: int
    user_id: ObjectId | None = None
    api_client_name: str | None = None


def now() -> dt.datetime:
    # MongoDB keeps milliseconds; truncating here makes what we return equal what we store.
    stamp = dt.datetime.now(dt.UTC)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def camel(name: str) -> str:
    head, *rest = name.lstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def problems_from(error: ValidationError, prefix: str = "input") -> list[Problem]:
    """Pydantic's complaints as user errors, with GraphQL input paths."""
    problems = []
    for detail in error.errors():
        path = [camel(str(p)) if isinstance(p, str) else str(p) for p in detail["loc"]]
        # null sent for a required field (a patch input allows it) is missing, not malformed
        missing = detail["type"] == "missing" or detail.get("input", ...) is None
        code = ErrorCode.REQUIRED if missing else ErrorCode.INVALID
        message = "Field required" if missing else detail["msg"].removeprefix("Value error, ")
        problems.append(Problem(message[:1].upper() + message[1:], code, ".".join([prefix, *path])))
    return problems


def validated(model: type[D], data: dict[str, Any]) -> D:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ServiceError(*problems_from(error)) from None


def encode(document: BaseModel) -> RawDoc:
    """A model as MongoDB stores it: catalogue names, Decimal128 money, dates as datetimes."""
    encoded: RawDoc = _encoder.encode(document)
    encoded.pop("revision_id", None)
    return encoded


async def check_references(
    collection_of: Callable[[str], Any],
    account_id: int,
    model: type[BaseModel],
    data: dict[str, Any],
) -> None:
    """Every id the data refers to names a record of the same account."""
    problems = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        value = data.get(name)
        if not extra.get("collection") or value is None:
            continue
        wanted = value if isinstance(value, list) else [value]
        found = await collection_of(str(extra["collection"])).count_documents(
            {"_id": {"$in": wanted}, "_account": account_id}
        )
        if found != len(set(wanted)):
            problems.append(
                Problem(
                    f"No {extra['ref']} with this id.", ErrorCode.NOT_FOUND, f"input.{camel(name)}"
                )
            )
    if problems:
        raise ServiceError(*problems)


@dataclass
class RecordStore:
    """Writes records of one document model into its collection, scoped to an account."""

    database: Any
    model: type[BaseModel]
    what: str
    search_keys: SearchKeys | None = None

    @property
    def collection(self) -> Any:
        return self.database.db[self.model.Settings.name]  # type: ignore[attr-defined]

    async def create(self, actor: Actor, data: dict[str, Any]) -> RawDoc:
        stamp = now()
        document = validated(
            self.model,
            {
                **data,
                "account": actor.account_id,
                "revision": 1,
                "created_date": stamp,
                "last_updated_date": stamp,
            },
        )
        await check_references(self._collection_of, actor.account_id, self.model, data)
        self._index_search(document)
        raw = encode(document)
        raw.setdefault("_id", ObjectId())
        await self.collection.insert_one(raw)
        return raw

    async def get(self, actor: Actor, key: Any) -> RawDoc:
        raw = await self.collection.find_one({"_id": key, "_account": actor.account_id})
        if raw is None:
            raise not_found(self.what)
        return raw

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        if current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is deleted; restore it first.", ErrorCode.INVALID_STATE, "id"
            )
        merged = {**self.model.model_validate(current).model_dump(), **changes}
        document = validated(self.model, {**merged, "last_updated_date": now()})
        await check_references(self._collection_of, actor.account_id, self.model, changes)
        self._index_search(document)
        encoded = encode(document)
        aliases = {self._alias(name) for name in [*changes, "last_updated_date", "search"]}
        updates = {k: v for k, v in encoded.items() if k in aliases}
        unset = {k: "" for k in aliases if k not in encoded and k in current}
        return await self._write(current, {"$set": updates, **({"$unset": unset} if unset else {})})

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        current = await self.get(actor, key)
        if revision is not None:
            self._check_revision(current, revision)
        if current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is already deleted.", ErrorCode.INVALID_STATE, "id"
            )
        if not reason.strip():
            raise ServiceError.one("Say why it is deleted.", ErrorCode.REQUIRED, "reason")
        entry = {
            "date": now(),
            "reason": reason.strip(),
            "user": actor.user_id,
            "api_client": actor.api_client_name,
        }
        return await self._write(
            current,
            {
                "$set": {"_deleted": True, "_last_updated_date": now()},
                "$push": {"_deleted_dates": entry},
            },
        )

    async def restore(self, actor: Actor, key: Any) -> RawDoc:
        current = await self.get(actor, key)
        if not current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is not deleted.", ErrorCode.INVALID_STATE, "id"
            )
        last = len(current.get("_deleted_dates") or []) - 1
        restored: dict[str, Any] = {"_deleted": False, "_last_updated_date": now()}
        if last >= 0:
            restored[f"_deleted_dates.{last}.restored_date"] = now()
        return await self._write(current, {"$set": restored})

    async def _write(self, current: RawDoc, update: dict[str, Any]) -> RawDoc:
        """Apply an update only if nobody changed the record since we read it."""
        update.setdefault("$inc", {})["_revision"] = 1
        after = await self.collection.find_one_and_update(
            {
                "_id": current["_id"],
                "_account": current["_account"],
                "_revision": current.get("_revision", 1),
            },
            update,
            return_document=True,
        )
        if after is None:
            raise ServiceError.one(
                f"This {self.what} changed while you were saving; reload it.",
                ErrorCode.CONFLICT,
                "revision",
            )
        return after

    def _check_revision(self, current: RawDoc, revision: int) -> None:
        stored = current.get("_revision", 1)
        if stored != revision:
            raise ServiceError.one(
                f"This {self.what} is at revision {stored}, not {revision}: someone changed it "
                "since you read it. Reload it and apply your change again.",
                ErrorCode.CONFLICT,
                "revision",
            )

    def _index_search(self, document: BaseModel) -> None:
        if self.search_keys is not None:
            document.search = self.search_keys(document)  # type: ignore[attr-defined]

    def _alias(self, name: str) -> str:
        info = self.model.model_fields.get(name)
        return (info.alias or name) if info else name

    def _collection_of(self, name: str) -> Any:
        return self.database.db[name]
