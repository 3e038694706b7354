"""The staff's HTML forms (Flask-WTF: CSRF-protected). The answering form is built from the
survey's questions in its template, and read by the services."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.toolkit import lazy_gettext as _l
from plugins.surveys.models import Audience, Kind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

AUDIENCE_LABELS = {
    Audience.PUBLIC: _l("Anyone, signed in or not"),
    Audience.MEMBERS: _l("Signed-in members of the municipality's site"),
    Audience.ORGANISATIONS: _l("Members of the organisations chosen below"),
    Audience.INVITED: _l("Only people invited by e-mail (single-use links)"),
}

KIND_LABELS = {
    Kind.SECTION: _l("Section heading"),
    Kind.SINGLE: _l("Single choice"),
    Kind.MULTIPLE: _l("Multiple choice"),
    Kind.RATING5: _l("Rating from 1 to 5"),
    Kind.RATING10: _l("Rating from 0 to 10"),
    Kind.LIKERT: _l("Agreement matrix (Likert)"),
    Kind.RANKING: _l("Ranking"),
    Kind.NUMBER: _l("Number"),
    Kind.DATE: _l("Date"),
    Kind.SHORT_TEXT: _l("Short text"),
    Kind.LONG_TEXT: _l("Long text"),
    Kind.FILE: _l("File upload (PDF, PNG or JPEG)"),
}


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    introduction = TextAreaField(
        _l("Introduction"),
        description=_l("Why you ask, and what you will do with the answers."),
        validators=[Length(max=5000)],
    )
    opens_at = DateTimeLocalField(_l("Opens"), format=DATETIME_FORMATS, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes"), format=DATETIME_FORMATS, validators=[InputRequired()])
    audience = SelectField(
        _l("Who may answer"), choices=list(AUDIENCE_LABELS.items()), default=Audience.MEMBERS
    )
    organisation_ids = SelectMultipleField(_l("Organisations"), coerce=int, validate_choice=True)
    anonymous = BooleanField(
        _l("Anonymous answers"),
        description=_l("Answers are not linked to the person. People are told before they answer."),
        default=True,
    )
    on_behalf = BooleanField(_l("Members of organisations may answer on their organisation's behalf"))
    published = BooleanField(_l("Published (visible, and open during its window)"))
    results_public = BooleanField(_l("Results are public"))
    submit = SubmitField(_l("Save the survey"))


class StarterForm(FlaskForm):
    starter = SelectField(_l("Template"), validate_choice=True)
    create = SubmitField(_l("Create from the template"))


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()), default=Kind.SINGLE)
    prompt = StringField(_l("Question"), validators=[DataRequired(), Length(max=500)])
    help = StringField(_l("Hint (optional)"), validators=[Length(max=1000)])
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(
        _l("Options"),
        description=_l("One per line: the choices, the items to rank, or the scale of a matrix."),
        validators=[Length(max=6000)],
    )
    rows = TextAreaField(
        _l("Statements of a matrix"),
        description=_l("One per line (agreement matrix only)."),
        validators=[Length(max=6000)],
    )
    allow_other = BooleanField(_l("Offer “Other” with a text box (choices only)"))
    min_value = FloatField(_l("Smallest number allowed"), validators=[Optional()])
    max_value = FloatField(_l("Largest number allowed"), validators=[Optional()])
    show_if_id = SelectField(_l("Show only when"), validate_choice=True)
    show_if_value = StringField(
        _l("…was answered"),
        description=_l("The option (or rating) that shows this question."),
        validators=[Length(max=200)],
    )
    submit = SubmitField(_l("Save the question"))


class InvitationForm(FlaskForm):
    addresses = TextAreaField(
        _l("E-mail addresses"),
        description=_l("One per line. Each gets its own link, which works once."),
        validators=[DataRequired(), Length(max=60_000)],
    )
    submit = SubmitField(_l("Send the invitations"))
