"""Forms of requests for a public debate: the intake and the decision."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import lazy_gettext as _l


def kinds():
    return [
        ("association", _l("A legally constituted association")),
        ("authority", _l("Another public authority")),
    ]


class DebateRequestForm(FlaskForm):
    requester_kind = SelectField(_l("Who asks"), choices=kinds)
    requester_name = StringField(
        _l("Name of the association or authority"), validators=[DataRequired(), Length(max=300)]
    )
    requester_registration = StringField(
        _l("Registration"),
        description=_l("The entry in the register of associations and foundations, or the fiscal code."),
        validators=[Length(max=100)],
    )
    contact = StringField(_l("Contact for the answer"), validators=[Length(max=300)])
    received_on = DateField(_l("Day received"), validators=[DataRequired()])
    text = TextAreaField(_l("What the request says"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Enter the request"))


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=[("accept", _l("Organise the public debate")), ("refuse", _l("Refuse"))]
    )
    decision_reason = TextAreaField(
        _l("Reasons"), description=_l("Required for a refusal; published."), validators=[Length(max=5000)]
    )
    meeting_id = SelectField(_l("The debate"), choices=[], validate_choice=False, validators=[Optional()])
    submit = SubmitField(_l("Record the decision"))
