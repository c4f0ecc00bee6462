"""Records are stored exactly as Beanie's encoder would write them: the faster encoder
(app/common/encoding.py) is compared with Beanie's on stored records of every kind."""

from __future__ import annotations

import pytest

from app.common.encoding import beanie_encoder, encode_model
from app.common.services import decode
from app.db import Database, document_models
from tests.factories import small_demo_of_last_week


async def test_every_kind_of_record_encodes_as_beanie_encodes_it(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo agency: every record type, linked, with money, dates, codes and snapshots
    account, _ = await small_demo_of_last_week(database, monkeypatch)
    compared = 0
    for model in document_models():
        collection = database.db[model.Settings.name]  # type: ignore[attr-defined]
        async for stored in collection.find({"_account": account["_id"]}, limit=60):
            # when a stored record is read into its model and encoded again
            document = model.model_validate(decode(stored))
            # then both encoders write the same document, key for key and type for type
            ours, beanies = encode_model(document), beanie_encoder.encode(document)
            assert ours == beanies, (model.__name__, stored["_id"])
            assert _types(ours) == _types(beanies), (model.__name__, stored["_id"])
            compared += 1
    assert compared > 250


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)
