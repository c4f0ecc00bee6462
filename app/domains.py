"""The domain packages, in the order their demo data is built, and what each one offers.

Each package has the same files (documents, types, inputs, queries, mutations, services, and
demo for demo data); the document list and the seed find them here. The schema lists its
parts itself (app/graphql/schema.py) and checks here that it left none out.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

DOMAINS = (
    "accounts", "audit", "catalog", "people", "identity", "patients", "files", "scheduling",
    "visits", "billing", "payroll", "conversations", "tickets", "live",
)  # fmt: skip


def modules(kind: str) -> list[ModuleType]:
    """Each domain's module of that kind (`queries`, `mutations`, `documents`, `demo`)."""
    found = []
    for domain in DOMAINS:
        try:
            found.append(importlib.import_module(f"app.{domain}.{kind}"))
        except ModuleNotFoundError as missing:
            if missing.name != f"app.{domain}.{kind}" and missing.name != f"app.{domain}":
                raise
    return found


def classes_named(kind: str, suffix: str) -> dict[str, type]:
    """The strawberry types that each domain's `kind` module holds under a name ending so, by
    where they are found (`app.catalog.queries.CatalogQueries`)."""
    found: dict[str, type] = {}
    for module in modules(kind):
        for name, cls in vars(module).items():
            is_type = inspect.isclass(cls) and hasattr(cls, "__strawberry_definition__")
            if is_type and name.endswith(suffix) and cls not in found.values():
                found[f"{module.__name__}.{name}"] = cls
    return found
