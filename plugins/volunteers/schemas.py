"""The API's schemas and the per-municipality settings (the admin's form is generated from it)."""

from marshmallow import Schema, fields, validate

from core.toolkit import UTCDateTimeField, lazy_gettext


class ItemSchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=10_000))
    created_at = UTCDateTimeField(dump_only=True)  # OpenAPI date-time, with its offset


class SettingsSchema(Schema):
    items_per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=200),
        metadata={
            "title": lazy_gettext("Items per page"),
            "description": lazy_gettext("How many items the page lists at most."),
        },
    )
