"""The registration form (Flask-WTF), with accessibility needs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
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
    #: choices: plugins.hearings.common.organisation_choices (checked again by the service)
    organisation_id = SelectField(_l("On behalf of"), coerce=str, validate_choice=False)
    accessibility = MultiCheckboxField(_l("Accessibility needs"), choices=accessibility_choices)
    accessibility_other = StringField(_l("Other needs"), validators=[Length(max=300)])
    #: its label is the consent text itself (services.consent_text), set by the view
    accessibility_consent = BooleanField(_l("I agree that the municipality keeps these needs."))
    submit = SubmitField(_l("Register"))


class NeedsForm(FlaskForm):
    """A registration's accessibility needs, changed from its page."""

    accessibility = MultiCheckboxField(_l("Accessibility needs"), choices=accessibility_choices)
    accessibility_other = StringField(_l("Other needs"), validators=[Length(max=300)])
    accessibility_consent = BooleanField(_l("I agree that the municipality keeps these needs."))
    submit = SubmitField(_l("Save my needs"))
