"""marshmallow dumps for API responses, compiled once per schema: the same documents, for less work.

A list endpoint spends about a fifth of its CPU in ``Schema.dump``. For every object and every
field, marshmallow calls ``Field.serialize``, ``Field.get_value``, ``Schema.get_attribute``,
``utils.get_value`` and ``utils._get_value_for_key`` before ``getattr``, then ``Field._serialize``:
six Python calls to read one attribute. :func:`compile_dump` writes, once per schema instance, one
function per schema that reads each attribute with ``getattr`` and hands the value to the field's
own ``_serialize``; a ``str`` for a ``String``, an ``int`` for an ``Integer`` and a ``UUID`` for a
``UUID`` field are passed through (or ``str()``-ed) in line, which is what their ``_serialize``
returns. Everything else is left to marshmallow itself:

- a plain ``dict`` is read as marshmallow reads it: ``obj[key]``, and the attribute only when the
  key is not there; any other object that has ``__getitem__`` (a row, a mapping, a ``dict``
  subclass such as ``defaultdict``, whose ``obj[key]`` may answer for a missing key) is dumped by
  the schema's own ``_serialize``;
- a dotted ``attribute`` is read with marshmallow's ``utils.get_value``;
- a field whose class overrides ``serialize`` or ``get_value``, or that reads no attribute
  (``Method``, ``Function``), is serialized by its own ``serialize``;
- a schema with ``pre_dump`` or ``post_dump`` hooks, or whose class overrides ``dump``,
  ``_serialize`` or ``get_attribute``, is not compiled.

:class:`ApiBlueprint` compiles the schema of every response it declares (core's and every
plugin's); ``tests/core/test_dump.py`` holds each of them, and a set of edge cases, to be equal to
``Schema.dump``.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable
from typing import Any

import flask_smorest
from flask_smorest.utils import resolve_schema_instance
from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value

#: Classes known to have no ``__getitem__``: marshmallow reads their attributes with ``getattr``.
_ATTRIBUTE_ONLY_TYPES: set[type] = set()

#: Every schema instance compiled so far (for the equivalence tests).
compiled_schemas: weakref.WeakSet[Schema] = weakref.WeakSet()

#: Field classes whose usual value is serialized in line: the condition on the value, and the
#: expression marshmallow's ``_serialize`` returns for it (any other value goes to ``_serialize``).
_IN_LINE: dict[type, tuple[str, str]] = {
    fields.String: ("_type(v) is _str", "v"),
    fields.UUID: ("_type(v) is _UUID", "_str(v)"),
    fields.Integer: ("_type(v) is _int", "v"),
}


def _schema_is_compilable(schema: Schema) -> bool:
    cls = type(schema)
    return (
        cls.dump is Schema.dump
        and cls._serialize is Schema._serialize
        and cls.get_attribute is Schema.get_attribute
        and not schema._hooks[PRE_DUMP]
        and not schema._hooks[POST_DUMP]
    )


def _reads_attribute_itself(field: fields.Field) -> bool:
    """Whether ``field.serialize`` is marshmallow's own: read the attribute, then ``_serialize``."""
    cls = type(field)
    return (
        cls.serialize is fields.Field.serialize
        and cls.get_value is fields.Field.get_value
        and bool(field._CHECK_ATTRIBUTE)
    )


def compile_dump(schema: Schema) -> Callable[..., Any] | None:
    """A function with ``Schema.dump``'s signature and results for ``schema``; None if the schema
    is outside what the compiled form covers (see the module docstring)."""
    if not _schema_is_compilable(schema):
        return None
    namespace: dict[str, Any] = {
        "_type": type,
        "_str": str,
        "_int": int,
        "_UUID": uuid.UUID,
        "_hasattr": hasattr,
        "_getattr": getattr,
        "_missing": missing,
        "_get_value": get_value,
        "_attribute_only": _ATTRIBUTE_ONLY_TYPES,
        "_dict": dict,
        "_serialize_with_marshmallow": schema._serialize,
        "_get_attribute": schema.get_attribute,
        "_dict_class": schema.dict_class,
    }
    new_result = "{}" if schema.dict_class is dict else "_dict_class()"
    lines = [
        "def dump_one(obj):",
        "    cls = _type(obj)",
        "    if cls is _dict:",
        "        return dump_dict(obj)",
        "    if cls not in _attribute_only:",
        "        if _hasattr(cls, '__getitem__'):",
        "            return _serialize_with_marshmallow(obj)",
        "        _attribute_only.add(cls)",
        f"    ret = {new_result}",
        *_field_lines(schema, namespace, "_getattr(obj, {key!r}, _missing)"),
        "    return ret",
        "",
        "def dump_dict(obj):",
        f"    ret = {new_result}",
        # marshmallow reads obj[key], and the attribute only when the key is not there
        *_field_lines(
            schema, namespace, "obj[{key!r}] if {key!r} in obj else _getattr(obj, {key!r}, _missing)"
        ),
        "    return ret",
    ]
    source = "\n".join(lines)
    exec(compile(source, f"<compiled dump of {type(schema).__name__}>", "exec"), namespace)  # noqa: S102
    dump_one = namespace["dump_one"]

    def dump(obj: Any, *, many: bool | None = None) -> Any:
        many = schema.many if many is None else bool(many)
        if many and obj is not None:
            return [dump_one(item) for item in obj]
        return dump_one(obj)

    compiled_schemas.add(schema)
    return dump


def _field_lines(schema: Schema, namespace: dict[str, Any], read: str) -> list[str]:
    """The body that fills ``ret`` from ``obj``, one field after another; ``read`` is the expression
    that reads an undotted key (``{key!r}`` is replaced)."""
    lines: list[str] = []
    for index, (attr_name, field) in enumerate(schema.dump_fields.items()):
        field_name = f"_field{index}"
        namespace[field_name] = field
        key = field.data_key if field.data_key is not None else attr_name
        if not _reads_attribute_itself(field):
            lines += [
                f"    v = {field_name}.serialize({attr_name!r}, obj, accessor=_get_attribute)",
                "    if v is not _missing:",
                f"        ret[{key!r}] = v",
            ]
            continue
        check_key = attr_name if field.attribute is None else field.attribute
        if "." in check_key:
            lines.append(f"    v = _get_value(obj, {check_key!r}, _missing)")
        else:
            lines.append("    v = " + read.format(key=check_key))
        default = field.dump_default
        if default is not missing:
            default_name = f"_default{index}"
            namespace[default_name] = default
            call = "()" if callable(default) else ""
            lines += ["    if v is _missing:", f"        v = {default_name}{call}"]
        serialized = f"{field_name}._serialize(v, {attr_name!r}, obj)"
        in_line = _IN_LINE.get(type(field))
        if in_line is not None and not getattr(field, "as_string", False):
            condition, value = in_line
            serialized = f"{value} if {condition} else {serialized}"
        lines += ["    if v is not _missing:", f"        ret[{key!r}] = {serialized}"]
    return lines


def use_compiled_dump(schema: Schema) -> None:
    """Make ``schema.dump`` the compiled form (an attribute of this instance only), if it has one."""
    compiled = compile_dump(schema)
    if compiled is not None:
        schema.dump = compiled  # type: ignore[method-assign]


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's ``Blueprint``, whose declared responses are dumped by :func:`compile_dump`.

    The blueprint of every API of the platform, core and plugins (``core.toolkit.ApiBlueprint``).
    """

    def response(self, status_code: int | str, schema: Any = None, **kwargs: Any) -> Any:
        if schema is not None:
            schema = resolve_schema_instance(schema)
            if isinstance(schema, Schema):
                use_compiled_dump(schema)
        return super().response(status_code, schema, **kwargs)
