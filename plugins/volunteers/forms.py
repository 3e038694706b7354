"""The HTML forms (Flask-WTF: CSRF-protected; labels translated when rendered)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.toolkit import lazy_gettext as _l
from plugins.volunteers.models import TaskStatus
from plugins.volunteers.schemas import DESCRIPTION_LENGTH, MAX_CAPACITY, NOTE_LENGTH

#: what a browser's datetime-local control sends (first: what it is given back)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

STATUS_LABELS = {
    TaskStatus.DRAFT: _l("Draft (visible to coordinators only)"),
    TaskStatus.PUBLISHED: _l("Published (open for sign-ups)"),
    TaskStatus.CANCELLED: _l("Cancelled"),
}


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token (cancel, delete)."""


class FilterForm(FlaskForm):
    """The list's filters, in the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    skill = SelectField(_l("Skill"), validate_choice=False, validators=[Optional()])
    starts_after = DateField(_l("From"), validators=[Optional()])
    open_only = BooleanField(_l("Only shifts with free places"))
    include_past = BooleanField(_l("Include past tasks"))


class TaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        description=_l("What volunteers will do, and what to bring. Markdown: **bold**, lists, links."),
        validators=[Length(max=DESCRIPTION_LENGTH)],
    )
    place = StringField(_l("Place"), validators=[Length(max=200)])
    skills = StringField(
        _l("Skills wanted"),
        description=_l("Separate them with commas, e.g. first aid, driving licence, Arabic."),
        validators=[Length(max=600)],
    )
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), default=TaskStatus.DRAFT)
    submit = SubmitField(_l("Save the task"))


class ShiftForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMATS, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS, validators=[InputRequired()])
    capacity = IntegerField(
        _l("Places"),
        description=_l("How many volunteers the shift needs."),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)],
    )
    submit = SubmitField(_l("Save the shift"))


class SignupForm(FlaskForm):
    organisation_id = SelectField(_l("Signing up"), validate_choice=True)
    note = TextAreaField(
        _l("A note for the coordinator (optional)"),
        description=_l("For example: I can bring my car; I speak Arabic."),
        validators=[Length(max=NOTE_LENGTH)],
    )
    submit = SubmitField(_l("Sign up"))
