"""From GraphQL inputs to service data: unset fields dropped, global IDs decoded and typed."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry
from pydantic import BaseModel

from app.common.codes import Permission
from app.common.documents import field_extra, nested_model
from app.common.services import Actor
from app.common.text import camel
from app.errors import ErrorCode, Problem, ServiceError
from app.graphql.context import Info
from app.graphql.relay import key_of


def actor_of(info: Info, permission: Permission | None = None) -> Actor:
    """The writer of a mutation, after checking its role may do this."""
    caller = info.context.caller
    if caller is None:
        raise ServiceError.one("Sign in first.", ErrorCode.FORBIDDEN)
    if permission is not None and not caller.may(permission):
        raise ServiceError.one(
            f"Your role ({caller.role}) may not do this: it needs {permission.name}.",
            ErrorCode.FORBIDDEN,
        )
    return info.context.actor


def decode_global_id(value: str, type_name: str, field: str) -> Any:
    """The stored id behind a global ID of the given type, or a user error."""
    key = key_of(value, type_name)
    if key is None:
        raise ServiceError(Problem(f"Not a {type_name} id.", ErrorCode.INVALID, field))
    return key


def input_data(value: Any, model: type[BaseModel] | None = None, path: str = "input") -> Any:
    """Plain data from an input object; set fields only, references decoded per the model."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is strawberry.UNSET:
                continue
            info = model.model_fields.get(field.name) if model is not None else None
            extra = field_extra(info)
            where = f"{path}.{camel(field.name)}"
            if extra.get("ref") and item is not None:
                items = item if isinstance(item, list) else [item]
                ids = [decode_global_id(i, str(extra["ref"]), where) for i in items]
                data[field.name] = ids if isinstance(item, list) else ids[0]
            else:
                data[field.name] = input_data(item, nested_model(info), where)
        return data
    if isinstance(value, list):
        return [input_data(item, model, path) for item in value]
    return value
