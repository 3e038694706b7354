"""marshmallow schemas of programmes (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProgrammeSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    meeting_ids = fields.List(fields.UUID(), required=True)
