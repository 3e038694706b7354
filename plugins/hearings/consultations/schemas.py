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
    intended_adoption_on = fields.String(
        allow_none=True, required=True, metadata={"description": "ISO date, the municipality's calendar"}
    )


class LawExceptionSchema(Schema):
    kind = fields.String(
        required=True, metadata={"description": "short_period, adoption_notice or missing_documents"}
    )
    rule_set = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "Published with the consultation"})
    at = fields.String(required=True)


class ConsultationChangeSchema(Schema):
    at = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "status or date"})
    field = fields.String(allow_none=True, required=True)
    old = fields.String(allow_none=True, required=True)
    new = fields.String(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)


class ConsultationDetailSchema(ConsultationSchema):
    articles = fields.List(fields.Nested(ArticleSchema), required=True)
    open_for_comments = fields.Boolean(required=True)
    outcome_summary = fields.String(allow_none=True, required=True)
    rule_set = fields.String(required=True, metadata={"description": "RO, BG or GR"})
    exceptions = fields.List(fields.Nested(LawExceptionSchema), required=True)
    history = fields.List(fields.Nested(ConsultationChangeSchema), required=True)


class ConsultationWriteSchema(Schema):
    """Creating a consultation or changing one (staff); times in the municipality's zone."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    summary = fields.String(load_default="", validate=validate.Length(max=20000))
    tags = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)
    opens_at = fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "Without an offset: the municipality's zone"},
    )
    closes_at = fields.DateTime(load_default=None, allow_none=True)
    intended_adoption_on = fields.Date(load_default=None, allow_none=True)
    draft = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500000),
        metadata={"description": "Markdown"},
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "Why the dates change, or why the law's exception applies; published"},
    )


class StatusActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["schedule", "open", "close"]))
    reason = fields.String(load_default="", validate=validate.Length(max=5000))
