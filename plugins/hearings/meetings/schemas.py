"""marshmallow schemas of meetings (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.hearings.models import MeetingKind


class MeetingSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in MeetingKind]))
    title = fields.String(required=True)
    description = fields.String(required=True)
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    place = fields.String(required=True)
    online_url = fields.String(required=True)
    capacity = fields.Integer(allow_none=True, required=True)
    seats_taken = fields.Integer(required=True)
    registration_open = fields.Boolean(required=True)
    agenda = fields.String(required=True)
    programme_id = fields.UUID(allow_none=True, required=True)
    consultation_id = fields.UUID(allow_none=True, required=True)
    finished = fields.Boolean(required=True)
    minutes = fields.String(allow_none=True, required=True)
    url = fields.String(required=True)
