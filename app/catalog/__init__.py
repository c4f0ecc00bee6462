"""The account's vocabularies: skills caregivers have and patients need, and tags for notes."""
