"""Passwords as NIST SP 800-63B asks: long enough, not common or easily guessed, no
composition rules; stored as argon2id hashes and checked beside the event loop.

The strength check is zxcvbn's own dictionaries and patterns (common passwords, names, words,
keyboard walks, dates, repeats), offline: no password ever leaves the process.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import unicodedata
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from app.errors import ErrorCode, ServiceError

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3
"""zxcvbn's scale, 0 to 4: 3 is "safely unguessable" (about 10^8 guesses or more)."""
CHECKED_LENGTH = 72
"""zxcvbn refuses longer input; a password this long is judged by its first 72 characters."""

# OWASP's argon2id floor (19 MiB, 2 passes, 1 lane): ~40 ms here, memory-hard against GPUs.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def normalised(password: str) -> str:
    """NFKC, as 800-63B advises, so the same password typed on another keyboard matches."""
    return unicodedata.normalize("NFKC", password)


def check_new_password(password: str, field: str, context: Iterable[str | None] = ()) -> None:
    """Refuse a password that is too short, too long, common or easy to guess (also from the
    person's own name and email, given as `context`); the message says what to do instead."""
    password = normalised(password)
    if len(password) < MIN_LENGTH:
        raise ServiceError.one(
            f"Choose a password of at least {MIN_LENGTH} characters; a few unrelated words "
            "make a long one that is easy to remember.",
            ErrorCode.INVALID,
            field,
        )
    if len(password) > MAX_LENGTH:
        raise ServiceError.one(
            f"Choose a password of at most {MAX_LENGTH} characters.", ErrorCode.INVALID, field
        )
    words = [word for word in context if word]
    verdict = zxcvbn(password[:CHECKED_LENGTH], user_inputs=words)
    if verdict["score"] < MIN_SCORE:
        warning = verdict["feedback"].get("warning") or "It would be easy to guess."
        raise ServiceError.one(
            f"This password is too common or too easy to guess ({warning.rstrip('.')}); "
            "choose another, such as a few unrelated words.",
            ErrorCode.INVALID,
            field,
        )


def hash_password(password: str) -> str:
    return HASHER.hash(normalised(password))


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, checked when there is no stored one: an unknown email then
    costs the same argon2 work as a wrong password."""
    return HASHER.hash(secrets.token_urlsafe(32))


def password_matches(password: str, stored: str | None) -> bool:
    try:
        matched = HASHER.verify(stored or dummy_hash(), normalised(password))
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored is not None


async def password_matches_async(password: str, stored: str | None) -> bool:
    """Always one argon2 verification (against a dummy when nothing is stored), off the loop."""
    return await asyncio.to_thread(password_matches, password, stored)


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with older parameters (then it is replaced at sign-in)."""
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
