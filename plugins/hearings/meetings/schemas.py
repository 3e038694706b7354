"""marshmallow schemas of meetings (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.hearings.models import MeetingKind


class LinkedSurveySchema(Schema):
    """A survey of the surveys plugin that takes a meeting's feedback."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)


class FeedbackSurveyWriteSchema(Schema):
    """Link a survey for the feedback (or unlink it with null)."""

    survey_id = fields.UUID(
        required=True,
        allow_none=True,
        metadata={"description": "A published survey of this municipality; null unlinks."},
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
    feedback_survey = fields.Nested(
        LinkedSurveySchema,
        allow_none=True,
        required=True,
        metadata={
            "description": "The survey that takes the feedback after the meeting; null when none is "
            "linked or it is no longer published (the built-in feedback form serves then)."
        },
    )
