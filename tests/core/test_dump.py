"""Compiled dumps answer exactly what marshmallow's ``Schema.dump`` answers (core.dump).

Every response schema the platform and its plugins declare is compiled by ``ApiBlueprint``; each is
held to ``Schema.dump`` on generated objects (attributes present, missing, None, of the wrong type),
and a set of schemas covers the edges: data keys, dotted attributes, defaults, mappings, hooks,
method fields, nested schemas, ordered output.
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import re
import types
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, missing, post_dump, pre_dump

from core.dump import compile_dump, compiled_schemas


class TextSubclass(str):
    def __str__(self) -> str:
        return "subclass:" + super().__str__()


class NumberLike(int):
    """An int subclass: marshmallow's Integer turns it into a plain int."""


VALUES = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.builds(TextSubclass, st.text(max_size=5)),
    st.binary(max_size=8).map(lambda b: b.hex().encode()),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.builds(NumberLike, st.integers(-5, 5)),
    st.booleans(),
    st.floats(allow_nan=False),
    st.uuids(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.dates(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def outcome(dump, obj: Any, many: bool) -> tuple[Any, ...]:
    """The result, with every value's type (1 == True in Python, not in JSON), or the error."""
    try:
        return ("ok", typed(dump(obj, many=many)))
    except Exception as error:  # raising the same error is the expected behaviour too
        return ("error", type(error), str(error))


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def typed(value: Any) -> Any:
    """Values with their types; a repr's memory address dropped (two copies of an object differ there)."""
    if isinstance(value, str) and " at 0x" in value:
        return (type(value), _ADDRESS.sub(">", value))
    if isinstance(value, dict):
        return (type(value), [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value), [typed(item) for item in value])
    return (type(value), value)


def assert_same_as_marshmallow(schema: Schema, compiled, obj: Any) -> None:
    """Each side dumps its own copy: reading a ``defaultdict`` changes it."""
    for many, value in ((False, obj), (True, [obj, obj])):
        expected = outcome(lambda o, many: Schema.dump(schema, o, many=many), copy.deepcopy(value), many)
        assert outcome(compiled, copy.deepcopy(value), many) == expected


def objects_for(schema: Schema):
    """Objects with some of the schema's attributes, of any type, as attributes or as a dict."""
    names = sorted(
        set(schema.dump_fields) | {f.attribute for f in schema.dump_fields.values() if f.attribute}
    )
    attributes = st.dictionaries(st.sampled_from(names), VALUES) if names else st.just({})
    return st.one_of(
        attributes.map(lambda attrs: types.SimpleNamespace(**attrs)),
        attributes,
    )


def test_the_platforms_response_schemas_are_compiled(app):
    """Core's, the operator console's and the plugins' response schemas all take the fast path."""
    compiled = {type(schema).__name__ for schema in compiled_schemas}
    assert {"TenantSchema", "MeSchema", "NoteSchema"} <= compiled, compiled
    assert any(type(schema).__module__.startswith("plugins.") for schema in compiled_schemas), compiled


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_response_schema_dumps_as_marshmallow_does(app, data):
    schemas = sorted(compiled_schemas, key=lambda s: (type(s).__module__, type(s).__qualname__, s.many))
    schema = data.draw(st.sampled_from(schemas), label="schema")
    obj = data.draw(objects_for(schema), label="object")
    assert_same_as_marshmallow(schema, compile_dump(schema), obj)


class Tag(Schema):
    label = fields.String()


class EdgeSchema(Schema):
    id = fields.UUID()
    title = fields.String(data_key="heading")
    count = fields.Integer(dump_default=7)
    count_text = fields.Integer(as_string=True, attribute="count", dump_only=True)
    made = fields.DateTime(dump_default=lambda: dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    city = fields.String(attribute="place.city")
    flag = fields.Boolean()
    shout = fields.Method("make_shout")
    length = fields.Function(lambda obj: len(getattr(obj, "title", "") or ""))
    tags = fields.List(fields.Nested(Tag))
    first_tag = fields.Nested(Tag, allow_none=True)
    price = fields.Decimal(as_string=True)
    secret = fields.String(load_only=True)

    def make_shout(self, obj: Any) -> str:
        return str(getattr(obj, "title", "")).upper()


class Mapping:
    """Has ``__getitem__``: marshmallow reads ``obj[key]`` before the attribute."""

    title = "from the attribute"

    def __getitem__(self, key: str) -> Any:
        if key == "count":
            return 3
        raise KeyError(key)


EDGE_OBJECTS = [
    types.SimpleNamespace(
        id=uuid.UUID("01234567-89ab-7def-8123-456789abcdef"),
        title="Ορεστιάδα",
        count=2,
        made=None,
        place=types.SimpleNamespace(city="Haskovo"),
        flag="yes",
        tags=[types.SimpleNamespace(label="a"), {"label": "b"}],
        first_tag=None,
        price=__import__("decimal").Decimal("1.50"),
        secret="never shown",
    ),
    types.SimpleNamespace(title=b"bytes", count=True, flag=0, place={"city": "Bucharest"}),
    types.SimpleNamespace(id="not-a-uuid-object", title=TextSubclass("x"), count=NumberLike(4)),
    {"title": "a dict", "count": 5, "place": {"city": "x"}},
    {"title": missing, "count": None, "id": "01234567-89ab-7def-8123-456789abcdef"},
    collections.defaultdict(lambda: "made up", {"title": "a defaultdict"}),
    collections.OrderedDict(title="an ordered dict", count=1),
    Mapping(),
    types.SimpleNamespace(),
    None,
]


@pytest.mark.parametrize("obj", EDGE_OBJECTS, ids=range(len(EDGE_OBJECTS)))
def test_edge_cases_dump_as_marshmallow_does(obj):
    for schema in (EdgeSchema(), EdgeSchema(only=("title", "count")), EdgeSchema(exclude=("shout",))):
        compiled = compile_dump(schema)
        assert compiled is not None
        assert_same_as_marshmallow(schema, compiled, obj)


def test_keys_named_like_dict_methods_read_as_marshmallow_reads_them():
    """For a dict without the key, marshmallow falls back to the attribute: ``items`` is then the
    dict's own method (as odd as it is, the compiled dump gives the same)."""

    class Named(Schema):
        items = fields.String()
        keys = fields.Raw()
        label = fields.String()

    schema = Named()
    compiled = compile_dump(schema)
    for obj in (
        {"label": "x"},
        {"items": "given", "keys": [1]},
        {},
    ):  # the same dict: methods are bound to it
        assert typed(compiled(obj)) == typed(Schema.dump(schema, obj))


def test_ordered_schemas_keep_their_dict_class():
    class Ordered(Schema):
        class Meta:
            ordered = True

        b = fields.String()
        a = fields.String()

    schema = Ordered()
    result = compile_dump(schema)(types.SimpleNamespace(a="1", b="2"))
    assert type(result) is collections.OrderedDict and list(result) == ["b", "a"]


def test_many_follows_the_schema_and_the_call():
    schema = Tag(many=True)
    compiled = compile_dump(schema)
    one = types.SimpleNamespace(label="x")
    assert compiled(iter([one, one])) == [{"label": "x"}] * 2  # any iterable, as marshmallow
    assert compiled(one, many=False) == {"label": "x"}
    assert compiled(None) == Schema.dump(schema, None) == {}


def test_schemas_with_hooks_or_overrides_are_left_to_marshmallow():
    class WithPreDump(Schema):
        label = fields.String()

        @pre_dump
        def strip(self, obj, **kwargs):
            return obj

    class WithPostDump(Schema):
        label = fields.String()

        @post_dump
        def wrap(self, data, **kwargs):
            return {"data": data}

    class WithAccessor(Schema):
        label = fields.String()

        def get_attribute(self, obj, attr, default):
            return "always"

    for cls in (WithPreDump, WithPostDump, WithAccessor):
        assert compile_dump(cls()) is None, cls


def test_field_subclasses_keep_their_own_serialisation():
    class Upper(fields.String):
        def _serialize(self, value, attr, obj, **kwargs):
            return None if value is None else str(value).upper()

    class Shouting(Schema):
        label = Upper()

    schema = Shouting()
    assert compile_dump(schema)(types.SimpleNamespace(label="quiet")) == {"label": "QUIET"}


def test_api_list_answers_what_marshmallow_makes_of_the_notes(app, tenant_factory, enable_plugin, client_for):
    """Through HTTP, the test plugin's notes list is marshmallow's dump of the same notes."""
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note
    from sympraxis_testplugin.plugin import NoteSchema

    from core.db import tenant_context
    from core.extensions import db
    from tests.core.notes import add_note

    tenant = tenant_factory()
    enable_plugin(tenant, "testplugin")
    for title in ("Πρώτη", "Второ", "Al treilea"):
        add_note(app, tenant, title)
    answer = client_for(tenant.primary_host).get("/api/v1/testplugin/notes")
    assert answer.status_code == 200
    with app.app_context(), tenant_context(tenant.id):
        notes = db.session.execute(sa.select(Note).order_by(Note.created_at)).scalars().all()
        expected = Schema.dump(NoteSchema(many=True), notes)
        db.session.remove()
    assert answer.get_json() == expected
    assert [note["title"] for note in expected] == ["Πρώτη", "Второ", "Al treilea"]
