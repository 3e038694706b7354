"""marshmallow schemas of the moderation queue (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields

from plugins.hearings.comments.schemas import CommentSchema


class ModerationItemSchema(Schema):
    consultation_id = fields.UUID(required=True)
    comment = fields.Nested(CommentSchema, required=True)
    reports = fields.List(fields.String(), required=True)
