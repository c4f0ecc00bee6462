"""Inputs of account mutations, derived from the stored model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.accounts.documents import Account
from app.graphql.modeled import input_type

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    AccountUpdateInput = Any
else:
    AccountUpdateInput = input_type(Account, name="AccountUpdateInput", patch=True)
