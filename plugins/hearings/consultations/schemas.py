"""marshmallow schemas of consultations and their articles (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.hearings.models import Status


class ArticleSchema(Schema):
    id = fields.UUID(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown"})
    version = fields.Integer(required=True)


class ConsultationSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    tags = fields.List(fields.String(), required=True, attribute="tag_list")
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    opens_at = fields.String(
        allow_none=True, required=True, metadata={"description": "ISO 8601, municipality's zone"}
    )
    closes_at = fields.String(allow_none=True, required=True)
    version = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    url = fields.String(required=True)


class ConsultationDetailSchema(ConsultationSchema):
    articles = fields.List(fields.Nested(ArticleSchema), required=True)
    open_for_comments = fields.Boolean(required=True)
    outcome_summary = fields.String(allow_none=True, required=True)
