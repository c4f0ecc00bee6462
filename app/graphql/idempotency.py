"""Idempotent mutations: a retried mutation with the same `Idempotency-Key` runs only once.

A POST /graphql whose selected operation is a mutation, sent by an authenticated caller with an
`Idempotency-Key` header, first claims `<account>:<principal>:<key>` in the `idempotency_keys`
collection (a pending record; `_id` is unique, so only one request wins the claim). The
principal is the sender (`Caller.principal`: the API client, or the user and session), so a
key is the sender's own: another sender with the same key and body runs its own request and
never gets the first one's answer. The winner runs and its response (status, exact body bytes,
content type) is stored with the record. A later request with the same key from the same
sender:

- the same request (sha256 of the canonical JSON of query, variables and operationName), already
  answered: the stored response is sent again, with `Idempotent-Replayed: true`;
- the same request, still running: 409 IDEMPOTENCY_IN_PROGRESS;
- another request: 422 IDEMPOTENCY_KEY_REUSED.

Responses of status 500 and above are not stored, nor is anything when the handler raises: the
claim is released so that a retry runs again. Keys are forgotten `idempotency_ttl_seconds` after
their claim: a TTL index removes them, and until its monitor does, an older record counts as
gone. Requests without the header, without a caller, or that are not mutations pass untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import pymongo
from aiohttp import web
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from pymongo.errors import DuplicateKeyError, PyMongoError

from app.data.collections import ScopedCollection
from app.data.indexes import expire_after
from app.data.scope import Scope
from app.db import Database
from app.keys import CALLER, DATABASE, REQUEST_ID, SETTINGS
from app.web import Handler

log = logging.getLogger("app.idempotency")

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
COLLECTION = "idempotency_keys"
TTL_INDEX = "created_at_ttl"
MAX_KEY_LENGTH = 255
PENDING = "pending"
DONE = "done"
_CLAIM_ATTEMPTS = 3
_RELEASE_TIMEOUT_SECONDS = 5.0  # after a failure the database may be gone: do not hang on it

RawDoc = dict[str, Any]


async def ensure_ttl_index(database: Database, collection: str, ttl_seconds: int) -> None:
    """The TTL index on `created_at`, created or, when its expiry changed, modified in place."""
    await expire_after(database, collection, "created_at", TTL_INDEX, ttl_seconds)


async def create_idempotency_index(app: web.Application) -> None:
    """On startup, after the database is open: the TTL index with the configured expiry."""
    await ensure_ttl_index(app[DATABASE], COLLECTION, app[SETTINGS].idempotency_ttl_seconds)


@web.middleware
async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Runs a keyed mutation once per sender and key; replays its response to its retries."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    caller = request.get(CALLER)
    if (
        key is None
        or caller is None
        or request.method != "POST"
        or request.path != "/graphql"
        or "application/json" not in request.content_type
    ):
        return await handler(request)
    request_hash = _mutation_hash(await request.read(), request.app[SETTINGS].max_tokens)
    if request_hash is None:
        return await handler(request)
    if not valid_key(key):
        return error_response(
            400,
            f"The {IDEMPOTENCY_HEADER} header must be 1 to {MAX_KEY_LENGTH} printable "
            "ASCII characters.",
            "IDEMPOTENCY_KEY_INVALID",
        )

    # the caller is known here (authenticate runs first): its keys are read through its scope
    actor = caller.acting(request.get(REQUEST_ID), request.remote)
    collection = Scope(request.app[DATABASE], actor)[COLLECTION]
    record_id = record_key(caller.account_id, caller.principal, key)
    ttl = dt.timedelta(seconds=request.app[SETTINGS].idempotency_ttl_seconds)
    existing = await _claim(collection, record_id, request_hash, ttl)
    if existing is not None:
        return _answer_existing(existing, request_hash)

    try:
        response = await handler(request)
    except BaseException:
        await _release(collection, record_id)
        raise
    body = response.body if isinstance(response, web.Response) else None
    # An unexpected error is not an answer worth replaying: the write was rolled back with its
    # transaction, so the retry may run afresh.
    failed = isinstance(body, bytes) and b'"INTERNAL_ERROR"' in body
    if response.status >= 500 or failed or not isinstance(body, bytes) or response.prepared:
        await _release(collection, record_id)
        return response
    try:
        await collection.update_one(
            {"_id": record_id, "state": PENDING},
            {
                "$set": {
                    "state": DONE,
                    "status": response.status,
                    "body": body,
                    "content_type": response.headers.get("Content-Type") or response.content_type,
                }
            },
        )
    except PyMongoError as error:
        # The mutation ran: answer it. The claim stays pending, so a retry is refused (409)
        # rather than run twice, until the key expires.
        log.warning("idempotency: could not store the response of %s: %s", record_id, error)
    return response


def record_key(account_id: int, principal: str, key: str) -> str:
    """The `_id` of a key's record: one sender's key in one account."""
    return f"{account_id}:{principal}:{key}"


def valid_key(key: str) -> bool:
    """1 to 255 printable ASCII characters (space to tilde)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= c <= "~" for c in key)


def request_fingerprint(query: str, variables: Any, operation_name: Any) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of what decides the result."""
    canonical = json.dumps(
        {"operationName": operation_name, "query": query, "variables": variables or {}},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def error_response(status: int, message: str, code: str, **headers: str) -> web.Response:
    return web.json_response(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
        headers=headers or None,
    )


def _mutation_hash(body: bytes, max_tokens: int) -> str | None:
    """The request's fingerprint when its selected operation is a mutation; None otherwise
    (including bodies that do not parse: the view answers those as usual)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
    if not isinstance(query, str) or not isinstance(name, (str, type(None))):
        return None
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1 or operations[0].operation != OperationType.MUTATION:
        return None
    return request_fingerprint(query, variables, name)


async def _claim(
    collection: ScopedCollection,
    record_id: str,
    request_hash: str,
    ttl: dt.timedelta,
) -> Mapping[str, Any] | None:
    """None when this request now holds the key; else the record of the one that does."""
    for _ in range(_CLAIM_ATTEMPTS):
        now = dt.datetime.now(dt.UTC)
        try:
            await collection.insert_one(
                {
                    "_id": record_id,
                    "request_hash": request_hash,
                    "state": PENDING,
                    "created_at": now,
                }
            )
            return None
        except DuplicateKeyError:
            existing = await collection.find_one({"_id": record_id})
        if existing is None:
            continue  # released or expired since the insert: claim again
        if existing["created_at"] <= now - ttl:
            # expired, not yet removed by the TTL monitor: it is gone for us
            await collection.delete_one({"_id": record_id, "created_at": existing["created_at"]})
            continue
        return existing
    # other requests keep taking the key between our attempts: one of them is running it
    return {"state": PENDING, "request_hash": request_hash}


def _answer_existing(existing: Mapping[str, Any], request_hash: str) -> web.Response:
    if existing.get("request_hash") != request_hash:
        return error_response(
            422,
            f"This {IDEMPOTENCY_HEADER} was already used with a different request; "
            "use a new key for a new request.",
            "IDEMPOTENCY_KEY_REUSED",
        )
    if existing.get("state") != DONE:
        return error_response(
            409,
            f"A request with this {IDEMPOTENCY_HEADER} is still being processed; retry it later.",
            "IDEMPOTENCY_IN_PROGRESS",
            **{"Retry-After": "1"},
        )
    return web.Response(
        status=existing["status"],
        body=bytes(existing["body"]),
        headers={"Content-Type": existing["content_type"], REPLAYED_HEADER: "true"},
    )


async def _release(collection: ScopedCollection, record_id: str) -> None:
    """Forget a pending claim so that a retry runs the request again."""
    try:
        with pymongo.timeout(_RELEASE_TIMEOUT_SECONDS):
            await collection.delete_one({"_id": record_id, "state": PENDING})
    except PyMongoError as error:
        log.warning("idempotency: could not release %s: %s", record_id, error)
