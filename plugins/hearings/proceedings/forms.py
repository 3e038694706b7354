"""The minutes form (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from core.toolkit import lazy_gettext as _l


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), description=_l("Markdown."), validators=[DataRequired()])
    submit = SubmitField(_l("Publish the minutes"))
