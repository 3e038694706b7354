"""The request-to-speak form (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length

from core.toolkit import lazy_gettext as _l


class SpeakerForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Ask to speak"))
