"""Comment forms (Flask-WTF): writing, editing, and a reason (reporting, hiding)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from core.toolkit import lazy_gettext as _l


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired()])
    article_id = HiddenField()
    parent_id = HiddenField()
    organisation_id = SelectField(_l("Write as"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Publish comment"))


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired()])
    submit = SubmitField(_l("Save changes"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Send"))
