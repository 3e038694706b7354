"""The HTML forms (Flask-WTF: CSRF-protected; labels translated when rendered)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.toolkit import lazy_gettext as _l
from plugins.councils.labels import (
    ADDRESSEES,
    ANSWERS,
    CATEGORIES,
    KINDS,
    METHODS,
    OBJECTION_OUTCOMES,
    POSITIONS,
    QUORUMS,
    VOTING_METHODS,
)
from plugins.councils.schemas import TEXT

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""


class CouncilForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    remit = TextAreaField(
        _l("Remit"), description=_l("Markdown: **bold**, lists, links."), validators=[Length(max=TEXT)]
    )
    founding_decision = StringField(
        _l("Founding decision"),
        description=_l("The decision's number and date, or a link to it."),
        validators=[Length(max=300)],
    )
    term_months = IntegerField(
        _l("Term, in months"), default=24, validators=[InputRequired(), NumberRange(min=1, max=120)]
    )
    max_consecutive_terms = IntegerField(
        _l("Consecutive terms allowed"), default=2, validators=[InputRequired(), NumberRange(min=1, max=10)]
    )
    quorum_rule = SelectField(_l("Quorum"), choices=list(QUORUMS.items()))
    quorum_number = IntegerField(
        _l("Quorum, members present"), validators=[Optional(), NumberRange(min=1, max=4000)]
    )
    public_sessions = BooleanField(_l("Sessions are public"), default=True)
    submit = SubmitField(_l("Save the council"))


def seat_fields(form_class):
    """Two number boxes per category of the seat plan (seats, alternates)."""
    for category, label in CATEGORIES.items():
        setattr(
            form_class,
            f"seats_{category}",
            IntegerField(label, default=0, validators=[Optional(), NumberRange(min=0, max=200)]),
        )
        setattr(
            form_class,
            f"alternates_{category}",
            IntegerField(_l("Alternates"), default=0, validators=[Optional(), NumberRange(min=0, max=200)]),
        )
    return form_class


seat_fields(CouncilForm)


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), choices=list(CATEGORIES.items()))
    position = SelectField(_l("Position"), choices=list(POSITIONS.items()), default="member")
    term_start = DateField(_l("Term starts"), validators=[InputRequired()])
    term_end = DateField(
        _l("Term ends"), description=_l("Empty: the council's term length."), validators=[Optional()]
    )
    submit = SubmitField(_l("Seat the member"))


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Seats of the category"), choices=list(CATEGORIES.items()))
    seats = IntegerField(_l("Seats to fill"), validators=[InputRequired(), NumberRange(min=1, max=200)])
    criteria = TextAreaField(
        _l("Eligibility criteria"),
        description=_l("Published with the call. Markdown."),
        validators=[Length(max=TEXT)],
    )
    documents = TextAreaField(_l("Documents required"), validators=[Length(max=TEXT)])
    opens_at = DateTimeLocalField(_l("Opens"), format=DATETIME_FORMATS, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes"), format=DATETIME_FORMATS, validators=[InputRequired()])
    method = SelectField(_l("Selection method"), choices=list(METHODS.items()))
    voting_closes_at = DateTimeLocalField(
        _l("Voting closes (election)"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    voting_method = SelectField(_l("Ballots (election)"), choices=list(VOTING_METHODS.items()))
    self_nomination = BooleanField(_l("People may nominate themselves"))
    objection_days = IntegerField(
        _l("Days for objections"), default=7, validators=[InputRequired(), NumberRange(min=0, max=60)]
    )
    publish = BooleanField(_l("Publish now"))
    submit = SubmitField(_l("Save the call"))


class NominationForm(FlaskForm):
    organisation_id = SelectField(_l("Nominating"), validate_choice=True)
    candidate_name = StringField(_l("Candidate's name"), validators=[Length(max=200)])
    statement = TextAreaField(_l("Why this candidate"), validators=[Length(max=TEXT)])
    roles = TextAreaField(
        _l("Roles the candidate holds"),
        description=_l("Offices, boards, employment; write “none” if none."),
        validators=[DataRequired(), Length(max=5000)],
    )
    related_entities = TextAreaField(
        _l("Related entities"),
        description=_l(
            "Companies or organisations the candidate or close family is linked to; “none” if none."
        ),
        validators=[DataRequired(), Length(max=5000)],
    )
    municipal_funding = TextAreaField(
        _l("Funding from the municipality"),
        description=_l(
            "Grants, contracts or payments from the municipality in the last three years; “none” if none."
        ),
        validators=[DataRequired(), Length(max=5000)],
    )
    submit = SubmitField(_l("Submit the nomination"))


class ScreenForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("admit", _l("Admit")), ("reject", _l("Reject"))])
    reason = TextAreaField(_l("Reason (published)"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Record the screening"))


class DecideForm(FlaskForm):
    reasoning = TextAreaField(
        _l("Reasoning of the result (published)"), validators=[DataRequired(), Length(max=TEXT)]
    )
    submit = SubmitField(_l("Publish the result"))


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMATS, validators=[InputRequired()])
    place = StringField(_l("Place or link"), validators=[Length(max=300)])
    agenda = TextAreaField(
        _l("Agenda"),
        description=_l(
            "One item a line. To link a consultation or another page of the platform, add “|” and its address."
        ),
        validators=[Length(max=15000)],
    )
    submit = SubmitField(_l("Schedule the meeting"))


class MinutesForm(FlaskForm):
    minutes = TextAreaField(
        _l("Minutes"), description=_l("Markdown."), validators=[DataRequired(), Length(max=TEXT)]
    )
    submit = SubmitField(_l("Publish the minutes"))


class OpinionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    item_id = SelectField(_l("Agenda item voted on"), validate_choice=True)
    addressed_to = SelectField(_l("Addressed to"), choices=list(ADDRESSEES.items()))
    text = TextAreaField(_l("Text of the opinion"), validators=[DataRequired(), Length(max=TEXT)])
    dissent = TextAreaField(_l("Dissenting opinions"), validators=[Length(max=TEXT)])
    submit = SubmitField(_l("Issue the opinion"))


class AnswerForm(FlaskForm):
    answer = SelectField(_l("Answer"), choices=list(ANSWERS.items()))
    reasoning = TextAreaField(_l("Reasons (published)"), validators=[DataRequired(), Length(max=TEXT)])
    submit = SubmitField(_l("Publish the answer"))


class CompositionForm(FlaskForm):
    class Meta:
        csrf = False

    on = DateField(_l("Composition on"), validators=[Optional()])


class DocumentForm(FlaskForm):
    """A council's founding decision (PDF) or a meeting's paper; checked by content in the service."""

    title = StringField(_l("Title (optional)"), validators=[Length(max=200)])
    file = FileField(
        _l("File"), description=_l("PDF, Word, Excel, PowerPoint or OpenDocument, at most 20 MB.")
    )


class ObjectionForm(FlaskForm):
    """An objection to a call's result, for oneself or an organisation one administers."""

    organisation_id = SelectField(_l("Lodged by"), validate_choice=True)
    reasons = TextAreaField(
        _l("Reasons of the objection"),
        description=_l("Published with the staff's answer; your name is not."),
        validators=[DataRequired(), Length(max=TEXT)],
    )
    submit = SubmitField(_l("Lodge the objection"))


class ObjectionAnswerForm(FlaskForm):
    outcome = SelectField(_l("Answer"), choices=list(OBJECTION_OUTCOMES.items()))
    answer = TextAreaField(
        _l("Reasons of the answer (published)"), validators=[DataRequired(), Length(max=TEXT)]
    )
    submit = SubmitField(_l("Answer the objection"))


class DissentForm(FlaskForm):
    text = TextAreaField(
        _l("Your dissenting opinion"),
        description=_l("Published beside the opinion, under your name."),
        validators=[DataRequired(), Length(max=TEXT)],
    )
    submit = SubmitField(_l("Publish my dissent"))
