"""The meeting form (Flask-WTF). Rules live in services; forms parse input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from core.toolkit import lazy_gettext as _l
from plugins.hearings.fields import DATETIME_FORMATS


def kinds():
    return [("hearing", _l("Public hearing")), ("forum", _l("Civic forum")), ("workshop", _l("Workshop"))]


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=kinds)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMATS, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends at"), format=DATETIME_FORMATS, validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1), NumberRange(max=1_000_000)],
        description=_l("Leave empty for no limit."),
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    agenda = TextAreaField(_l("Agenda"), description=_l("Markdown."), validators=[Length(max=50000)])
    speaker_minutes = IntegerField(
        _l("Minutes per speaker"), default=5, validators=[NumberRange(min=1, max=120)]
    )
    programme_id = SelectField(_l("Programme"), coerce=str, validate_choice=False)
    consultation_id = SelectField(_l("Related consultation"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Save"))
