"""The consultation form (Flask-WTF). Rules live in services; forms parse input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
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
    intended_adoption_on = DateField(
        _l("Intended adoption date"),
        validators=[Optional()],
        description=_l("When the act is meant to be adopted: the law counts its notice back from this day."),
    )
    reason = TextAreaField(
        _l("Reason for the change or for an exception"),
        validators=[Length(max=5000)],
        description=_l(
            "Published with the consultation: why the dates change, or why the law's exception applies (a shorter period, a missing document)."
        ),
    )
    draft = TextAreaField(
        _l("Text of the draft"),
        description=_l("Markdown. Each heading (## Article 1. Title) starts a new article."),
        validators=[Length(max=500000)],
    )
    draft_file = FileField(_l("Or import a Markdown or text file"))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


class StatusForm(FlaskForm):
    """Scheduling, opening or closing, with the reason where the law allows an exception."""

    reason = TextAreaField(
        _l("Reason (published with the consultation)"),
        validators=[Length(max=5000)],
        description=_l(
            "Needed only where the law allows an exception: a shorter period, a missing document."
        ),
    )
