"""marshmallow schemas of the feedback aggregate (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields


class FeedbackSummarySchema(Schema):
    count = fields.Integer(required=True)
    overall = fields.Float(allow_none=True, required=True)
    organisation = fields.Float(allow_none=True, required=True)
    usefulness = fields.Float(allow_none=True, required=True)
    texts = fields.List(fields.String(), required=True)
