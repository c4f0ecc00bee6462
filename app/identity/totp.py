"""Two-factor sign-in with an authenticator app: TOTP as RFC 6238 defines it (HMAC-SHA1, six
digits, 30-second steps), accepting the step before and after for clocks that drift, and each
step's code only once."""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp

DRIFT_STEPS = 1
ISSUER = "Caregraph"


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, email: str, agency: str | None) -> str:
    """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
    issuer = f"{ISSUER} ({agency})" if agency else ISSUER
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def matching_step(secret: str, code: str | None, at: dt.datetime) -> int | None:
    """The time step whose code this is (within the drift allowed), or None."""
    given = "".join((code or "").split())
    if not given.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(at)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(at, counter_offset=offset), given):
            return step + offset
    return None


def accepted_step(secret: str, code: str | None, at: dt.datetime, last: int | None) -> int | None:
    """The step of a valid code not used before (a code replayed within its window is not)."""
    step = matching_step(secret, code, at)
    if step is None or (last is not None and step <= last):
        return None
    return step
