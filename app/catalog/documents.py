"""Skills and tags: short lists an agency defines once and uses across its records."""

from __future__ import annotations

from pydantic import Field

from app.common.documents import CareDocument, SoftDeletable, by_account

COLOR = r"^#[0-9a-fA-F]{6}$"


class Skill(CareDocument, SoftDeletable):
    """A skill caregivers can have and patients can need, such as Dementia care."""

    title: str = Field(min_length=1, max_length=100, description="The skill's name.")
    description: str | None = Field(None, max_length=1000, description="What it covers.")
    color: str | None = Field(None, pattern=COLOR, description="Hex colour shown with it.")

    class Settings:
        name = "skills"
        indexes = [by_account("_search.title", unique=True), by_account("_search.name")]


class Tag(CareDocument, SoftDeletable):
    """A label put on progress notes and other records, such as Fall risk."""

    name: str = Field(min_length=1, max_length=60, description="The tag's name.")
    color: str | None = Field(None, pattern=COLOR, description="Hex colour shown with it.")
    description: str | None = Field(None, max_length=500, description="When to use it.")

    class Settings:
        name = "tags"
        indexes = [by_account("_search.title", unique=True), by_account("_search.name")]
