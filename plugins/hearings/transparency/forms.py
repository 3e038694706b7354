"""Forms of the annual report: what only the municipality can say, and court actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import lazy_gettext as _l


class NotesForm(FlaskForm):
    self_assessment = TextAreaField(
        _l("f) The municipality's own assessment of its partnership with citizens and their associations"),
        validators=[Length(max=20000)],
    )
    closed_meetings = IntegerField(
        _l("g) Meetings that were not public"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    closed_meetings_reasons = TextAreaField(
        _l("Reasons the meetings were not public"), validators=[Length(max=20000)]
    )
    submit = SubmitField(_l("Save"))


class LegalActionForm(FlaskForm):
    filed_on = DateField(_l("Day filed"), validators=[DataRequired()])
    claimant = StringField(_l("Brought by"), validators=[DataRequired(), Length(max=300)])
    subject = TextAreaField(_l("What it is about"), validators=[DataRequired(), Length(max=20000)])
    court = StringField(_l("Court"), validators=[Length(max=300)])
    outcome = TextAreaField(_l("Where it stands"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Add the court action"))
