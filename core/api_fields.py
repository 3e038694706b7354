"""Marshmallow fields for API bodies that read JSON as the OpenAPI document says it is typed."""

from marshmallow import fields


class JSONBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only.

    marshmallow's ``Boolean`` also takes ``0``, ``1``, ``"yes"`` and ``"off"``, which a
    ``type: boolean`` in the document does not admit: schemathesis sent ``{"opted_in": 0}`` and
    it was taken as ``false``. Query-string flags (``?open_only=true``) arrive as text and keep
    using ``fields.Boolean``.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value
