"""Where a webhook may deliver: https in production, and only public addresses unless the
account allows its own network.

A webhook URL is a request the server makes for a caller, so it must not reach what only the
server can reach (its loopback, the cloud's metadata address, the private network). The host
is resolved when the webhook is saved, and again at every delivery by a resolver that refuses
those addresses: a name that resolved to a public address yesterday and to 10.0.0.5 today is
refused at the connection (DNS rebinding), not only when it was saved. Loopback is allowed in
development and tests (a receiver on the same machine); private and loopback addresses are
allowed when the account says so (`webhookSettings.allowPrivateAddresses`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from app.errors import ErrorCode, ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Reach:
    """What a delivery may reach: loopback (development, or the account allows it), and
    private networks (the account allows it)."""

    loopback: bool
    private: bool
    https_only: bool

    @classmethod
    def of(cls, environment: str, account_allows: bool) -> Reach:
        production = environment == "production"
        return cls(loopback=account_allows or not production, private=account_allows,
                   https_only=production)  # fmt: skip

    def allows(self, address: str) -> bool:
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address):
            ip = embedded_ipv4(ip) or ip
        if ip.is_loopback:
            return self.loopback
        if ip.is_global:
            return True
        unusable = ip.is_multicast or ip.is_unspecified or ip.is_reserved
        return self.private and not unusable


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
NUMERIC_HOST = re.compile(r"[0-9.]+|0x[0-9a-f.x]+", re.IGNORECASE)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo's client, NAT64, the old
    compatible form): 64:ff9b::a00:1 is 10.0.0.1 on a network with NAT64, and is judged so."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in NAT64) or (
        ip in IPV4_COMPATIBLE and int(ip) > 1  # not :: nor ::1
    ):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refused(message: str) -> ServiceError:
    return ServiceError.one(message, ErrorCode.INVALID, "input.url")


async def check_url(url: str, reach: Reach) -> str:
    """The URL, checked: a scheme the environment allows, a host, no credentials in it, and an
    address the account may reach. A user error says what is wrong."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise refused("Not a URL.") from None
    allowed = ("https",) if reach.https_only else ("https", "http")
    if parts.scheme not in allowed:
        raise refused("Webhooks are delivered over " + " or ".join(allowed) + " only.")
    if not parts.hostname:
        raise refused("The URL names no host.")
    if parts.username or parts.password:
        raise refused("Put no credentials in the URL: verify the signature instead.")
    if NUMERIC_HOST.fullmatch(parts.hostname) and not is_ip(parts.hostname):
        # 127.1, 0177.0.0.1 and 2130706433 resolve, but no delivery could use them
        raise refused("Write an IPv4 address as four decimal numbers, such as 203.0.113.7.")
    addresses = await resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise refused(f"{parts.hostname} does not resolve to an address.")
    barred = [a for a in addresses if not reach.allows(a)]
    if barred:
        raise refused(
            f"{parts.hostname} resolves to {barred[0]}, a loopback or private address: "
            "webhooks go to public addresses unless the account allows its own network "
            "(webhookSettings.allowPrivateAddresses)."
        )
    return url.strip()


async def resolve(host: str, port: int) -> list[str]:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})


class GuardedResolver(AbstractResolver):
    """Resolves as usual, then keeps only the addresses the reach allows: a connection can
    only be made to an address that was checked."""

    def __init__(self, reach: Reach) -> None:
        self.reach = reach
        self.inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        kept = [result for result in found if self.reach.allows(str(result["host"]))]
        if not kept:
            raise OSError(f"{host} resolves only to addresses webhooks may not reach")
        return kept

    async def close(self) -> None:
        await self.inner.close()


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def literal_barred(url: str, reach: Reach) -> bool:
    """Whether the URL names an IP address the reach does not allow: a connection to an
    address written out asks no resolver, so it is checked here."""
    host = urlsplit(url).hostname or ""
    return is_ip(host) and not reach.allows(host)
