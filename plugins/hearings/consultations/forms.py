"""The consultation form (Flask-WTF). Rules live in services; forms parse input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import lazy_gettext as _l
from plugins.hearings.fields import DATETIME_FORMATS


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=20000)])
    tags = StringField(
        _l("Topics"), description=_l("Separate topics with commas."), validators=[Length(max=500)]
    )
    opens_at = DateTimeLocalField(
        _l("Opens at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("In the municipality's time zone."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("In the municipality's time zone."),
    )
    draft = TextAreaField(
        _l("Draft"),
        description=_l("Markdown. Each heading (## Article 1. Title) starts a new article."),
        validators=[Length(max=500000)],
    )
    draft_file = FileField(_l("Or import a Markdown or text file"))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))
