"""The care-ticket REST API's shapes (seed 001), free of HTTP: what each endpoint answers, and
the parameters of create_ticket, read from and written through the same services as the graph.

Ids are the integers of `app.tickets.rest_ids`, all those a request shows numbered in one
batch; times are shown as `2016/02/12 03:00:34 -0800` in the
account's time zone, dates as `1937/01/21`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.common.codes import PatientStatus, PhoneType
from app.common.services import RawDoc
from app.data.audit import sensitive_read_events
from app.data.scope import Scope
from app.errors import ErrorCode, Problem, ServiceError
from app.graphql.records import to_utc
from app.tickets.documents import CategoryStatus, TicketStatus, TicketUrgency
from app.tickets.rest_ids import Numbers, entries_of, numbers_of, record_of, records_of
from app.tickets.services import ticket_store

TIME_FORMAT = "%Y/%m/%d %H:%M:%S %z"
DATE_FORMAT = "%Y/%m/%d"
CREATE_FIELDS = ("title", "resident_id", "sms", "email", "state", "urgency_status", "ticket_status")
TRUE = {"true", "1", "yes", "y", "on", "t"}
FALSE = {"false", "0", "no", "n", "off", "f"}
CATEGORY_STATUS_NAMES = {
    "issue": CategoryStatus.ISSUE,
    "no issue": CategoryStatus.NO_ISSUE,
    "potential issue": CategoryStatus.POTENTIAL_ISSUE,
}


def zone_of(account: Mapping[str, Any]) -> dt.tzinfo:
    name = (account.get("settings") or {}).get("timezone") or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def time_text(value: Any, zone: dt.tzinfo) -> str | None:
    stamp = to_utc(value)
    if not isinstance(stamp, dt.datetime):
        return None
    return stamp.astimezone(zone).strftime(TIME_FORMAT)


def date_text(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime(DATE_FORMAT) if isinstance(value, dt.date) else None


# Tickets


def shown_by(tickets: list[RawDoc]) -> dict[str, list[Any]]:
    """The records a list of tickets shows the numbers of: theirs, their residents' and
    employees'."""
    return {
        "ticket": [t["_id"] for t in tickets],
        "resident": [t.get("resident_id") for t in tickets],
        "employee": [t.get("employee_id") for t in tickets],
    }


def ticket_json(ticket: RawDoc, numbers: Numbers, zone: dt.tzinfo) -> RawDoc:
    """A ticket as the care-ticket API shows it, key for key."""
    return {
        "start_date": time_text(ticket.get("start_date"), zone),
        "sentsent_to_primary": ticket.get("sentsent_to_primary"),
        "urgency_status_id": ticket.get("urgency_status_id"),
        "ticket_type": ticket.get("ticket_type"),
        "resident_id": numbers["resident"].get(ticket.get("resident_id")),
        "updated_at": time_text(ticket.get("_last_updated_date"), zone),
        "created_at": time_text(ticket.get("_created_date"), zone),
        "email": ticket.get("email"),
        "sent_to_healthcare_pro": ticket.get("sent_to_healthcare_pro"),
        "state": bool(ticket.get("state", False)),
        "sms": ticket.get("sms"),
        "id": numbers["ticket"][ticket["_id"]],
        "end_date": time_text(ticket.get("end_date"), zone),
        "ticket_status": ticket.get("ticket_status"),
        "sent_to_family": ticket.get("sent_to_family"),
        "title": ticket.get("title"),
        "employee_id": numbers["employee"].get(ticket.get("employee_id")),
    }


async def all_tickets(scope: Scope, account: RawDoc) -> list[RawDoc]:
    """`GET tickets`: the provider's tickets (not deleted), oldest first."""
    cursor = scope["tickets"].find({"_deleted": {"$ne": True}}, sort=[("_created_date", 1)])
    tickets = [doc async for doc in cursor]
    numbers = await numbers_of(scope, shown_by(tickets))
    zone = zone_of(account)
    return [ticket_json(ticket, numbers, zone) for ticket in tickets]


async def find_ticket(scope: Scope, number: int) -> RawDoc:
    key = await record_of(scope, "ticket", number)
    ticket = None
    if key is not None:
        ticket = await scope["tickets"].find_one({"_id": key, "_deleted": {"$ne": True}})
    if ticket is None:
        raise ServiceError.one(f"No ticket with id {number}.", ErrorCode.NOT_FOUND, "id")
    return ticket


async def ticket_with_details(scope: Scope, account: RawDoc, number: int) -> RawDoc:
    """`GET ticket_detail?id=`: the ticket, its attachments, and its categories keyed by the
    category's id, each with its status, title and `comment<id>` entries."""
    ticket = await find_ticket(scope, number)
    zone = zone_of(account)
    statuses = ticket.get("categories") or []
    attachments = ticket.get("ticket_attachments") or []
    numbers = await numbers_of(
        scope,
        {
            **shown_by([ticket]),
            "category": [s.get("category") for s in statuses],
            "comment": [c.get("_id") for s in statuses for c in s.get("comments") or []],
            "file": [a.get("file_id") for a in attachments],
        },
    )
    categories, comments, files = numbers["category"], numbers["comment"], numbers["file"]
    detail: dict[str, Any] = {}
    for status in statuses:
        entry: dict[str, Any] = {}
        for comment in status.get("comments") or []:
            entry[f"comment{comments[comment['_id']]}"] = {
                "commented_by": comment.get("commented_by"),
                "commented_on": time_text(comment.get("commented_on"), zone),
                "title": comment.get("title"),
            }
        entry["status"] = status.get("status")
        entry["title"] = status.get("title")
        detail[str(categories[status["category"]])] = entry
    return {
        "ticket_with_details": {
            "ticket_attachments": [
                {
                    "id": files.get(a.get("file_id")),
                    "name": a.get("name"),
                    "content_type": a.get("content_type"),
                    "size": a.get("size"),
                    "uploaded_at": time_text(a.get("uploaded_date"), zone),
                }
                for a in attachments
            ],
            "ticket": ticket_json(ticket, numbers, zone),
            "categories": detail,
        }
    }


async def update_status(scope: Scope, number: int, status_name: str | None) -> RawDoc:
    """`POST update_status?id=&status=`: the status by its REST name, along the allowed moves."""
    status = ticket_status_named(status_name, "status")
    ticket = await find_ticket(scope, number)
    store = ticket_store(scope.database)
    return await store.update_status(scope.actor, ticket["_id"], status, rest_names=True)


# Residents and categories


def resident_fields(patient: RawDoc, account_id: int, zone: dt.tzinfo) -> RawDoc:
    """What our patient record says of each attribute of a resident of the old API."""
    locations = patient.get("locations") or []
    home = next((loc for loc in locations if loc.get("primary")), locations[0] if locations else {})
    phones = patient.get("phones") or []
    fax = next((p for p in phones if p.get("type") == PhoneType.FAX.value), None)
    phone = next((p for p in phones if p.get("type") != PhoneType.FAX.value), None)
    name = patient.get("name") or {}
    photo = patient.get("photo") or {}
    status = patient.get("status") or PatientStatus.ACTIVE.value
    active = status == PatientStatus.ACTIVE.value and not patient.get("_deleted")
    return {
        "fax_number": fax.get("number") if fax else None,
        "caretracker_id": None,
        "resident_type_id": None,
        "provider_id": account_id,
        "photo_content_type": photo.get("content_type") or "",
        "first_name": name.get("first"),
        "next_status_update": None,
        "state": "active" if active else "inactive",
        "photo_file_name": photo.get("name") or "",
        "creator_id": 0,
        "last_status_update": None,
        "home_zip": home.get("postal_code"),
        "in_home_care": False,
        "home_address2": home.get("address2") or "",
        "home_address1": home.get("address1"),
        "email": patient.get("email"),
        "customer_number": patient.get("accounting_id"),
        "updated_at": time_text(patient.get("_last_updated_date"), zone),
        "review_updates": None,
        "updater_id": 0,
        "location": home.get("label"),
        "home_city": home.get("city"),
        "photo_file_size": photo.get("size") or 0,
        "home_state": home.get("region"),
        "dob": date_text(patient.get("date_of_birth")),
        "last_name": name.get("last"),
        "demo": False,
        "phone_number": phone.get("number") if phone else None,
        "created_at": time_text(patient.get("_created_date"), zone),
        "account_number": patient.get("chart_id"),
    }


def resident_json(
    patient: RawDoc, entry: RawDoc | None, account_id: int, zone: dt.tzinfo
) -> RawDoc:
    """A resident as the old API shows it. A resident loaded from the old API answers its old
    values for every attribute our record has not changed since (the old API kept values we
    have no place for, such as a null last name)."""
    live = resident_fields(patient, account_id, zone)
    legacy = (entry or {}).get("legacy") or {}
    imported = (entry or {}).get("imported") or {}
    shown = {
        key: legacy[key] if key in legacy and imported.get(key) == value else value
        for key, value in live.items()
    }
    shown["id"] = (entry or {}).get("number")
    order = [*list(live)[:7], "id", *list(live)[7:]]
    return {key: shown[key] for key in order}


async def all_residents(scope: Scope, account: RawDoc) -> list[RawDoc]:
    """`GET all_residents`: the provider's patients that are not deleted, whatever their status
    (`state` "active" for an active patient, "inactive" for a prospect, one on hold,
    discharged or deceased), in the order they were added. Dates of birth are sensitive: the
    read is written to the audit trail as in the graph, one entry per patient shown (an audit
    entry names one record)."""
    cursor = scope["patients"].find({"_deleted": {"$ne": True}}, sort=[("_created_date", 1)])
    patients = [doc async for doc in cursor]
    entries = await entries_of(scope, "resident", [p["_id"] for p in patients])
    zone = zone_of(account)
    reads = {("Patient", p["_id"]): {"dateOfBirth"} for p in patients if p.get("date_of_birth")}
    if reads:  # entries of reads alone, in one insert: no transaction needed
        await scope["audit_events"].insert_many(sensitive_read_events(scope.actor, reads))
    return [resident_json(p, entries.get(p["_id"]), account["_id"], zone) for p in patients]


async def provider_categories(scope: Scope) -> list[RawDoc]:
    """`GET provider_categories`: the provider's categories, in the order they were added."""
    cursor = scope["ticket_categories"].find(
        {"_deleted": {"$ne": True}}, sort=[("_created_date", 1), ("_id", 1)]
    )
    categories = [doc async for doc in cursor]
    numbers = await numbers_of(scope, {"category": [c["_id"] for c in categories]})
    return [{"id": numbers["category"][c["_id"]], "name": c["name"]} for c in categories]


# create_ticket


def ticket_status_named(value: str | None, field: str) -> TicketStatus:
    wanted = (value or "").strip().casefold()
    for status in TicketStatus:
        if wanted in (str(status.value).casefold(), status.name.casefold()):
            return status
    names = ", ".join(str(s.value) for s in TicketStatus)
    raise ServiceError.one(f"A {field} is one of {names}.", ErrorCode.INVALID, field)


def _flag(value: str | None, field: str, problems: list[Problem]) -> bool | None:
    if value is None or not value.strip():
        return None
    text = value.strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    problems.append(Problem(f"{field} is true or false.", ErrorCode.INVALID, field))
    return None


def _number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 19 else None


def _urgency(value: str | None, problems: list[Problem]) -> TicketUrgency | None:
    text = (value or "").strip()
    if not text:
        return None
    for urgency in TicketUrgency:
        if text.casefold() in (str(urgency.value), urgency.name.casefold()):
            return urgency
    problems.append(
        Problem(
            "urgency_status is 1 (low), 2 (normal), 3 (high) or 4 (critical).",
            ErrorCode.INVALID,
            "urgency_status",
        )
    )
    return None


async def create_ticket(scope: Scope, params: Mapping[str, str]) -> int:
    """`POST create_ticket`: a ticket with its category statuses, all checked first; a bad
    parameter creates nothing. The new ticket's id."""
    problems: list[Problem] = []
    title = (params.get("title") or "").strip()
    if not title:
        problems.append(Problem("Give the ticket a title.", ErrorCode.REQUIRED, "title"))
    resident = None
    resident_number = _number(params.get("resident_id"))
    if resident_number is None:
        problems.append(
            Problem("Give the resident's id (resident_id).", ErrorCode.REQUIRED, "resident_id")
        )
    else:
        key = await record_of(scope, "resident", resident_number)
        found = key is not None and await scope["patients"].find_one(
            {"_id": key, "_deleted": {"$ne": True}}, {"_id": 1}
        )
        if not found:
            problems.append(
                Problem(
                    f"No resident with id {resident_number}.", ErrorCode.NOT_FOUND, "resident_id"
                )
            )
        resident = key
    data: dict[str, Any] = {"title": title, "resident": resident}
    for name in ("sms", "email", "state"):
        flag = _flag(params.get(name), name, problems)
        if flag is not None:
            data[name] = flag
    urgency = _urgency(params.get("urgency_status"), problems)
    if urgency is not None:
        data["urgency_status"] = urgency
    if (params.get("ticket_status") or "").strip():
        try:
            data["ticket_status"] = ticket_status_named(params["ticket_status"], "ticket_status")
        except ServiceError as refusal:
            problems += refusal.problems
    data["categories"] = await _category_statuses(scope, params, problems)
    if problems:
        raise ServiceError(*problems)
    store = ticket_store(scope.database)
    try:
        raw = await store.create(scope.actor, data)
    except ServiceError as refusal:  # a rule of the record: name the REST parameter
        raise ServiceError(
            *(Problem(p.message, p.code, _parameter(p.field)) for p in refusal.problems)
        ) from None
    return store.assigned[raw["_id"]]  # given in the transaction that created the ticket


async def _category_statuses(
    scope: Scope, params: Mapping[str, str], problems: list[Problem]
) -> list[dict[str, Any]]:
    given = {
        name: (value, _number(name.removeprefix("category_")))
        for name, value in params.items()
        if name.startswith("category_")
    }
    numbers = [number for _, number in given.values() if number is not None]
    keys = await records_of(scope, "category", numbers) if numbers else {}
    found = await scope["ticket_categories"].by_ids(keys.values(), {"_deleted": 1})
    statuses = []
    for name, (value, number) in given.items():
        key = keys.get(number) if number is not None else None
        if key is None or key not in found or found[key].get("_deleted"):
            problems.append(Problem(f"No category with id {name[9:]}.", ErrorCode.NOT_FOUND, name))
            continue
        status = CATEGORY_STATUS_NAMES.get(" ".join((value or "").split()).casefold())
        if status is None:
            problems.append(
                Problem(f"{name} is Issue, No Issue or Potential Issue.", ErrorCode.INVALID, name)
            )
            continue
        statuses.append({"category": key, "status": status})
    return statuses


def _parameter(field: str | None) -> str | None:
    names = {"input.resident": "resident_id", "input.urgencyStatus": "urgency_status"}
    if field is None:
        return None
    return names.get(field, field.removeprefix("input.").split(".")[0])
