"""HTML forms of the hearings plugin (Flask-WTF). Rules live in services; forms parse input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional

from core.toolkit import lazy_gettext as _l

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def kinds():
    return [("hearing", _l("Public hearing")), ("forum", _l("Civic forum")), ("workshop", _l("Workshop"))]


def outcomes():
    return [
        ("accepted", _l("Accepted")),
        ("partly", _l("Partly accepted")),
        ("not_accepted", _l("Not accepted")),
        ("out_of_scope", _l("Out of scope")),
    ]


def accessibility_choices():
    return [
        ("interpretation", _l("Interpretation")),
        ("step_free", _l("Step-free access")),
        ("sign_language", _l("Sign language")),
        ("other", _l("Other (say below)")),
    ]


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


class AnswerForm(FlaskForm):
    outcome = SelectField(_l("Answer"), choices=outcomes)
    reason = TextAreaField(_l("Reasoning"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save answer"))


class OutcomeForm(FlaskForm):
    summary = TextAreaField(_l("Summary of the outcome"), validators=[Length(max=50000)])
    submit = SubmitField(_l("Publish the outcome"))


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save"))


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=kinds)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMATS, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends at"), format=DATETIME_FORMATS, validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1), NumberRange(max=1_000_000)],
        description=_l("Leave empty for no limit."),
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    agenda = TextAreaField(_l("Agenda"), description=_l("Markdown."), validators=[Length(max=50000)])
    speaker_minutes = IntegerField(
        _l("Minutes per speaker"), default=5, validators=[NumberRange(min=1, max=120)]
    )
    programme_id = SelectField(_l("Programme"), coerce=str, validate_choice=False)
    consultation_id = SelectField(_l("Related consultation"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Save"))


class RegistrationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    meetings = MultiCheckboxField(_l("Sessions"), coerce=str, validate_choice=False)
    organisation_name = StringField(_l("Organisation represented (optional)"), validators=[Length(max=200)])
    accessibility = MultiCheckboxField(_l("Accessibility needs"), choices=accessibility_choices)
    accessibility_other = StringField(_l("Other needs"), validators=[Length(max=300)])
    submit = SubmitField(_l("Register"))


class SpeakerForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Ask to speak"))


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), description=_l("Markdown."), validators=[DataRequired()])
    submit = SubmitField(_l("Publish the minutes"))


def ratings():
    return [(str(i), str(i)) for i in range(1, 6)]


class FeedbackForm(FlaskForm):
    overall = RadioField(
        _l("Overall satisfaction (1 = poor, 5 = excellent)"), choices=ratings, validators=[InputRequired()]
    )
    organisation = RadioField(
        _l("Organisation of the meeting"), choices=ratings, validators=[InputRequired()]
    )
    usefulness = RadioField(_l("Usefulness for you"), choices=ratings, validators=[InputRequired()])
    text = TextAreaField(_l("Anything else?"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Send feedback"))


class PublishFeedbackForm(FlaskForm):
    published = BooleanField(_l("Publish the feedback results"))
    submit = SubmitField(_l("Save"))
