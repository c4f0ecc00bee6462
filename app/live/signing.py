"""Webhook signatures: `Caregraph-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The key is the webhook's signing secret (given once, by `webhookCreate`). The time is signed
with the body, so a receiver can refuse an old delivery replayed (we suggest five minutes), and
several `v1=` values may appear while a secret is being replaced: accept any that matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `Caregraph-Signature` value of a body sent now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret, at, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = TOLERANCE_SECONDS,
    at: float | None = None,
) -> bool:
    """Whether a `Caregraph-Signature` header signs this body with this secret, recently."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in parts if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if at is None else at) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(
        hmac.compare_digest(expected, value.strip()) for key, value in parts if key.strip() == "v1"
    )
