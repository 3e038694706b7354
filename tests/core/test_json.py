"""The orjson-backed JSON provider answers the same documents as Flask's own (core.json)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid

from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext

from core.json import JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    label: str


def _values():
    return {
        "text": "Ορεστιάδα, Хасково, București",
        "when": dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 11, 23),
        "id": uuid.UUID("01234567-89ab-7def-8123-456789abcdef"),
        "amount": decimal.Decimal("12.50"),
        "point": Point(1, "a"),
        "nested": [{"b": 2, "a": 1}, None, True, 1.5],
        "huge": 2**70,  # beyond orjson: falls back to json
    }


def test_same_document_as_flasks_provider(app):
    ours, flasks = JSONProvider(app), DefaultJSONProvider(app)
    with app.test_request_context():
        for value in (_values(), {"lazy": lazy_gettext("Sign in")}, [1, "x"], "plain", None):
            assert json.loads(ours.dumps(value)) == json.loads(flasks.dumps(value)), value


def test_keys_sorted_and_text_as_utf8(app):
    provider = JSONProvider(app)
    encoded = provider.dumps({"b": "Χασκόβο", "a": 1})
    assert encoded == '{"a":1,"b":"Χασκόβο"}'
    assert provider.dumps({3: "x", 1: "y"}) == '{"1":"y","3":"x"}'  # integer keys, as json writes them


def test_response_is_json_with_a_final_newline(app):
    provider = JSONProvider(app)
    with app.test_request_context():
        response = provider.response({"a": [1, 2]})
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"a":[1,2]}\n'
    assert app.json.__class__ is JSONProvider  # the platform's apps use it
