"""A demo webhook: a payroll provider that was sent the clock-ins and clock-outs of the demo
week, then turned off (point it at your own receiver and turn it on to try webhooks)."""

from __future__ import annotations

from app.common.demo import DemoAccount
from app.live.deliveries import DELIVERIES, fan_out
from app.live.documents import DeliveryStatus
from app.live.feed import Publisher
from app.live.services import webhook_store
from app.live.signing import new_secret

EVENTS = ["punchcard.clocked_in", "punchcard.clocked_out", "invoice.created"]


async def seed(demo: DemoAccount) -> None:
    store = webhook_store(demo.database)
    webhook = await store.create(
        demo.actor,
        {
            "url": "https://payroll.example.com/caregraph/webhooks",
            "events": EVENTS,
            "description": "Payroll provider: punches and invoices (demo; turned off).",
            "active": False,  # made off: no server sends to it while the demo is built
            "signing_secret": new_secret(),
            "position": 0,
        },
    )
    publisher = Publisher(demo.database, lambda last: None)
    while await publisher.step():  # the demo's changes join the feed, as a server would do
        pass
    while await fan_out(demo.scope, webhook):
        pass
    deliveries = demo.scope[DELIVERIES]
    made = deliveries.find({"webhook": webhook["_id"]}, {"_created_date": 1})
    sent = [(d["_id"], d["_created_date"]) async for d in made]
    if sent:  # as the provider received them
        await deliveries.update_each(
            [({"_id": key}, {"$set": {"status": DeliveryStatus.DELIVERED.value, "attempts": 1,
                                      "response_code": 200, "first_attempt_at": at,
                                      "last_attempt_at": at, "delivered_at": at,
                                      "next_attempt_at": None}})
             for key, at in sent]
        )  # fmt: skip
    demo.made["webhooks"] = [webhook]
