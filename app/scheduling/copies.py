"""What a visit or a series copies of other records when it is written: the patient's name and
primary address, the service's description and rates, each attendee's name and pay rate. A
reference that names nothing is a problem added to the caller's list."""

from __future__ import annotations

from typing import Any

from app.common.documents import primary
from app.common.services import RawDoc, snapshot_id
from app.errors import ErrorCode, Problem


def copied_patient(
    given: dict[str, Any], patients: dict[Any, RawDoc], where: str, problems: list[Problem]
) -> dict[str, Any]:
    """The patient as the visit shows them: name and primary address."""
    record = snapshot_id(given)
    patient = patients.get(record)
    if patient is None:
        problems.append(
            Problem("No Patient with this id.", ErrorCode.NOT_FOUND, f"{where}.patient.record")
        )
        return given
    return {
        "record": record,
        "name": patient.get("name"),
        "location": primary(patient.get("locations")),
    }


def copied_service(
    given: dict[str, Any], services: dict[str, RawDoc], where: str, problems: list[Problem]
) -> dict[str, Any]:
    """The service with the account's description and rates where the visit gives none."""
    offered = services.get(given.get("code"))  # type: ignore[arg-type]
    if offered is None:
        problems.append(
            Problem(
                "The account has no service with this code.",
                ErrorCode.NOT_FOUND,
                f"{where}.service.code",
            )
        )
        return given
    if offered.get("active") is False:
        problems.append(
            Problem(
                "This service is no longer offered.", ErrorCode.INVALID, f"{where}.service.code"
            )
        )
    copied = {k: offered.get(k) for k in ("description", "bill_rate", "pay_rate")}
    return {**given, **{k: v for k, v in copied.items() if given.get(k) is None}}


def copied_attendee(
    given: Any,
    users: dict[Any, RawDoc],
    service: dict[str, Any] | None,
    where: str,
    problems: list[Problem],
) -> Any:
    """The attendee with their name, and their own pay rate for the service (else the
    service's) when the visit gives none."""
    if not isinstance(given, dict):
        return given
    user = users.get(given.get("user"))
    if user is None:
        problems.append(Problem("No User with this id.", ErrorCode.NOT_FOUND, f"{where}.user"))
        return given
    attendee = {**given, "name": user.get("name")}
    if attendee.get("pay_rate") is None and service:
        own = next(
            (
                s.get("pay_rate")
                for s in user.get("services") or []
                if s.get("code") == service.get("code")
            ),
            None,
        )
        attendee["pay_rate"] = own if own is not None else service.get("pay_rate")
    return attendee
