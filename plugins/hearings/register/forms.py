"""The form for a recommendation received on paper, by e-mail or at the registry."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import lazy_gettext as _l


def channels():
    return [
        ("paper", _l("By post or on paper")),
        ("email", _l("By e-mail")),
        ("registry", _l("At the registry")),
    ]


class RecommendationForm(FlaskForm):
    channel = SelectField(_l("How it was received"), choices=channels)
    received_on = DateField(_l("Day received"), validators=[DataRequired()])
    sender_name = StringField(_l("Sender's name"), validators=[DataRequired(), Length(max=120)])
    organisation_name = StringField(
        _l("Organisation"),
        description=_l("If the sender wrote for an organisation."),
        validators=[Length(max=200)],
    )
    sender_contact = StringField(
        _l("Sender's address, e-mail or telephone"),
        description=_l("For the answer; never published."),
        validators=[Length(max=300)],
    )
    article_id = SelectField(_l("Article"), choices=[], validate_choice=False, validators=[Optional()])
    body = TextAreaField(_l("Text of the recommendation"), validators=[DataRequired(), Length(max=50000)])
    scan = FileField(_l("Scan of the letter (PDF, PNG or JPEG)"))
    submit = SubmitField(_l("Enter in the register"))
