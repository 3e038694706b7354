"""marshmallow schemas of registrations and attendees (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.toolkit import JSONBoolean
from plugins.hearings.models import ACCESSIBILITY_NEEDS


class RegistrationCreateSchema(Schema):
    organisation_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={
            "description": "Register on behalf of this organisation: one you belong to that is "
            "affiliated with the municipality (another is refused with 403). Omitted or null: yourself."
        },
    )
    accessibility = fields.List(
        fields.String(validate=validate.OneOf(ACCESSIBILITY_NEEDS)), load_default=list
    )
    accessibility_other = fields.String(load_default="", validate=validate.Length(max=300))
    accessibility_consent = JSONBoolean(
        load_default=False,
        metadata={
            "description": "Required (true) with any accessibility need: the person agrees to the "
            "consent text the registration form shows, recorded in the request's language."
        },
    )


class RegistrationSchema(Schema):
    id = fields.UUID(required=True)
    meeting_id = fields.UUID(required=True)
    status = fields.String(
        required=True, metadata={"description": "pending, confirmed, waiting or cancelled"}
    )
    name = fields.String(required=True)
    organisation_id = fields.Integer(allow_none=True, required=True)
    organisation_name = fields.String(
        required=True, metadata={"description": "The organisation's name when the person registered"}
    )


class AttendeeSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    organisation_name = fields.String(required=True)
    accessibility = fields.Function(lambda r: [x for x in r.accessibility.split(",") if x], required=True)
    accessibility_other = fields.String(required=True)
    status = fields.String(required=True)
    checked_in_at = fields.DateTime(allow_none=True, required=True)
