"""The API's schemas (explicit field lists) and the per-municipality settings."""

from marshmallow import Schema, fields, validate

from core.toolkit import JSONBoolean, UTCDateTimeField, lazy_gettext
from plugins.surveys.models import Audience, Kind


class SettingsSchema(Schema):
    """What each municipality decides (``plugin_settings("surveys")``)."""

    max_file_mb = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=20),
        metadata={
            "title": lazy_gettext("Largest file accepted as an answer (MB)"),
            "description": lazy_gettext("PDF, PNG or JPEG files, checked by their content."),
        },
    )

    min_public_count = fields.Integer(
        load_default=5,
        validate=validate.Range(min=5, max=50),
        metadata={
            "title": lazy_gettext("Smallest count shown in public results"),
            "description": lazy_gettext(
                "A smaller count (and a question answered by fewer people) is hidden, so nobody can be recognised."
            ),
        },
    )


class QuestionSchema(Schema):
    """A question as the API shows it (``section`` is a heading, not answered)."""

    id = fields.UUID(required=True)
    position = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(Kind.ALL))
    prompt = fields.String(required=True)
    help = fields.String(required=True)
    required = fields.Boolean(required=True)
    options = fields.List(fields.String(), required=True)
    rows = fields.List(fields.String(), required=True, metadata={"description": "Likert statements."})
    allow_other = fields.Boolean(required=True)
    min_value = fields.Float(allow_none=True, required=True)
    max_value = fields.Float(allow_none=True, required=True)
    show_if_id = fields.UUID(allow_none=True, required=True)
    show_if_value = fields.String(required=True)


class SurveySchema(Schema):
    """A survey; ``state`` is draft, upcoming, open or closed."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    introduction = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["draft", "upcoming", "open", "closed"]))
    opens_at = UTCDateTimeField(required=True)
    closes_at = UTCDateTimeField(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(Audience.ALL))
    anonymous = fields.Boolean(required=True)
    on_behalf = fields.Boolean(required=True)
    results_public = fields.Boolean(required=True)


class SurveyDetailSchema(SurveySchema):
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class RowAnswerSchema(Schema):
    statement = fields.String(required=True, validate=validate.Length(max=200))
    option = fields.String(required=True, validate=validate.Length(max=200))


class FileAnswerSchema(Schema):
    """A file question's answer: the file's name and its bytes in base64 (PDF, PNG or JPEG, by
    content; the municipality's size limit applies)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(
        required=True,
        validate=validate.Length(min=1, max=28_000_000),
        metadata={"description": "The file, base64-encoded.", "format": "byte"},
    )


class AnswerSchema(Schema):
    """One answer; give the member its question type uses: ``value`` (single choice: the option or
    the "other" text; dates ``YYYY-MM-DD``; texts), ``number`` (ratings, numbers), ``choices``
    (multiple choice; ranking: every option in rank order), ``rows`` (Likert), ``file`` (a file
    question)."""

    question_id = fields.UUID(required=True)
    value = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=5000))
    number = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-1e12, max=1e12))
    choices = fields.List(
        fields.String(validate=validate.Length(max=300)), load_default=list, validate=validate.Length(max=31)
    )
    rows = fields.List(fields.Nested(RowAnswerSchema), load_default=list, validate=validate.Length(max=30))
    file = fields.Nested(FileAnswerSchema)


class ResponseCreateSchema(Schema):
    """The answers, one per question answered (a question hidden by its condition is ignored)."""

    answers = fields.List(fields.Nested(AnswerSchema), required=True, validate=validate.Length(max=500))
    organisation_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    receipt = JSONBoolean(
        load_default=False, metadata={"description": "Mail a receipt to the token's owner."}
    )


class ResponseSchema(Schema):
    id = fields.UUID(required=True)
    survey_id = fields.UUID(required=True)
    submitted_at = UTCDateTimeField(required=True)


class FileSchema(Schema):
    """A file sent as an answer, without its content (``GET …/files/{id}`` downloads it)."""

    id = fields.UUID(required=True)
    question_id = fields.UUID(required=True)
    response_id = fields.UUID(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/png", "image/jpeg"])
    )
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    created_at = UTCDateTimeField(required=True)


class BarSchema(Schema):
    label = fields.String(required=True)
    count = fields.Integer(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    percent = fields.Float(allow_none=True, required=True)


class RowSchema(Schema):
    statement = fields.String(required=True)
    bars = fields.List(fields.Nested(BarSchema), required=True)


class QuestionResultSchema(Schema):
    question_id = fields.UUID(required=True)
    prompt = fields.String(required=True)
    kind = fields.String(required=True)
    answered = fields.Integer(required=True)
    suppressed = fields.Boolean(required=True, metadata={"description": "Fewer than 5 answers: not shown."})
    average = fields.Float(allow_none=True, required=True)
    bars = fields.List(fields.Nested(BarSchema), required=True)
    matrix = fields.List(fields.Nested(RowSchema), required=True)


class ResultsSchema(Schema):
    responses = fields.Integer(required=True)
    questions = fields.List(fields.Nested(QuestionResultSchema), required=True)


class SurveyWriteSchema(Schema):
    """A survey as staff write it (PATCH: only the fields given change)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    introduction = fields.String(load_default="", validate=validate.Length(max=5000))
    opens_at = UTCDateTimeField(required=True)
    closes_at = UTCDateTimeField(required=True)
    audience = fields.String(load_default=Audience.MEMBERS, validate=validate.OneOf(Audience.ALL))
    organisation_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)), load_default=list, validate=validate.Length(max=200)
    )
    anonymous = JSONBoolean(load_default=True)
    on_behalf = JSONBoolean(load_default=False)
    published = JSONBoolean(load_default=False)
    results_public = JSONBoolean(load_default=False)


class QuestionWriteSchema(Schema):
    """A question added at the end of a survey (a section heading with ``kind: section``)."""

    kind = fields.String(required=True, validate=validate.OneOf(Kind.ALL))
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=500))
    help = fields.String(load_default="", validate=validate.Length(max=1000))
    required = JSONBoolean(load_default=False)
    options = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=30)
    )
    rows = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=30)
    )
    allow_other = JSONBoolean(load_default=False)
    min_value = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-1e12, max=1e12))
    max_value = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-1e12, max=1e12))
    show_if_id = fields.UUID(allow_none=True, load_default=None)
    show_if_value = fields.String(load_default="", validate=validate.Length(max=200))


class SurveyPatchSchema(SurveyWriteSchema):
    """A change of a survey (PATCH): the fields of :class:`SurveyWriteSchema`, each optional.

    A class of its own (used with ``partial=True``) so that the OpenAPI document names it apart
    from the full write schema (apispec warned of a duplicate schema name)."""


class QuestionTextSchema(Schema):
    """One question in another language: options and statements in the originals' order."""

    question_id = fields.UUID(required=True)
    prompt = fields.String(load_default="", validate=validate.Length(max=500))
    help = fields.String(load_default="", validate=validate.Length(max=1000))
    options = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=30)
    )
    rows = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=30)
    )


class TranslationSchema(Schema):
    """A survey in another of the municipality's languages (a blank falls back to the original)."""

    locale = fields.String(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    introduction = fields.String(load_default="", validate=validate.Length(max=5000))
    questions = fields.List(
        fields.Nested(QuestionTextSchema), load_default=list, validate=validate.Length(max=500)
    )
    stale = fields.Boolean(
        dump_only=True,
        metadata={"description": "The original changed since the translation was saved."},
    )
    survey_changed = fields.Boolean(
        dump_only=True, metadata={"description": "The title or the introduction changed since."}
    )
    changed_questions = fields.List(
        fields.UUID(),
        dump_only=True,
        metadata={"description": "The questions changed (or added) since; they are read in the original."},
    )


class WrittenAnswersQuerySchema(Schema):
    """Which of a question's written answers to list (staff; the public gets the published ones)."""

    show = fields.String(
        load_default="all",
        validate=validate.OneOf(["all", "published", "unpublished"]),
        metadata={"description": "Staff: all, published or unpublished ones (the public: published only)."},
    )


class WrittenAnswerSchema(Schema):
    """A written answer (a text, or the "other" of a choice), in the order answers came."""

    position = fields.Integer(required=True, metadata={"description": "Its place in the whole list, from 1."})
    response_id = fields.UUID(required=True)
    text = fields.String(required=True)
    published = fields.Boolean(required=True, metadata={"description": "Shown in the public results."})
