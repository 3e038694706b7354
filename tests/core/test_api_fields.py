"""The toolkit's API fields read JSON as the document types it."""

import pytest
from marshmallow import Schema, ValidationError

from core.toolkit import JSONBoolean


class _Flag(Schema):
    flag = JSONBoolean(required=True)


@pytest.mark.parametrize("value", [True, False])
def test_json_true_and_false_are_read(value):
    assert _Flag().load({"flag": value}) == {"flag": value}


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "off", None, 1.0])
def test_anything_but_a_json_boolean_is_refused(value):
    """marshmallow's Boolean took ``0`` as false: schemathesis found it on the registry."""
    with pytest.raises(ValidationError):
        _Flag().load({"flag": value})
