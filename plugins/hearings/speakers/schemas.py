"""marshmallow schemas of speaker requests (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields


class SpeakerSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    organisation_id = fields.Integer(allow_none=True, required=True)
    organisation_name = fields.String(required=True)
    topic = fields.String(required=True)
    position = fields.Integer(required=True)
    status = fields.String(required=True)
