"""The API's schemas (explicit field lists) and the per-municipality settings (the admin's form
is generated from ``SettingsSchema``)."""

import datetime as dt

from marshmallow import Schema, fields, validate

from core.toolkit import JSONBoolean, UTCDateTimeField, lazy_gettext
from plugins.volunteers.models import SignupStatus, TaskStatus

MAX_SKILLS = 10
SKILL_LENGTH = 50
NOTE_LENGTH = 500
DESCRIPTION_LENGTH = 20_000
MAX_CAPACITY = 1000
MAX_SHIFT = dt.timedelta(hours=24)
#: datetimes outside these years are refused (a typo, or a value no calendar needs)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class SettingsSchema(Schema):
    """What each municipality decides (``plugin_settings("volunteers")``)."""

    reminder_hours = fields.Integer(
        load_default=24,
        validate=validate.Range(min=1, max=168),
        metadata={
            "title": lazy_gettext("Reminder, hours before the shift"),
            "description": lazy_gettext(
                "Volunteers get one reminder by email this many hours before their shift."
            ),
        },
    )
    organisations_may_sign_up = fields.Boolean(
        load_default=True,
        metadata={
            "title": lazy_gettext("Organisations may sign up volunteers"),
            "description": lazy_gettext(
                "Members of an affiliated organisation may sign up on its behalf, and the hours count for it too."
            ),
        },
    )
    max_signups_per_week = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=50),
        metadata={
            "title": lazy_gettext("Sign-ups per person per week"),
            "description": lazy_gettext(
                "The most shifts one person may take in a calendar week; 0 for no limit."
            ),
        },
    )


class ShiftSchema(Schema):
    """A shift as the API shows it; ``starts_at``/``ends_at`` with their offset (UTC)."""

    id = fields.UUID(dump_only=True)
    task_id = fields.UUID(dump_only=True)
    starts_at = UTCDateTimeField(required=True)
    ends_at = UTCDateTimeField(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_CAPACITY))
    taken = fields.Integer(dump_only=True, metadata={"description": "Places taken by sign-ups."})
    places_left = fields.Integer(dump_only=True)


class TaskSchema(Schema):
    """A task; its shifts are listed (read-only) with each task."""

    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(
        load_default="",
        validate=validate.Length(max=DESCRIPTION_LENGTH),
        metadata={"description": "Markdown"},
    )
    place = fields.String(load_default="", validate=validate.Length(max=200))
    skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=SKILL_LENGTH)),
        load_default=list,
        validate=validate.Length(max=MAX_SKILLS),
    )
    status = fields.String(load_default=TaskStatus.DRAFT, validate=validate.OneOf(TaskStatus.ALL))
    created_at = UTCDateTimeField(dump_only=True)
    updated_at = UTCDateTimeField(dump_only=True)
    shifts = fields.List(fields.Nested(ShiftSchema), dump_only=True)


class TaskUpdateSchema(Schema):
    """A partial change of a task (PATCH): only the fields given change."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_LENGTH))
    place = fields.String(validate=validate.Length(max=200))
    skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=SKILL_LENGTH)),
        validate=validate.Length(max=MAX_SKILLS),
    )
    status = fields.String(validate=validate.OneOf(TaskStatus.ALL))


class TaskQuerySchema(Schema):
    """The list's filters."""

    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Words in the title, place or description."},
    )
    skill = fields.String(validate=validate.Length(max=SKILL_LENGTH))
    starts_after = UTCDateTimeField(
        metadata={"description": "Only tasks with a shift starting after this time."}
    )
    open_only = fields.Boolean(load_default=False, metadata={"description": "Only tasks with a free place."})
    include_past = fields.Boolean(
        load_default=False, metadata={"description": "Tasks whose shifts are all over too, with every shift."}
    )


class SignupCreateSchema(Schema):
    """Sign the token's owner up; ``organisation_id`` to do it on behalf of an organisation."""

    organisation_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_LENGTH))


class SignupSchema(Schema):
    """A sign-up, with what a volunteer or a coordinator needs to read it on its own."""

    id = fields.UUID(required=True)
    shift_id = fields.UUID(required=True)
    task_id = fields.UUID(required=True)
    task_title = fields.String(required=True)
    starts_at = UTCDateTimeField(required=True)
    ends_at = UTCDateTimeField(required=True)
    volunteer = fields.String(allow_none=True, required=True, metadata={"description": "The person's name."})
    organisation_id = fields.Integer(allow_none=True, required=True)
    organisation = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(SignupStatus.ALL))
    note = fields.String(required=True)
    hours = fields.Float(allow_none=True, required=True)
    signed_up_at = UTCDateTimeField(required=True)


class AttendanceSchema(Schema):
    """The coordinator's record: attended (with the hours; the shift's length by default) or not."""

    attended = JSONBoolean(required=True)
    hours = fields.Float(
        allow_none=True,
        load_default=None,
        # hours are kept in hundredths: a smaller positive value would round to 0 and be refused
        validate=validate.Range(min=0.01, max=24),
        metadata={"description": "Hours given, from 0.01 to 24, kept to the hundredth (attended only)."},
    )


class VolunteerHistorySchema(Schema):
    """A volunteer's own record in this municipality."""

    total_hours = fields.Float(required=True)
    signups = fields.List(fields.Nested(SignupSchema), required=True)
