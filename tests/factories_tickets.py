"""Tickets and categories made through the GraphQL API, files through the files service, and a
small client of the care-ticket REST API (headers api_key/api_secret, token in the URL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from app.common.services import Actor
from app.data.scope import Scope
from app.files.documents import FileOwnerType
from app.files.services import Owner, UploadDetails, upload_file
from app.graphql.relay import from_global_id, to_global_id
from tests.factories import Agency

TICKET_FIELDS = """id revision title ticketStatus urgencyStatus state sms email ticketType
  sentToPrimary sentToHealthcarePro sentToFamily startDate endDate createdDate lastUpdatedDate
  deleted resident { id } employee { id }
  categories { category { id name } status title
    comments { id commentedBy commentedOn title user { id } } }
  attachments { name size file { id } }"""
CREATE_TICKET = f"""mutation($input: TicketCreateInput!) {{ ticketCreate(input: $input) {{
  ticket {{ {TICKET_FIELDS} }} userErrors {{ field message code }} }} }}"""
CREATE_CATEGORY = """mutation($input: TicketCategoryCreateInput!) {
  ticketCategoryCreate(input: $input) {
  ticketCategory { id name } userErrors { field message code } } }"""
UPDATE_STATUS = f"""mutation($id: ID!, $status: TicketStatus!, $revision: Int) {{
  ticketUpdateStatus(id: $id, status: $status, revision: $revision) {{
  ticket {{ {TICKET_FIELDS} }} userErrors {{ field message code }} }} }}"""
COMMENT = f"""mutation($id: ID!, $category: ID!, $text: String!, $user: ID) {{
  ticketComment(id: $id, category: $category, text: $text, user: $user) {{
  ticket {{ {TICKET_FIELDS} }} comment {{ id commentedBy title }}
  userErrors {{ field message code }} }} }}"""
ATTACH = f"""mutation($id: ID!, $file: ID!) {{ ticketAttachFile(id: $id, file: $file) {{
  ticket {{ {TICKET_FIELDS} }} userErrors {{ field message code }} }} }}"""


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def create_category(agency: Agency, name: str = "Clinical Edit") -> dict[str, Any]:
    data = await agency.ok(CREATE_CATEGORY, {"input": {"name": name}})
    assert data["ticketCategoryCreate"]["userErrors"] == [], data
    return data["ticketCategoryCreate"]["ticketCategory"]  # type: ignore[no-any-return]


def ticket_input(resident: str, *categories: tuple[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "title": "Weight loss",
        "resident": resident,
        "categories": [{"category": c, "status": s} for c, s in categories],
        **fields,
    }


async def create_ticket(
    agency: Agency, resident: str, *categories: tuple[str, str], **fields: Any
) -> dict[str, Any]:
    data = await agency.ok(CREATE_TICKET, {"input": ticket_input(resident, *categories, **fields)})
    assert data["ticketCreate"]["userErrors"] == [], data
    return data["ticketCreate"]["ticket"]  # type: ignore[no-any-return]


async def make_file(agency: Agency, patient: str, name: str = "fall-report.pdf") -> str:
    """A File record of the agency (owned by a patient), as POST /files would make it."""
    actor = Actor(account_id=agency.account_id, api_client_name="tests")
    details = UploadDetails(
        owner=Owner(FileOwnerType.PATIENT, key(patient)),
        filename=name,
        name=name,
        content_type="application/pdf",
    )
    raw = await upload_file(Scope(agency.api.database, actor), details, b"%PDF-1.4 report")
    return to_global_id("File", raw["_id"])


@dataclass
class Rest:
    """A partner system calling the care-ticket API."""

    client: TestClient  # type: ignore[type-arg]
    key: str
    secret: str
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"api_key": self.key, "api_secret": self.secret}

    async def authorize(self) -> dict[str, Any]:
        response = await self.client.post("/api/authorize", headers=self.headers)
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        self.token = body["access_token"]
        return body

    async def call(
        self,
        method: str,
        endpoint: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        response = await self.client.request(
            method,
            f"/api/{token if token is not None else self.token}/{endpoint}",
            headers=self.headers if headers is None else headers,
            params=params,
            data=data,
        )
        return response.status, await response.json()

    async def get(self, endpoint: str, **options: Any) -> tuple[int, dict[str, Any]]:
        return await self.call("GET", endpoint, **options)

    async def post(self, endpoint: str, **options: Any) -> tuple[int, dict[str, Any]]:
        return await self.call("POST", endpoint, **options)


async def rest_of(client: TestClient, agency: Agency) -> Rest:  # type: ignore[type-arg]
    rest = Rest(client, agency.key, agency.secret)
    await rest.authorize()
    return rest
