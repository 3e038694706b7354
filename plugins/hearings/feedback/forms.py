"""Feedback forms (Flask-WTF): the attendee's ratings and publishing the results."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from core.toolkit import lazy_gettext as _l


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


class FeedbackSurveyForm(FlaskForm):
    survey = StringField(
        _l("Survey for the feedback (its address)"),
        description=_l(
            "A published survey of the Surveys module, e.g. made from the satisfaction template; "
            "attendees are sent to it instead of this form. Leave empty to use this form."
        ),
        validators=[Length(max=300)],
    )
    submit = SubmitField(_l("Save"))
