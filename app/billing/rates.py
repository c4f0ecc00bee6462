"""The rate a visit bills at, one precedence for clock-out (which stores it on the punchcard)
and invoice generation (which bills the punchcard): the visit's own rate (a visit's billing
rate, a punchcard's billed rate), else the patient's rate for the service (their service's
bill rate, else their billing rate), else the account's rate for the service. A rate of 0 (a
visit given free) counts; with none at all there is no rate (never 0): generation refuses it.

Kept free of the visits and billing packages so both import it without a cycle.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.common.money import to_decimal
from app.common.services import RawDoc


def patient_rate(patient: RawDoc | None, code: str) -> Decimal | None:
    """The patient's bill rate for the service, else their billing rate, else None."""
    for service in (patient or {}).get("services") or []:
        if service.get("code") == code and service.get("bill_rate") is not None:
            return to_decimal(service["bill_rate"])
    billing = ((patient or {}).get("billing") or [{}])[0] or {}
    return to_decimal(billing.get("rate"))


def bill_rate(
    own: Any, patient: RawDoc | None, service: RawDoc | None, code: str
) -> Decimal | None:
    """The visit's own rate, else the patient's for the service, else the account service's
    (see the module); None when none is set."""
    for rate in (
        to_decimal(own),
        patient_rate(patient, code),
        to_decimal((service or {}).get("bill_rate")),
    ):
        if rate is not None:
            return rate
    return None
