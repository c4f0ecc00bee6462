"""GraphQL types of skills and tags."""

from __future__ import annotations

from app.catalog.documents import Skill as SkillDocument
from app.catalog.documents import Tag as TagDocument
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.patients.inputs import NEWEST_NOTES_FIRST, ProgressNoteFilter, ProgressNoteOrder


@record_type(
    SkillDocument, name="Skill", description="A skill caregivers can have and patients can need."
)
class Skill(Record, Node, Versioned):
    """Every field comes from the document model."""


@record_type(TagDocument, name="Tag", description="A label for progress notes and other records.")
class Tag(Record, Node, Versioned):
    """Every field comes from the document model, but for the notes it labels."""

    progress_notes = related(
        "ProgressNote",
        "tags._id",
        "The progress notes with this tag, newest first unless told.",
        filter_input=ProgressNoteFilter,
        order_input=ProgressNoteOrder,
        ordering=NEWEST_NOTES_FIRST,
    )
