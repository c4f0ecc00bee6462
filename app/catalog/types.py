"""GraphQL types of skills and tags."""

from __future__ import annotations

from app.catalog.documents import Skill as SkillDocument
from app.catalog.documents import Tag as TagDocument
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.patients.types import progress_notes_edge


@record_type(
    SkillDocument, name="Skill", description="A skill caregivers can have and patients can need."
)
class Skill(Record, Node, Versioned):
    """Every field comes from the document model."""


@record_type(TagDocument, name="Tag", description="A label for progress notes and other records.")
class Tag(Record, Node, Versioned):
    """Every field comes from the document model, but for the notes it labels."""

    progress_notes = progress_notes_edge(
        "tags._id", "The progress notes with this tag, newest first unless told."
    )
