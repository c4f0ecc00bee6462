"""Configuration, read from the environment (and `.env`), passed into the app factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a Caregraph process. Environment variables are named after each field."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production", "test"] = Field(
        "development", validation_alias=AliasChoices("CAREGRAPH_ENV")
    )
    mongodb_uri: str | None = Field(None, validation_alias=AliasChoices("MONGODB_URI"))
    database_name: str = Field("caregraph", validation_alias=AliasChoices("CAREGRAPH_DB"))
    data_dir: Path = Field(Path("data"), validation_alias=AliasChoices("CAREGRAPH_DATA_DIR"))
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST"))
    port: int = Field(8000, validation_alias=AliasChoices("PORT"))
    # Off: the speed of mongod's default (j:false); on: no commit is lost to a power cut.
    embedded_sync_on_commit: bool = Field(
        False, validation_alias=AliasChoices("CAREGRAPH_SYNC_ON_COMMIT")
    )
    embedded_cache_size: str = Field("512M", validation_alias=AliasChoices("CAREGRAPH_CACHE_SIZE"))
    demo_data: bool = Field(True, validation_alias=AliasChoices("CAREGRAPH_DEMO_DATA"))
    series_job_minutes: int = Field(
        60, ge=0, validation_alias=AliasChoices("CAREGRAPH_SERIES_JOB_MINUTES")
    )
    """How often `serve` books every series up to its account's horizon; 0 turns it off."""
    workers: int | None = Field(None, ge=1, validation_alias=AliasChoices("CAREGRAPH_WORKERS"))
    """How many processes `serve` answers with, on one port; by default one per core, less
    one for the embedded database when it runs (at least one)."""
    graphiql: bool | None = Field(None, validation_alias=AliasChoices("CAREGRAPH_GRAPHIQL"))
    cors_origins: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("CAREGRAPH_CORS_ORIGINS")
    )
    access_token_ttl_seconds: int = Field(
        3600, validation_alias=AliasChoices("CAREGRAPH_TOKEN_TTL")
    )
    # People who sign in: short access tokens, a session that a refresh cookie keeps alive up to
    # its lifetime, and one-time links (invitations, password resets) that expire.
    session_token_ttl_seconds: int = Field(
        900, ge=60, validation_alias=AliasChoices("CAREGRAPH_SESSION_TOKEN_TTL")
    )
    session_lifetime_seconds: int = Field(
        43_200, ge=300, validation_alias=AliasChoices("CAREGRAPH_SESSION_LIFETIME")
    )
    sign_in_link_ttl_seconds: int = Field(
        259_200, ge=300, validation_alias=AliasChoices("CAREGRAPH_SIGN_IN_LINK_TTL")
    )
    app_url: str | None = Field(None, validation_alias=AliasChoices("CAREGRAPH_APP_URL"))
    web_dist: Path = Field(
        Path(__file__).resolve().parent.parent / "web" / "dist",
        validation_alias=AliasChoices("CAREGRAPH_WEB_DIST"),
    )
    """The built web app (`npm run build` in web/, as ./scripts/serve does), served at `/`."""
    """Where people open the web app: the start of invitation and reset links."""
    # Credential changes (revocations, role changes, sign-outs) reach every server process
    # through a change stream, or, where the database has none, a poll of credential_changes.
    credential_watch: Literal["stream", "poll"] = Field(
        "stream", validation_alias=AliasChoices("CAREGRAPH_CREDENTIAL_WATCH")
    )
    # Failed sign-ins and key exchanges: after this many failures in the window, per identity
    # (an API key, an email) and per network address, the operation answers 429 until the
    # oldest failure leaves the window.
    throttle_failures: int = Field(10, ge=1, validation_alias=AliasChoices("CAREGRAPH_THROTTLE"))
    throttle_address_failures: int = Field(
        10, ge=1, validation_alias=AliasChoices("CAREGRAPH_THROTTLE_ADDRESS")
    )
    throttle_window_seconds: int = Field(
        900, ge=1, validation_alias=AliasChoices("CAREGRAPH_THROTTLE_WINDOW")
    )
    introspection: Literal["on", "admins", "off"] | None = Field(
        None, validation_alias=AliasChoices("CAREGRAPH_INTROSPECTION")
    )
    """Who may introspect the schema: everyone, administrators (MANAGE_ACCOUNT) or nobody;
    by default everyone, except in production (administrators)."""
    # How long an Idempotency-Key is remembered (and a retry replays the stored response).
    idempotency_ttl_seconds: int = Field(
        86_400, ge=1, validation_alias=AliasChoices("CAREGRAPH_IDEMPOTENCY_TTL")
    )
    # Live: the change feed, subscriptions and webhooks (app/live).
    live_lead: bool = Field(True, validation_alias=AliasChoices("CAREGRAPH_LIVE_LEAD"))
    """Whether this process may take the lead: publish the change feed and send webhooks (one
    process at a time does, by a lease)."""
    live_poll_seconds: float = Field(
        0.2, gt=0, validation_alias=AliasChoices("CAREGRAPH_LIVE_POLL")
    )
    live_lease_seconds: float = Field(
        15.0, ge=1, validation_alias=AliasChoices("CAREGRAPH_LIVE_LEASE")
    )
    live_retention_hours: float = Field(
        72.0, gt=0, validation_alias=AliasChoices("CAREGRAPH_LIVE_RETENTION_HOURS")
    )
    live_recheck_seconds: float = Field(
        30.0, gt=0, validation_alias=AliasChoices("CAREGRAPH_LIVE_RECHECK")
    )
    webhook_retry_seconds: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("CAREGRAPH_WEBHOOK_RETRY")
    )
    webhook_give_up_seconds: float = Field(
        86_400.0, gt=0, validation_alias=AliasChoices("CAREGRAPH_WEBHOOK_GIVE_UP")
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("CAREGRAPH_WEBHOOK_TIMEOUT")
    )
    webhook_concurrency: int = Field(
        8, ge=1, le=64, validation_alias=AliasChoices("CAREGRAPH_WEBHOOK_CONCURRENCY")
    )
    routing: str = Field("great_circle", validation_alias=AliasChoices("CAREGRAPH_ROUTING"))
    """How mileage distances are measured: `great_circle` (no network), `osrm` (road distance
    from the OSRM server at `routing_url`), or `package.module:factory` for another provider
    (a callable taking these settings and answering an `app.common.routing.RoutingProvider`)."""
    routing_url: str | None = Field(None, validation_alias=AliasChoices("CAREGRAPH_ROUTING_URL"))
    """The road-routing server's base address, such as http://localhost:5000 (OSRM)."""
    max_depth: int = Field(12, validation_alias=AliasChoices("CAREGRAPH_MAX_DEPTH"))
    max_aliases: int = Field(30, validation_alias=AliasChoices("CAREGRAPH_MAX_ALIASES"))
    max_tokens: int = Field(4000, validation_alias=AliasChoices("CAREGRAPH_MAX_TOKENS"))
    max_nodes: int = Field(20_000, validation_alias=AliasChoices("CAREGRAPH_MAX_NODES"))
    database_wait_seconds: float = Field(30.0, validation_alias=AliasChoices("CAREGRAPH_DB_WAIT"))
    # How long one operation waits for an unreachable database before failing (503).
    database_timeout_seconds: float = Field(
        5.0, validation_alias=AliasChoices("CAREGRAPH_DB_TIMEOUT")
    )

    @property
    def worker_count(self) -> int:
        """The processes `serve` runs: `workers`, else the cores (less one for the embedded
        database, which runs on this machine too), at least one."""
        if self.workers is not None:
            return self.workers
        cores = os.cpu_count() or 1
        return max(1, cores - (0 if self.mongodb_uri else 1))

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is on by default except in production."""
        return self.graphiql if self.graphiql is not None else self.environment != "production"

    @property
    def introspection_for(self) -> Literal["on", "admins", "off"]:
        """Who may introspect: as set, else administrators in production and everyone
        elsewhere."""
        if self.introspection is not None:
            return self.introspection
        return "admins" if self.production else "on"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def web_app_url(self) -> str:
        """The web app's address, for links sent to people (this server's own by default)."""
        return (self.app_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS, except on a developer's machine and in tests."""
        return self.environment == "production"

    @property
    def expose_query_stats(self) -> bool:
        """Whether responses carry the number of database commands (never in production)."""
        return self.environment != "production"
