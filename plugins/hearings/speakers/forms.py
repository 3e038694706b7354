"""The request-to-speak form (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length

from core.toolkit import lazy_gettext as _l


class SpeakerForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    #: choices: plugins.hearings.common.organisation_choices (checked again by the service)
    organisation_id = SelectField(_l("On behalf of"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Ask to speak"))
