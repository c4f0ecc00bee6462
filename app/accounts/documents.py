"""The account (an agency, the tenant) and the API clients that act for it, with the records
that keep their credentials (access tokens, credential changes, throttles, counters). The
account's settings models are in `settings.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, IndexModel

from app.accounts.account_settings import (
    BillingSettings,
    CandidateSettings,
    GeneralSettings,
    Holiday,
    InvoiceSettings,
    PayrollSettings,
    Role,
    RoleSettings,
    SalesRep,
    SchedulerSettings,
    SecuritySettings,
    ServiceSetting,
    Tax,
    Telephony,
    Term,
    VisitSettings,
    WebhookSettings,
)
from app.common.documents import CareDocument, CompanyName, FileSnapshot, Location, Phone
from app.common.identifiers import NPI


class Account(CareDocument):
    """An agency: the tenant every other record belongs to. Its `_account` is its own number."""

    id: int | None = Field(None, alias="_id", description="The account number.")  # type: ignore[assignment]
    active: int = Field(1, ge=0, le=1, description="1 when the account is active, 0 when not.")
    name: CompanyName = Field(description="The agency's names.")
    email: str | None = Field(None, max_length=200, description="The agency's main email.")
    website: str | None = Field(None, max_length=200, description="The agency's website.")
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")
    hst_number: str | None = Field(None, max_length=40, description="Sales-tax (HST) number.")
    npi: str | None = Field(
        None,
        pattern=NPI,
        description="The agency's National Provider Identifier (ten digits, the last a Luhn "
        "check digit): the provider an EVV export names (ProviderID); without a valid one "
        "nothing is exported (each visit is listed as NO_PROVIDER_ID).",
    )
    locations: list[Location] = Field(default_factory=list, description="Offices.")
    emergency_phones: list[Phone] = Field(default_factory=list, description="After-hours lines.")
    logo: FileSnapshot | None = Field(None, description="The agency's logo.")
    policy: FileSnapshot | None = Field(None, description="The agency's policy document.")
    settings: GeneralSettings = Field(
        default_factory=GeneralSettings, description="Time zone, currency, country, language."
    )
    billing_settings: BillingSettings = Field(
        default_factory=BillingSettings, description="How visits are billed."
    )
    invoice_settings: InvoiceSettings = Field(
        default_factory=InvoiceSettings, description="How invoices look and are numbered."
    )
    payroll_settings: PayrollSettings = Field(
        default_factory=PayrollSettings, description="How caregivers are paid."
    )
    candidate_settings: CandidateSettings = Field(
        default_factory=CandidateSettings, description="How candidates are recruited."
    )
    scheduler_settings: SchedulerSettings = Field(
        default_factory=SchedulerSettings, description="How visits are scheduled."
    )
    visit_settings: VisitSettings = Field(
        default_factory=VisitSettings, description="How visits are verified."
    )
    role_settings: RoleSettings = Field(
        default_factory=RoleSettings, description="Which roles new people get."
    )
    roles: list[Role] = Field(
        default_factory=list,
        description="The account's own roles and their permissions, beside the built-in ones "
        "(administrator, scheduler, billing, payroll, caregiver, auditor), which come from the "
        "policy table and whose keys are taken.",
    )
    sales_reps: list[SalesRep] = Field(default_factory=list, description="Sales reps.")
    services: list[ServiceSetting] = Field(default_factory=list, description="Services sold.")
    taxes: list[Tax] = Field(default_factory=list, description="Sales taxes.")
    holidays: list[Holiday] = Field(
        default_factory=list, description="Statutory holidays, billed and paid at a premium."
    )
    terms: list[Term] = Field(default_factory=list, description="Payment terms.")
    telephony: Telephony = Field(default_factory=Telephony, description="Clock-in phone line.")
    security_settings: SecuritySettings = Field(
        default_factory=SecuritySettings, description="How the agency's people sign in."
    )
    webhook_settings: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Where the agency's webhooks may deliver."
    )

    class Settings:
        name = "accounts"
        indexes = [IndexModel([("ext_id", ASCENDING)], unique=True, sparse=True)]


class ApiClient(Document):
    """A program that acts for the account with one role: an integration, a script, a partner.
    Its key and secret are stored hashed only, and shown once, when made or rotated."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    name: str = Field(min_length=1, max_length=100, description="What the program is, for people.")
    role: str = Field(min_length=1, max_length=40, description="The key of the role it acts with.")
    key_only: bool = Field(
        True,
        description="Whether its key alone is a credential (`Authorization: <key>`, as seed "
        "000's clients send it); when false, it must exchange key and secret for an access "
        "token (`authorize`). Clients made before this setting existed are key-only.",
    )
    key_hash: str = Field(description="SHA-256 of the key.", json_schema_extra={"writeonly": True})
    secret_hash: str = Field(
        description="scrypt of the secret.", json_schema_extra={"writeonly": True}
    )
    created_date: dt.datetime = Field(alias="_created_date", description="When it was made.")
    expires_at: dt.datetime | None = Field(
        None, description="When its key and secret stop working; null: never."
    )
    last_used_at: dt.datetime | None = Field(
        None,
        description="When it was last seen making a request (to the minute: it is written at "
        "most once a minute), or exchanging its key; null: never.",
    )
    rotated_at: dt.datetime | None = Field(
        None, description="When its key and secret were last replaced (apiClientRotate)."
    )
    revoked: bool = Field(False, description="Revoked: its key, secret and tokens no longer work.")
    revoked_at: dt.datetime | None = Field(None, description="When it was revoked.")

    class Settings:
        name = "api_clients"
        indexes = [
            IndexModel([("key_hash", ASCENDING)], unique=True),
            IndexModel([("_account", ASCENDING), ("name", ASCENDING)]),
        ]


class AccessToken(Document):
    """An expiring token given for a key and secret; expired ones are removed by MongoDB."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    api_client: PydanticObjectId
    token_hash: str
    expires_at: dt.datetime

    class Settings:
        name = "access_tokens"
        indexes = [
            IndexModel([("token_hash", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
            # a client revoked or rotated loses its tokens: found by client
            IndexModel([("_account", ASCENDING), ("api_client", ASCENDING)]),
        ]


class CredentialChange(Document):
    """A note that credentials of the account changed (a client revoked or rotated, a role
    changed, a session ended): every server process drops what it cached about them. Read by
    the change stream, or polled where change streams are not available; kept a day."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    kind: str = Field(description="api_client, session, user or account.")
    key: Any = Field(None, description="The id of the client, session or user; none: account.")
    at: dt.datetime = Field(description="When it changed.")

    class Settings:
        name = "credential_changes"
        indexes = [IndexModel([("at", ASCENDING)], expireAfterSeconds=86_400)]


class Throttle(Document):
    """Recent failures of one identity (an API key, an email) or one network address at one
    operation (authorize, sign-in): too many in the window and the operation is refused until
    the oldest of them leaves it. Of no one account (an unknown key has none)."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    failures: list[dt.datetime] = Field(default_factory=list, description="The latest ones.")
    expires_at: dt.datetime = Field(description="When the last failure leaves the window.")

    class Settings:
        name = "throttles"
        indexes = [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]


class Counter(Document):
    """A named sequence (account numbers, invoice numbers): one atomic increment per value."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    value: int = 0

    class Settings:
        name = "counters"
