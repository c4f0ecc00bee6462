"""Signed webhooks: made and managed by administrators, delivered at least once, in order per
record, retried with backoff, turned off after persistent failure, resumed after a crash."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections import defaultdict
from typing import Any

import pytest

from app.db import Database
from app.errors import ServiceError
from app.graphql.relay import key_of
from app.live.dispatcher import Dispatcher
from app.live.feed import seq_of
from app.live.targets import Reach, check_url
from app.settings import Settings
from tests.factories import Agency, Api, create_patient
from tests.factories_live import CREATE_WEBHOOK, DELIVERIES, Receiver, published, receiving
from tests.factories_people import create_candidate

UPDATE_WEBHOOK = """mutation($id: ID!, $revision: Int!, $input: WebhookUpdateInput!) {
  webhookUpdate(id: $id, revision: $revision, input: $input) {
  webhook { id revision url events active disabledReason failingSince }
  userErrors { field message code } } }"""
DELETE_WEBHOOK = """mutation($id: ID!) { webhookDelete(id: $id) {
  webhook { id deleted } userErrors { field message code } } }"""
WEBHOOKS = "{ webhooks { totalCount nodes { id url events active failingSince } } }"
IMPORT = """mutation($input: [PatientCreateInput!]!) { patientImport(input: $input) {
  patients { id } userErrors { code } } }"""
UPDATE_PATIENT = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) { patient { revision }
  userErrors { code } } }"""


async def webhook_for(
    agency: Agency, receiver: Receiver, events: list[str] | None = None
) -> dict[str, Any]:
    """A webhook of the agency to the receiver; the receiver learns its secret."""
    await published(agency)  # what the agency did before is not the webhook's
    data = await agency.ok(
        CREATE_WEBHOOK, {"input": {"url": receiver.url, "events": events or ["patient.*"]}}
    )
    payload = data["webhookCreate"]
    assert payload["userErrors"] == [], payload
    receiver.secret = payload["secret"]
    return payload["webhook"]  # type: ignore[no-any-return]


def patient_rows(count: int, last: str = "Row") -> list[dict[str, Any]]:
    return [{"name": {"first": "P", "last": f"{last} {i}"}} for i in range(count)]


async def import_patients(agency: Agency, count: int, last: str = "Row") -> list[str]:
    data = await agency.ok(IMPORT, {"input": patient_rows(count, last)})
    assert data["patientImport"]["userErrors"] == [], data
    return [p["id"] for p in data["patientImport"]["patients"]]


async def rename(agency: Agency, patient: str, revision: int, last: str) -> None:
    data = await agency.ok(
        UPDATE_PATIENT,
        {"id": patient, "revision": revision, "input": {"name": {"first": "P", "last": last}}},
    )
    assert data["patientUpdate"]["userErrors"] == [], data


async def deliveries(api: Api, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    """The webhook's stored deliveries, in feed order, once none is pending (the receiver
    answers before the dispatcher writes the answer down)."""
    query = {"webhook": key_of(webhook["id"], "Webhook")}
    for _ in range(100):
        found = [d async for d in api.database.db.webhook_deliveries.find(query).sort("seq", 1)]
        if all(d["status"] != "pending" for d in found):
            break
        await asyncio.sleep(0.05)
    return found


def by_record(got: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for delivery in got:
        grouped[delivery["body"]["record"]["id"]].append(delivery)
    return grouped


async def test_a_webhook_is_made_by_an_administrator_and_its_secret_shown_once(api: Api) -> None:
    # given an administrator and a scheduler
    agency = await api.agency()
    await agency.key_for("scheduler")
    url = "http://127.0.0.1:9/hook"
    variables = {"input": {"url": url, "events": ["punchcard.clocked_in", "invoice.*"]}}
    # when each tries to make a webhook
    refused = await agency.gql(CREATE_WEBHOOK, variables, role="scheduler")
    made = (await agency.ok(CREATE_WEBHOOK, variables))["webhookCreate"]
    # then only the administrator may, and is given its secret this once
    assert refused.data["webhookCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert made["userErrors"] == []
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert made["webhook"]["events"] == ["punchcard.clocked_in", "invoice.*"]
    listed = await agency.ok(WEBHOOKS)
    assert listed["webhooks"]["nodes"] == [{**made["webhook"], "failingSince": None}]
    assert made["secret"] not in json.dumps(listed)
    forbidden = await agency.gql(WEBHOOKS, role="scheduler")
    assert forbidden.errors[0]["extensions"]["code"] == "FORBIDDEN"
    # and the secret is stored for signing, masked in the trail
    key = key_of(made["webhook"]["id"], "Webhook")
    stored = await api.database.db.webhooks.find_one({"_id": key})
    assert stored is not None and stored["signing_secret"] == made["secret"]
    entry = await api.database.db.audit_events.find_one(
        {"_account": agency.account_id, "record_type": "Webhook", "action": "create"}
    )
    assert entry is not None
    assert {"field": "signingSecret", "before": None, "after": "***"} in entry["changes"]


@pytest.mark.parametrize(
    ("url", "events", "field", "message"),
    [
        ("ftp://example.com/hook", ["*"], "input.url", "Webhooks are delivered over"),
        ("http://user:pw@127.0.0.1/hook", ["*"], "input.url", "Put no credentials"),
        ("http://10.1.2.3/hook", ["*"], "input.url", "10.1.2.3, a loopback or private address"),
        ("http://[64:ff9b::a00:1]/x", ["*"], "input.url", "a loopback or private address"),
        ("http://[64:ff9b::a9fe:a9fe]/x", ["*"], "input.url", "a loopback or private address"),
        ("http://[2002:a00:1::]/x", ["*"], "input.url", "a loopback or private address"),
        ("http://[::a00:1]/x", ["*"], "input.url", "a loopback or private address"),
        ("http://127.1:8799/x", ["*"], "input.url", "four decimal numbers"),
        ("http://0177.0.0.1:8799/x", ["*"], "input.url", "four decimal numbers"),
        ("http://2130706433:8799/x", ["*"], "input.url", "four decimal numbers"),
        ("http://127.0.0.1/hook", ["patient.clocked_in"], "input.events.0", "names no event"),
        ("http://127.0.0.1/hook", ["*", "nothing.*"], "input.events.1", "names no event"),
    ],
)
async def test_a_webhook_refuses_unsafe_urls_and_unknown_events(
    api: Api, url: str, events: list[str], field: str, message: str
) -> None:
    # given an administrator
    agency = await api.agency()
    # when a webhook names an unsafe URL or an unknown event
    data = await agency.ok(CREATE_WEBHOOK, {"input": {"url": url, "events": events}})
    # then it is refused, saying where and why, and nothing is stored
    errors = data["webhookCreate"]["userErrors"]
    assert errors[0]["field"] == field and message in errors[0]["message"], errors
    assert await api.count("webhooks", _account=agency.account_id) == 0


async def test_private_addresses_need_the_accounts_consent_and_production_https() -> None:
    # given the reach of development without and with the account's consent, and production's
    development, consenting = Reach.of("development", False), Reach.of("development", True)
    production = Reach.of("production", False)
    # then loopback is reached in development; a private network only with consent
    assert await check_url("http://127.0.0.1:8000/hook", development)
    assert await check_url("http://10.0.0.5/hook", consenting)
    with pytest.raises(ServiceError):
        await check_url("http://10.0.0.5/hook", development)
    # and production takes https to public addresses only (no loopback, no cloud metadata)
    for url in ("http://93.184.216.34/hook", "https://127.0.0.1/hook", "https://169.254.169.254/"):
        with pytest.raises(ServiceError):
            await check_url(url, production)
    assert await check_url("https://93.184.216.34/hook", production)


async def test_the_account_may_let_its_webhooks_reach_its_own_network(api: Api) -> None:
    # given an account that allows private addresses
    agency = await api.agency()
    account = (await agency.ok("{ account { revision } }"))["account"]
    allowed = await agency.ok(
        """mutation($revision: Int!) { accountUpdate(revision: $revision,
          input: {webhookSettings: {allowPrivateAddresses: true}}) {
          account { webhookSettings { allowPrivateAddresses } } userErrors { message } } }""",
        {"revision": account["revision"]},
    )
    assert allowed["accountUpdate"]["userErrors"] == [], allowed
    # when a webhook names a private address
    data = await agency.ok(CREATE_WEBHOOK, {"input": {"url": "http://10.1.2.3/h", "events": ["*"]}})
    # then it is made
    assert data["webhookCreate"]["userErrors"] == []
    gone = await agency.ok(DELETE_WEBHOOK, {"id": data["webhookCreate"]["webhook"]["id"]})
    assert gone["webhookDelete"]["userErrors"] == []  # nothing listens there


async def test_a_receiver_gets_each_event_once_signed(api: Api) -> None:
    # given a receiver and a webhook for patients being created
    agency = await api.agency()
    async with receiving() as receiver:
        webhook = await webhook_for(agency, receiver, ["patient.created"])
        # when three patients are made (and a tag, which it did not ask for)
        patients = [(await create_patient(agency))["id"] for _ in range(3)]
        await agency.ok('mutation { tagCreate(input: {name: "Falls"}) { tag { id } } }')
        got = await receiver.until(3)
        await asyncio.sleep(0.5)
    # then it received each creation once, signed with its secret (checked as the README
    # shows), in order
    assert len(receiver.received) == 3
    assert all(g["signed"] for g in got)
    assert [g["body"]["record"]["id"] for g in got] == patients
    assert {g["event"] for g in got} == {"patient.created"}
    body = got[0]["body"]
    assert (body["event"], body["record"]["type"], body["account"]) == (
        "patient.created", "Patient", agency.global_id,
    )  # fmt: skip
    name = {"field": "name", "before": None, "after": {"first": "Walter", "last": "Green"}}
    assert name in body["changes"]
    # and each delivery id is stored, delivered at the first attempt
    stored = await deliveries(api, webhook)
    assert [str(d["_id"]) for d in stored] == [g["delivery"] for g in got]
    assert [seq_of(g["body"]["id"], agency.account_id) for g in got] == [d["seq"] for d in stored]
    listed = (await agency.ok(DELIVERIES, {"webhook": webhook["id"]}))["webhookDeliveries"]
    assert listed["totalCount"] == 3
    assert {(d["status"], d["attempts"], d["responseCode"]) for d in listed["nodes"]} == {
        ("DELIVERED", 1, 204)
    }
    assert {d["changeId"] for d in listed["nodes"]} == {g["body"]["id"] for g in got}


async def test_a_delivery_answered_500_is_sent_again_with_the_same_id(api: Api) -> None:
    # given a receiver that answers 500 to the first attempt of every delivery
    agency = await api.agency()
    async with receiving() as receiver:
        receiver.fail_first = 1
        webhook = await webhook_for(agency, receiver)
        # when two patients are made
        for _ in range(2):
            await create_patient(agency)
        got = await receiver.until(2)
    # then each delivery was refused once and accepted at its second attempt, same id
    attempts = [(g["delivery"], g["answered"]) for g in receiver.received]
    for delivery in {g["delivery"] for g in got}:
        assert [a for d, a in attempts if d == delivery] == [500, 204]
    stored = await deliveries(api, webhook)
    assert [(d["status"], d["attempts"], d["response_code"]) for d in stored] == [
        ("delivered", 2, 204)
    ] * 2


async def test_each_records_events_arrive_in_the_order_they_happened(api: Api) -> None:
    # given a receiver for patients
    agency = await api.agency()
    async with receiving() as receiver:
        await webhook_for(agency, receiver)
        # when five patients are made, then each is renamed twice
        patients = await import_patients(agency, 5)
        for revision, last in ((1, "Once"), (2, "Twice")):
            await asyncio.gather(*(rename(agency, p, revision, last) for p in patients))
        got = await receiver.until(15)
    # then each patient's three events arrive in the order they happened
    for patient, events in by_record(got).items():
        assert patient in patients
        names = [(e["event"], _last_name(e)) for e in events]
        assert names == [("patient.created", None), ("patient.updated", "Once"),
                         ("patient.updated", "Twice")]  # fmt: skip


def _last_name(delivery: dict[str, Any]) -> str | None:
    if delivery["event"] != "patient.updated":
        return None
    change = next(c for c in delivery["body"]["changes"] if c["field"] == "name")
    return str(change["after"]["last"])


async def test_a_receiver_that_was_down_gets_everything_once_it_is_back(api: Api) -> None:
    # given a receiver that is down (the tests' first retry comes after 0.2 s rather than 10 s,
    # so 3.5 seconds here are the default schedule's six minutes)
    agency = await api.agency()
    async with receiving() as receiver:
        webhook = await webhook_for(agency, receiver)
        receiver.down = True
        # when patients are made while it is down, then it comes back
        patients = await import_patients(agency, 4)
        await asyncio.sleep(3.5)
        failing = (await agency.ok(WEBHOOKS))["webhooks"]["nodes"][0]["failingSince"]
        receiver.down = False
        got = await receiver.until(4)
    # then it was tried again and again, less and less often, while it was down
    assert failing is not None
    rounds = [b for a, b in itertools.pairwise([0.0, *receiver.refused_at]) if b - a > 0.05]
    gaps = [b - a for a, b in itertools.pairwise(rounds)]
    assert len(gaps) >= 3 and max(gaps) > 3 * 0.2, gaps  # the gap doubles from 0.2 s
    # and once back it gets every one of them, and the webhook is no longer failing
    assert sorted(g["body"]["record"]["id"] for g in got) == sorted(patients)
    await asyncio.sleep(0.3)
    assert (await agency.ok(WEBHOOKS))["webhooks"]["nodes"][0]["failingSince"] is None
    assert {d["status"] for d in await deliveries(api, webhook)} == {"delivered"}


def test_by_default_a_delivery_is_retried_less_and_less_often_for_a_day(
    database: Database,
) -> None:
    # given the default settings
    settings = Settings(environment="production")
    dispatcher = Dispatcher(database, settings)
    # when deliveries fail again and again
    gaps = [dispatcher.backoff(attempts) for attempts in range(1, 20)]
    # then they are retried after 10 s, 20 s, 40 s... (jittered), at most an hour apart, and
    # given up a day after the first attempt
    for attempts, gap in enumerate(gaps, start=1):
        plain = min(10 * 2 ** (attempts - 1), 3600)
        assert 0.8 * plain <= gap <= 1.2 * plain
    assert settings.webhook_give_up_seconds == 86_400


async def test_a_webhook_failing_for_a_day_is_turned_off_with_an_audit_entry(api: Api) -> None:
    # given a webhook whose deliveries have failed for more than a day, its receiver still down
    agency = await api.agency()
    async with receiving() as receiver:
        webhook = await webhook_for(agency, receiver)
        receiver.down = True
        key = key_of(webhook["id"], "Webhook")
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        await api.database.db.webhooks.update_one(
            {"_id": key}, {"$set": {"failing_since": long_ago, "failures": 12}}
        )
        # when another delivery fails
        await create_patient(agency)
        for _ in range(50):
            stored = await api.database.db.webhooks.find_one({"_id": key})
            if stored is not None and not stored["active"]:
                break
            await asyncio.sleep(0.1)
        # then the webhook is turned off, saying why, and the trail says so
        listed = (await agency.ok(WEBHOOKS))["webhooks"]["nodes"][0]
        assert listed["active"] is False
        entry = await api.database.db.audit_events.find_one(
            {"_account": agency.account_id, "record_type": "Webhook", "action": "update"}
        )
        assert entry is not None and "turned off" in entry["reason"]
        assert {"field": "active", "before": True, "after": False} in entry["changes"]
        # and when it is turned back on, with its receiver back, it is sent what comes next
        receiver.down = False
        revision = stored["_revision"] if stored else 0
        data = await agency.ok(
            UPDATE_WEBHOOK, {"id": webhook["id"], "revision": revision, "input": {"active": True}}
        )
        assert data["webhookUpdate"]["webhook"]["active"] is True, data
        assert data["webhookUpdate"]["webhook"]["disabledReason"] is None
        later = await create_patient(agency)
        got = await receiver.until(2)
    assert later["id"] in {g["body"]["record"]["id"] for g in got}


async def test_a_webhooks_events_can_change_and_a_deleted_webhook_is_sent_nothing(
    api: Api,
) -> None:
    # given a webhook for patients
    agency = await api.agency()
    async with receiving() as receiver:
        webhook = await webhook_for(agency, receiver)
        # when its events become tags only, and a patient and a tag are made
        data = await agency.ok(
            UPDATE_WEBHOOK, {"id": webhook["id"], "revision": 1, "input": {"events": ["tag.*"]}}
        )
        assert data["webhookUpdate"]["webhook"]["events"] == ["tag.*"]
        await create_patient(agency)
        await agency.ok('mutation { tagCreate(input: {name: "Falls"}) { tag { id } } }')
        got = await receiver.until(1)
        # and then it is deleted, and another tag is made
        deleted = await agency.ok(DELETE_WEBHOOK, {"id": webhook["id"]})
        assert deleted["webhookDelete"]["webhook"]["deleted"] is True
        await agency.ok('mutation { tagCreate(input: {name: "Wandering"}) { tag { id } } }')
        await published(agency)
        await asyncio.sleep(0.5)
    # then it was sent the first tag only
    assert [g["event"] for g in receiver.received] == ["tag.created"]
    assert got[0]["body"]["record"]["type"] == "Tag"
    assert (await agency.ok(WEBHOOKS))["webhooks"]["totalCount"] == 0


ADD_ROLES = """mutation($revision: Int!, $input: AccountUpdateInput!) {
  accountUpdate(revision: $revision, input: $input) { userErrors { field code } } }"""


async def test_a_webhook_sends_only_what_the_role_that_made_it_may_read(api: Api) -> None:
    # given an office role that manages the account but reads no HR or identity fields, and
    # a webhook it made for patients and candidates
    agency = await api.agency()
    revision = (await agency.ok("{ account { revision } }"))["account"]["revision"]
    role = {"key": "integrations", "name": "Integrations", "type": "OFFICE",
            "permissions": ["MANAGE_ACCOUNT"]}  # fmt: skip
    added = await agency.ok(ADD_ROLES, {"revision": revision, "input": {"roles": [role]}})
    assert added["accountUpdate"]["userErrors"] == []
    await agency.key_for("integrations")
    async with receiving() as receiver:
        await published(agency)
        made = await agency.gql(
            CREATE_WEBHOOK,
            {"input": {"url": receiver.url, "events": ["patient.*", "candidate.*"]}},
            role="integrations",
        )
        receiver.secret = made.data["webhookCreate"]["secret"]
        # when a patient with an identity field and a candidate are made
        patient = await create_patient(agency, ssnExpiryDate="2031-01-31")
        await create_candidate(agency)
        got = await receiver.until(1)
        await published(agency)
        await asyncio.sleep(0.5)
    # then only the patient is sent, its identity field named without its values
    assert [g["body"]["record"]["id"] for g in receiver.received] == [patient["id"]]
    changes = {c["field"]: c for c in got[0]["body"]["changes"]}
    assert changes["ssnExpiryDate"] == {"field": "ssnExpiryDate", "before": None, "after": None}
    assert changes["name"]["after"] == {"first": "Walter", "last": "Green"}
