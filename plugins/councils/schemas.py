"""The API's schemas (explicit field lists) and the per-municipality settings."""

from marshmallow import Schema, fields, validate

from core.toolkit import JSONBoolean, UTCDateTimeField, lazy_gettext
from plugins.councils.models import (
    Addressee,
    Answer,
    CallStatus,
    Category,
    Choice,
    EndReason,
    Kind,
    Method,
    NominationStatus,
    ObjectionOutcome,
    Position,
    Quorum,
    VotingMethod,
)

TEXT = 20_000


class SettingsSchema(Schema):
    """What each municipality decides (``plugin_settings("councils")``)."""

    answer_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=365),
        metadata={
            "title": lazy_gettext("Days for the municipality's answer to an opinion"),
            "description": lazy_gettext("An opinion's answer is due this many days after it is issued."),
        },
    )


class CouncilsSeatSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(Category.ALL))
    seats = fields.Integer(required=True, validate=validate.Range(min=0, max=200))
    alternates = fields.Integer(load_default=0, validate=validate.Range(min=0, max=200))


class CouncilsCouncilSchema(Schema):
    """A council with its seat plan; ``quorum_needed`` is computed from it."""

    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default=Kind.OTHER, validate=validate.OneOf(Kind.ALL))
    remit = fields.String(
        load_default="", validate=validate.Length(max=TEXT), metadata={"description": "Markdown"}
    )
    founding_decision = fields.String(load_default="", validate=validate.Length(max=300))
    term_months = fields.Integer(load_default=24, validate=validate.Range(min=1, max=120))
    max_consecutive_terms = fields.Integer(load_default=2, validate=validate.Range(min=1, max=10))
    quorum_rule = fields.String(load_default=Quorum.MAJORITY, validate=validate.OneOf(Quorum.ALL))
    quorum_number = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=4000)
    )
    public_sessions = JSONBoolean(load_default=True)
    seats = fields.List(
        fields.Nested(CouncilsSeatSchema), load_default=list, validate=validate.Length(max=len(Category.ALL))
    )
    quorum_needed = fields.Integer(dump_only=True)


class CouncilsMemberSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.OneOf(Category.ALL))
    position = fields.String(load_default=Position.MEMBER, validate=validate.OneOf(Position.ALL))
    organisation_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    term_start = fields.Date(required=True)
    term_end = fields.Date(allow_none=True, load_default=None)
    ended_on = fields.Date(dump_only=True, allow_none=True)
    end_reason = fields.String(dump_only=True, allow_none=True)


class CouncilsMemberEndSchema(Schema):
    on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(EndReason.ALL))


class CouncilsCompositionQuerySchema(Schema):
    on = fields.Date(metadata={"description": "The composition on this date (today by default)."})


class CouncilsCallSchema(Schema):
    id = fields.UUID(dump_only=True)
    council_id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.OneOf(Category.ALL))
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=200))
    criteria = fields.String(
        load_default="", validate=validate.Length(max=TEXT), metadata={"description": "Markdown"}
    )
    documents = fields.String(load_default="", validate=validate.Length(max=TEXT))
    opens_at = UTCDateTimeField(required=True)
    closes_at = UTCDateTimeField(required=True)
    method = fields.String(load_default=Method.APPOINTMENT, validate=validate.OneOf(Method.ALL))
    self_nomination = JSONBoolean(load_default=False)
    voting_closes_at = UTCDateTimeField(allow_none=True, load_default=None)
    voting_method = fields.String(
        load_default=VotingMethod.APPROVAL,
        validate=validate.OneOf(VotingMethod.ALL),
        metadata={
            "description": "An election's ballots: approval (up to as many candidates as seats) or ranked "
            "(preferences, counted by instant-runoff; sequential instant-runoff for several seats)."
        },
    )
    objection_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=60))
    status = fields.String(
        load_default=CallStatus.DRAFT, validate=validate.OneOf((CallStatus.DRAFT, CallStatus.PUBLISHED))
    )
    phase = fields.String(dump_only=True)
    result_reasoning = fields.String(dump_only=True)
    decided_at = UTCDateTimeField(dump_only=True, allow_none=True)


class CouncilsDeclarationSchema(Schema):
    """The conflict-of-interest declaration: every answer given ("none" where nothing applies)."""

    roles = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    related_entities = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    municipal_funding = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CouncilsNominationCreateSchema(Schema):
    """On behalf of ``organisation_id`` (its admins), or yourself (null) where the call allows; the
    declaration's three answers can come now or later (``PUT .../declaration``)."""

    organisation_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    candidate_name = fields.String(load_default="", validate=validate.Length(max=200))
    statement = fields.String(load_default="", validate=validate.Length(max=TEXT))
    roles = fields.String(load_default="", validate=validate.Length(max=5000))
    related_entities = fields.String(load_default="", validate=validate.Length(max=5000))
    municipal_funding = fields.String(load_default="", validate=validate.Length(max=5000))


class CouncilsNominationSchema(Schema):
    id = fields.UUID(required=True)
    call_id = fields.UUID(required=True)
    organisation_id = fields.Integer(allow_none=True, required=True)
    organisation = fields.String(allow_none=True, required=True)
    candidate_name = fields.String(required=True)
    statement = fields.String(required=True)
    declared = fields.Boolean(required=True)
    declared_roles = fields.String(required=True)
    declared_related_entities = fields.String(required=True)
    declared_municipal_funding = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(NominationStatus.ALL))
    screening_reason = fields.String(required=True)
    submitted_at = UTCDateTimeField(required=True)


class CouncilsScreeningSchema(Schema):
    admit = JSONBoolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CouncilsBallotCreateSchema(Schema):
    organisation_id = fields.Integer(required=True, validate=validate.Range(min=1))
    nomination_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Approved candidates; in a ranked-choice election, first preference first."},
    )


class CouncilsBallotSchema(Schema):
    organisation_id = fields.Integer(required=True)
    organisation = fields.String(allow_none=True, required=True)
    nomination_id = fields.UUID(required=True)
    rank = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The preference (1 = first); null in approval."},
    )


class CouncilsRoundSchema(Schema):
    seat = fields.Integer(required=True)
    tallies = fields.Dict(keys=fields.UUID(), values=fields.Integer(), required=True)
    exhausted = fields.Integer(required=True, metadata={"description": "Ballots with no candidate left."})
    elected = fields.UUID(allow_none=True, required=True)
    eliminated = fields.UUID(allow_none=True, required=True)
    by_lot = fields.Boolean(
        required=True, metadata={"description": "The elimination was a tie broken by lot."}
    )


class CouncilsStandingSchema(Schema):
    nomination_id = fields.UUID(required=True)
    candidate_name = fields.String(required=True)
    votes = fields.Integer(required=True)
    lot = fields.String(
        required=True,
        metadata={"description": "sha256 of '<call id>:<nomination id>': ties go to the lower."},
    )
    rank = fields.Integer(required=True)
    tied = fields.Boolean(required=True)


class CouncilsResultSchema(Schema):
    phase = fields.String(required=True)
    ballots = fields.List(fields.Nested(CouncilsBallotSchema), required=True)
    standings = fields.List(fields.Nested(CouncilsStandingSchema), required=True)
    voting_method = fields.String(required=True)
    rounds = fields.List(
        fields.Nested(CouncilsRoundSchema),
        required=True,
        metadata={"description": "A ranked-choice count's rounds (empty for approval)."},
    )
    reasoning = fields.String(required=True)


class CouncilsDecisionSchema(Schema):
    reasoning = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))
    selected = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=200))


class CouncilsItemSchema(Schema):
    id = fields.UUID(required=True)
    position = fields.Integer(required=True)
    title = fields.String(required=True)
    reference = fields.String(
        allow_none=True, required=True, metadata={"description": "Another plugin's object: plugin:kind:id."}
    )
    votes = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    conflicted_member_ids = fields.List(fields.UUID(), required=True)


class CouncilsMeetingSchema(Schema):
    id = fields.UUID(dump_only=True)
    council_id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_at = UTCDateTimeField(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    agenda = fields.List(
        fields.String(
            validate=validate.Length(max=500),
            metadata={"description": "One item: its title, optionally “| plugin:kind:id” or “| address”."},
        ),
        load_only=True,
        load_default=list,
        validate=validate.Length(max=50),
    )
    status = fields.String(dump_only=True)
    items = fields.List(fields.Nested(CouncilsItemSchema), dump_only=True)
    present = fields.Integer(dump_only=True)
    quorum_needed = fields.Integer(dump_only=True)
    minutes = fields.String(dump_only=True)


class CouncilsAttendanceSchema(Schema):
    present = fields.List(fields.UUID(), required=True, validate=validate.Length(max=4000))


class CouncilsVoteCreateSchema(Schema):
    """Your own vote (a present member), or a member's entered by the secretary (``member_id``)."""

    choice = fields.String(required=True, validate=validate.OneOf(Choice.ALL))
    member_id = fields.UUID(allow_none=True, load_default=None)


class CouncilsVoteSchema(Schema):
    member_id = fields.UUID(required=True)
    choice = fields.String(required=True)


class CouncilsOpinionSchema(Schema):
    id = fields.UUID(dump_only=True)
    council_id = fields.UUID(dump_only=True)
    item_id = fields.UUID(allow_none=True, load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))
    dissent = fields.String(load_default="", validate=validate.Length(max=TEXT))
    addressed_to = fields.String(load_default=Addressee.MAYOR, validate=validate.OneOf(Addressee.ALL))
    votes_for = fields.Integer(dump_only=True)
    votes_against = fields.Integer(dump_only=True)
    votes_abstain = fields.Integer(dump_only=True)
    issued_on = fields.Date(dump_only=True)
    answer_due = fields.Date(dump_only=True)
    answer = fields.String(dump_only=True, allow_none=True)
    answer_reasoning = fields.String(dump_only=True)
    overdue = fields.Boolean(dump_only=True)


class CouncilsOpinionAnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.OneOf(Answer.ALL))
    reasoning = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))


class CouncilsOpinionQuerySchema(Schema):
    overdue = fields.Boolean(
        load_default=False, metadata={"description": "Only opinions whose answer is overdue."}
    )


class CouncilsDocumentSchema(Schema):
    id = fields.UUID(required=True)
    council_id = fields.UUID(required=True)
    meeting_id = fields.UUID(allow_none=True, required=True)
    kind = fields.String(required=True, metadata={"description": "founding_decision or meeting"})
    title = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True, metadata={"description": "As sniffed from the content."})
    size = fields.Integer(required=True)
    uploaded_at = UTCDateTimeField(required=True)
    deleted_at = UTCDateTimeField(
        allow_none=True, required=True, metadata={"description": "Set when the file was withdrawn."}
    )
    url = fields.String(
        required=True, allow_none=True, metadata={"description": "Download (null once withdrawn)."}
    )


class CouncilsDocumentUploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "PDF (or, for a meeting, an office format).",
        },
    )


class CouncilsDocumentTitleSchema(Schema):
    title = fields.String(load_default="", validate=validate.Length(max=200))


class CouncilsObjectionSchema(Schema):
    id = fields.UUID(required=True)
    call_id = fields.UUID(required=True)
    organisation_id = fields.Integer(allow_none=True, required=True)
    organisation = fields.String(
        allow_none=True, required=True, metadata={"description": "Null: lodged by a resident (not named)."}
    )
    reasons = fields.String(required=True)
    submitted_at = UTCDateTimeField(required=True)
    outcome = fields.String(allow_none=True, required=True, validate=validate.OneOf(ObjectionOutcome.ALL))
    answer = fields.String(required=True)
    answered_at = UTCDateTimeField(allow_none=True, required=True)


class CouncilsObjectionCreateSchema(Schema):
    organisation_id = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "On behalf of an organisation you administer; null for yourself."},
    )
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))


class CouncilsObjectionAnswerSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(ObjectionOutcome.ALL))
    answer = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))


class CouncilsMyNominationSchema(Schema):
    nomination = fields.Nested(CouncilsNominationSchema, required=True)
    call_id = fields.UUID(required=True)
    call_title = fields.String(required=True)
    council_id = fields.UUID(required=True)
    council = fields.String(required=True)
    seated = fields.Boolean(required=True, metadata={"description": "The candidate now holds the seat."})


class CouncilsDissentSchema(Schema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    member = fields.String(required=True, metadata={"description": "The member's name as published."})
    text = fields.String(required=True)
    submitted_at = UTCDateTimeField(required=True)


class CouncilsDissentCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT))
