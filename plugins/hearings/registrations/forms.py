"""The registration form (Flask-WTF), with accessibility needs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length

from core.toolkit import lazy_gettext as _l
from plugins.hearings.fields import MultiCheckboxField


def accessibility_choices():
    return [
        ("interpretation", _l("Interpretation")),
        ("step_free", _l("Step-free access")),
        ("sign_language", _l("Sign language")),
        ("other", _l("Other (say below)")),
    ]


class RegistrationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    meetings = MultiCheckboxField(_l("Sessions"), coerce=str, validate_choice=False)
    organisation_name = StringField(_l("Organisation represented (optional)"), validators=[Length(max=200)])
    accessibility = MultiCheckboxField(_l("Accessibility needs"), choices=accessibility_choices)
    accessibility_other = StringField(_l("Other needs"), validators=[Length(max=300)])
    #: its label is the consent text itself (services.consent_text), set by the view
    accessibility_consent = BooleanField(_l("I agree that the municipality keeps these needs."))
    submit = SubmitField(_l("Register"))
