"""A graphql-transport-ws client for tests, and a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import Agency

PROTOCOL = "graphql-transport-ws"
CHANGES = """subscription($records: [RecordKind!], $ids: [ID!], $after: String) {
  changes(records: $records, ids: $ids, after: $after) {
    id event action recordKind changedFields at record { id ... on Punchcard { revision } } } }"""
CREATE_WEBHOOK = """mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) {
  webhook { id url events active } secret userErrors { field message code } } }"""
DELIVERIES = """query($webhook: ID!) { webhookDeliveries(webhook: $webhook, first: 100) {
  totalCount nodes { id changeId event status attempts responseCode nextAttemptAt lastError
  recordId } } }"""


class Closed(Exception):
    """The server closed the socket."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class Subscriber:
    """One socket, signed in, with one subscription running (id "1")."""

    socket: aiohttp.ClientWebSocketResponse

    async def message(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            got = await self.socket.receive(timeout=timeout)
            if got.type == aiohttp.WSMsgType.TEXT:
                message: dict[str, Any] = json.loads(got.data)
                if message.get("type") in ("ping", "pong"):
                    continue
                return message
            if got.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.CLOSING):  # fmt: skip
                raise Closed(self.socket.close_code, str(got.extra or ""))
            raise AssertionError(f"unexpected frame {got.type}")

    async def change(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next change sent (an error or a completion fails the test)."""
        message = await self.message(timeout)
        assert message.get("type") == "next", message
        assert not message["payload"].get("errors"), message
        return message["payload"]["data"]["changes"]  # type: ignore[no-any-return]

    async def changes(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        got = []
        while len(got) < count:
            left = deadline - asyncio.get_running_loop().time()
            got.append(await self.change(max(left, 0.01)))
        return got

    async def nothing_for(self, seconds: float) -> None:
        """Nothing arrives for that long."""
        with contextlib.suppress(TimeoutError):
            message = await self.message(seconds)
            raise AssertionError(f"unexpected message {message}")

    async def closed(self, timeout: float = 5.0) -> Closed:
        try:
            while True:
                await self.message(timeout)
        except Closed as closed:
            return closed


async def open_socket(
    client: TestClient, authorization: str | None
) -> aiohttp.ClientWebSocketResponse:
    socket = await client.ws_connect("/graphql", protocols=(PROTOCOL,))
    payload = {} if authorization is None else {"Authorization": authorization}
    await socket.send_json({"type": "connection_init", "payload": payload})
    return socket


@contextlib.asynccontextmanager
async def subscribed(
    client: TestClient, key: str, variables: dict[str, Any] | None = None, query: str = CHANGES
) -> AsyncIterator[Subscriber]:
    """A socket signed in with `key` and subscribed to `changes`; closed when the block ends.
    Waits until the subscription follows the feed, so what the block then does is seen."""
    socket = await open_socket(client, f"Bearer {key}")
    subscriber = Subscriber(socket)
    try:
        ack = await subscriber.message()
        assert ack["type"] == "connection_ack", ack
        message = {"query": query, "variables": variables or {}}
        await socket.send_json({"id": "1", "type": "subscribe", "payload": message})
        await asyncio.sleep(0.3)  # the subscription reads the feed's head before anything else
        yield subscriber
    finally:
        await socket.close()


async def published(agency: Agency, timeout: float = 10.0) -> None:
    """Wait until every change the agency made so far is in its feed (the outbox is empty)."""
    deadline = asyncio.get_running_loop().time() + timeout
    query = {"_account": agency.account_id, "outbox": True}
    while await agency.api.database.db.audit_events.count_documents(query):
        assert asyncio.get_running_loop().time() < deadline, "the outbox was not published"
        await asyncio.sleep(0.05)


def signed(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What the README tells a receiver in Python to do with `Caregraph-Signature`."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: it verifies each signature and keeps what it got."""

    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_first: int = 0
    """How many times to answer 500 to each delivery before accepting it."""
    down: bool = False
    """Answer 503 to everything (and keep nothing but when: `refused_at`)."""
    refused_at: list[float] = field(default_factory=list)
    delay: float = 0.0
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            self.refused_at.append(time.monotonic())
            return web.Response(status=503)
        if self.delay:
            await asyncio.sleep(self.delay)
        delivery = request.headers.get("Caregraph-Delivery", "")
        got: dict[str, Any] = {
            "delivery": delivery,
            "event": request.headers.get("Caregraph-Event"),
            "signed": signed(self.secret, request.headers.get("Caregraph-Signature", ""), body),
            "body": json.loads(body),
        }
        earlier = sum(1 for g in self.received if g["delivery"] == delivery)
        got["answered"] = 500 if earlier < self.fail_first else 204
        self.received.append(got)
        if got["answered"] == 204:
            self.arrived.set()
        return web.Response(status=got["answered"])

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [got for got in self.received if got["answered"] == 204]

    @property
    def distinct(self) -> list[dict[str, Any]]:
        """The deliveries accepted, each once (the first time), in the order they arrived."""
        seen: dict[str, dict[str, Any]] = {}
        for got in self.accepted:
            seen.setdefault(got["delivery"], got)
        return list(seen.values())

    async def until(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until `count` distinct deliveries were accepted; answers them."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.distinct) < count:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"{len(self.distinct)} of {count} deliveries arrived"
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), min(left, 0.5))
        return self.distinct


@contextlib.asynccontextmanager
async def receiving(port: int = 0) -> AsyncIterator[Receiver]:
    """A receiver listening on 127.0.0.1 for as long as the block runs."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{bound}/hook"
    try:
        yield receiver
    finally:
        await runner.cleanup()
