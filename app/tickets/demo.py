"""Demo care tickets: the provider's categories, and tickets about patients in each status,
with comments written by office staff and, when the files package made some, an attachment."""

from __future__ import annotations

import datetime as dt

from app.common.demo import DemoAccount
from app.tickets.documents import CategoryStatus, TicketStatus, TicketUrgency
from app.tickets.services import category_store, ticket_store

CATEGORIES = ["Clinical Edit", "Emergency", "Activity Level", "Weight Gain", "Medication"]
# (title, urgency, status to reach, statuses by category index, comment)
TICKETS = [
    ("{p} lost 3 kg in two weeks", TicketUrgency.HIGH, TicketStatus.NEW,
     {3: CategoryStatus.ISSUE, 2: CategoryStatus.POTENTIAL_ISSUE}, "Weighed twice, same result."),
    ("{p} missed two evening doses", TicketUrgency.CRITICAL, TicketStatus.IN_PROGRESS,
     {4: CategoryStatus.ISSUE, 0: CategoryStatus.NO_ISSUE}, "Pharmacy asked for blister packs."),
    ("{p} walks less since the flu", TicketUrgency.NORMAL, TicketStatus.OPEN,
     {2: CategoryStatus.POTENTIAL_ISSUE}, "Physio visit requested."),
    ("{p}: chart update after the hospital stay", TicketUrgency.LOW, TicketStatus.RESOLVED,
     {0: CategoryStatus.ISSUE, 1: CategoryStatus.NO_ISSUE}, "Discharge summary filed."),
    ("{p} fell in the kitchen", TicketUrgency.CRITICAL, TicketStatus.CLOSED,
     {1: CategoryStatus.ISSUE, 2: CategoryStatus.POTENTIAL_ISSUE}, "No injury; family informed."),
    ("{p} gained weight again", TicketUrgency.NORMAL, TicketStatus.REOPENED,
     {3: CategoryStatus.POTENTIAL_ISSUE}, "Diet plan reviewed with the daughter."),
]  # fmt: skip
PATH = {  # how each status is reached from NEW, along the allowed moves
    TicketStatus.NEW: [],
    TicketStatus.OPEN: [TicketStatus.OPEN],
    TicketStatus.IN_PROGRESS: [TicketStatus.OPEN, TicketStatus.IN_PROGRESS],
    TicketStatus.RESOLVED: [TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED],
    TicketStatus.CLOSED: [TicketStatus.RESOLVED, TicketStatus.CLOSED],
    TicketStatus.REOPENED: [TicketStatus.RESOLVED, TicketStatus.REOPENED],
}


async def seed(demo: DemoAccount) -> None:
    if not demo.patients:
        return
    categories = await category_store(demo.database).create_many(
        demo.actor, [{"name": name} for name in CATEGORIES]
    )
    demo.made["ticket_categories"] = categories
    store = ticket_store(demo.database)
    staff = demo.office or demo.caregivers
    files = demo.made.get("files") or []
    made = []
    for index, (title, urgency, status, found, comment) in enumerate(TICKETS):
        patient = demo.patients[index % len(demo.patients)]
        employee = staff[index % len(staff)] if staff else None
        ticket = await store.create(
            demo.actor,
            {
                "title": title.format(p=patient["name"]["first"]),
                "resident": patient["_id"],
                "employee": employee["_id"] if employee else None,
                "urgency_status": urgency,
                "sms": index % 2 == 0,
                "email": True,
                "sent_to_family": index % 3 == 0,
                "start_date": dt.datetime.combine(
                    demo.week_start - dt.timedelta(days=7 - index), dt.time(9), dt.UTC
                ),
                "categories": [
                    {"category": categories[at]["_id"], "status": value}
                    for at, value in found.items()
                ],
            },
        )
        first = next(iter(found))
        ticket, _ = await store.comment(
            demo.actor,
            ticket["_id"],
            categories[first]["_id"],
            comment,
            employee["_id"] if employee else None,
        )
        for step in PATH[status]:
            ticket = await store.update_status(demo.actor, ticket["_id"], step)
        matching = [f for f in files if f.get("owner", {}).get("id") == patient["_id"]]
        if matching:
            ticket = await store.attach_file(demo.actor, ticket["_id"], matching[0]["_id"])
        made.append(ticket)
    demo.made["tickets"] = made
