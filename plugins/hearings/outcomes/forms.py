"""Outcome forms (Flask-WTF): answering a comment, publishing the summary."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from core.toolkit import lazy_gettext as _l


def outcomes():
    return [
        ("accepted", _l("Accepted")),
        ("partly", _l("Partly accepted")),
        ("not_accepted", _l("Not accepted")),
        ("out_of_scope", _l("Out of scope")),
    ]


class AnswerForm(FlaskForm):
    outcome = SelectField(_l("Answer"), choices=outcomes)
    reason = TextAreaField(_l("Reasoning"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save answer"))


class OutcomeForm(FlaskForm):
    summary = TextAreaField(_l("Summary of the outcome"), validators=[Length(max=50000)])
    submit = SubmitField(_l("Publish the outcome"))
