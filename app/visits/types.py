"""GraphQL types of punchcards."""

from __future__ import annotations

from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.visits.documents import Punchcard as PunchcardDocument


@record_type(
    PunchcardDocument,
    name="Punchcard",
    description="A caregiver's record of a visit: when and where they clocked in and out, and "
    "what the visit bills and pays. The catalogue's `_event` (the visit as it was when "
    "punched) is `eventSnapshot`, because `event` is the live visit.",
)
class Punchcard(Record, Node, Versioned):
    """Plain fields, snapshots and references come from the document model."""
