"""marshmallow schemas of the hearings plugin: settings and the JSON API (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.hearings.models import ACCESSIBILITY_NEEDS, MeetingKind, Outcome, Status


class SettingsSchema(Schema):
    """Per-municipality settings (``plugin_settings("hearings")``)."""

    guests_may_register = fields.Boolean(
        load_default=True,
        metadata={"description": "Whether people without an account may register (by email)."},
    )
    comment_max_length = fields.Integer(
        load_default=5000,
        validate=validate.Range(min=100, max=50000),
        metadata={"description": "Longest comment, in characters."},
    )
    comments_per_hour = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "How many comments one account may write in an hour."},
    )
    feedback_public = fields.Boolean(
        load_default=False, metadata={"description": "Whether meeting feedback results are public."}
    )


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


class CommentSchema(Schema):
    id = fields.UUID(required=True)
    article_id = fields.UUID(allow_none=True, required=True)
    parent_id = fields.UUID(allow_none=True, required=True)
    version = fields.Integer(required=True)
    author = fields.String(required=True)
    organisation = fields.String(allow_none=True, required=True)
    body = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "published, hidden or withdrawn"})
    hidden_reason = fields.String(allow_none=True, required=True)
    created_at = fields.String(required=True)
    edited_at = fields.String(allow_none=True, required=True)
    outcome = fields.String(
        allow_none=True, required=True, validate=validate.OneOf([o.value for o in Outcome])
    )
    outcome_reason = fields.String(allow_none=True, required=True)


class CommentCreateSchema(Schema):
    body = fields.String(required=True)
    article_id = fields.UUID(load_default=None, allow_none=True)
    parent_id = fields.UUID(load_default=None, allow_none=True)
    organisation_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Comment on behalf of this organisation"}
    )


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


class RegistrationCreateSchema(Schema):
    organisation_name = fields.String(load_default="", validate=validate.Length(max=200))
    accessibility = fields.List(
        fields.String(validate=validate.OneOf(ACCESSIBILITY_NEEDS)), load_default=list
    )
    accessibility_other = fields.String(load_default="", validate=validate.Length(max=300))


class RegistrationSchema(Schema):
    id = fields.UUID(required=True)
    meeting_id = fields.UUID(required=True)
    status = fields.String(
        required=True, metadata={"description": "pending, confirmed, waiting or cancelled"}
    )
    name = fields.String(required=True)
    organisation_name = fields.String(required=True)


class SpeakerSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    organisation_name = fields.String(required=True)
    topic = fields.String(required=True)
    position = fields.Integer(required=True)
    status = fields.String(required=True)


class ProgrammeSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    meeting_ids = fields.List(fields.UUID(), required=True)


class AttendeeSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    organisation_name = fields.String(required=True)
    accessibility = fields.Function(lambda r: [x for x in r.accessibility.split(",") if x], required=True)
    accessibility_other = fields.String(required=True)
    status = fields.String(required=True)
    checked_in_at = fields.DateTime(allow_none=True, required=True)


class FeedbackSummarySchema(Schema):
    count = fields.Integer(required=True)
    overall = fields.Float(allow_none=True, required=True)
    organisation = fields.Float(allow_none=True, required=True)
    usefulness = fields.Float(allow_none=True, required=True)
    texts = fields.List(fields.String(), required=True)


class ModerationItemSchema(Schema):
    consultation_id = fields.UUID(required=True)
    comment = fields.Nested(CommentSchema, required=True)
    reports = fields.List(fields.String(), required=True)
