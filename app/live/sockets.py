"""An open subscription socket keeps being allowed only while its credential is.

The credential is checked at `connection_init` (as for HTTP), then again whenever the account's
feed carries a credential signal (a sign-out, a deactivation, a password changed or reset, a
key revoked, the account's roles changed) and every `CAREGRAPH_LIVE_RECHECK` seconds (a token
that expired, a change made without a signal). Once it no longer names a caller, the socket is
closed with 4403.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from app.accounts.auth import Authenticator, Caller
from app.db import uncounted
from app.live.hub import Hub

log = logging.getLogger("app.live")

REVOKED = 4403
REVOKED_REASON = b"Forbidden: the credential was revoked or has expired"
GOING_AWAY = 1001

SOCKET: web.RequestKey[web.WebSocketResponse] = web.RequestKey("live_socket", web.WebSocketResponse)
GUARD: web.RequestKey[asyncio.Task[None]] = web.RequestKey("live_guard", asyncio.Task)


class SocketGuard:
    """Watches one socket's credential."""

    def __init__(
        self,
        hub: Hub,
        authenticator: Authenticator,
        caller: Caller,
        credential: str,
        socket: web.WebSocketResponse,
        every: float,
    ) -> None:
        self.hub = hub
        self.authenticator = authenticator
        self.caller = caller
        self.credential = credential
        self.socket = socket
        self.every = every
        self.signalled = asyncio.Event()

    def alert(self) -> None:
        self.signalled.set()

    async def run(self) -> None:
        uncounted.set(True)  # not the commands of the request that opened the socket
        async with self.hub.follow(self.caller.account_id) as feed:
            feed.guards.add(self.alert)
            try:
                while not self.socket.closed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.signalled.wait(), self.every)
                    if self.signalled.is_set():
                        self.signalled.clear()
                        self.authenticator.forget(self.caller.account_id)  # for requests too
                    if not self.socket.closed and not await self.still_allowed():
                        log.info("closing a socket of account %s: credential revoked or expired",
                                 self.caller.account_id)  # fmt: skip
                        await self.socket.close(code=REVOKED, message=REVOKED_REASON)
                        return
            finally:
                feed.guards.discard(self.alert)

    async def still_allowed(self) -> bool:
        caller = await self.authenticator.caller_now(self.credential)
        return caller is not None and caller.account_id == self.caller.account_id


def opened_socket(request: web.Request, socket: web.WebSocketResponse) -> None:
    """A socket was opened on this request: known until it ends (`end_socket`)."""
    request[SOCKET] = socket
    request.app[OPEN_SOCKETS].add(socket)


def guard_socket(request: web.Request, guard: SocketGuard) -> None:
    """Watch the request's socket until it ends."""
    request[GUARD] = asyncio.create_task(guard.run(), name="live-socket-guard")


async def end_socket(request: web.Request) -> None:
    """The socket is done: stop watching it."""
    task = request.get(GUARD)
    socket = request.get(SOCKET)
    if socket is not None:
        request.app[OPEN_SOCKETS].discard(socket)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def close_sockets(app: web.Application) -> None:
    """At shutdown: tell every subscriber to reconnect elsewhere (1001, going away)."""
    sockets: set[web.WebSocketResponse] = app[OPEN_SOCKETS]
    for socket in sockets.copy():
        with contextlib.suppress(Exception):
            await socket.close(code=GOING_AWAY, message=b"Server shutting down")


OPEN_SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("live_open_sockets")
