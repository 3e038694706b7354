"""The API, at ``/api/v1/councils/``: everything a public page shows is readable; nominating and
voting work with a personal access token; staff and secretaries write the rest. A broken rule
answers 409 (403/404 where it is about who asks or what exists) as problem+json."""

from flask.views import MethodView

from core.toolkit import (
    ApiBlueprint,
    RuleViolation,
    current_account,
    db,
    gettext,
    request,
    require_permission,
    url_for,
)
from plugins.councils import access, documents, schemas, services
from plugins.councils.access import MANAGE, NOMINATE

api = ApiBlueprint(
    "councils_api",
    __name__,
    description="Advisory councils: seat plans and members, calls for nominations, meetings, votes, opinions and answers.",
)

RULE = "A rule of the domain refuses it (e.g. the call is closed); `detail` says which, `code` names it."
WHO = "Not allowed for who asks (e.g. not an admin of the organisation, not the secretary)."


def council_dict(c) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind,
        "remit": c.remit,
        "founding_decision": c.founding_decision,
        "term_months": c.term_months,
        "max_consecutive_terms": c.max_consecutive_terms,
        "quorum_rule": c.quorum_rule,
        "quorum_number": c.quorum_number,
        "public_sessions": c.public_sessions,
        "seats": [
            {"category": s.category, "seats": s.seats, "alternates": s.alternates}
            for s in services.seat_plan(c)
        ],
        "quorum_needed": services.quorum_needed(c),
    }


def member_dict(m) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "category": m.category,
        "position": m.position,
        "organisation_id": m.organisation_id,
        "term_start": m.term_start,
        "term_end": m.term_end,
        "ended_on": m.ended_on,
        "end_reason": m.end_reason,
    }


def call_dict(c) -> dict:
    return {
        "id": c.id,
        "council_id": c.council_id,
        "title": c.title,
        "category": c.category,
        "seats": c.seats,
        "criteria": c.criteria,
        "documents": c.documents,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "method": c.method,
        "voting_method": c.voting_method,
        "self_nomination": c.self_nomination,
        "voting_closes_at": c.voting_closes_at,
        "objection_days": c.objection_days,
        "status": c.status,
        "phase": services.call_phase(c),
        "result_reasoning": c.result_reasoning,
        "decided_at": c.decided_at,
    }


def nomination_dict(n, names: dict[int, str]) -> dict:
    return {
        "id": n.id,
        "call_id": n.call_id,
        "organisation_id": n.organisation_id,
        "organisation": names.get(n.organisation_id),
        "candidate_name": n.candidate_name,
        "statement": n.statement,
        "declared": n.declared_at is not None,
        "declared_roles": n.declared_roles,
        "declared_related_entities": n.declared_related_entities,
        "declared_municipal_funding": n.declared_municipal_funding,
        "status": n.status,
        "screening_reason": n.screening_reason,
        "submitted_at": n.submitted_at,
    }


def meeting_dict(m, details=None, needed=None, sees_place=None) -> dict:
    """A meeting as the API shows it; a list passes ``details`` read for all its meetings at once."""
    details = details or services.meeting_details([m])
    if needed is None or sees_place is None:
        council = services.get_council(m.council_id)
        needed = services.quorum_needed(council) if needed is None else needed
        sees_place = access.sees_place(council) if sees_place is None else sees_place
    return {
        "id": m.id,
        "council_id": m.council_id,
        "title": m.title,
        "starts_at": m.starts_at,
        "place": m.place if sees_place else "",
        "status": m.status,
        "items": [
            {
                "id": i.id,
                "position": i.position,
                "title": i.title,
                "reference": i.reference or None,
                "votes": services.tally(details.votes[i.id]),
                "conflicted_member_ids": [c.member_id for c in details.conflicts[i.id]],
            }
            for i in details.items[m.id]
        ],
        "present": details.present[m.id],
        "quorum_needed": needed,
        "minutes": m.minutes if m.minutes_published_at else "",
    }


def opinion_dict(o, today=None) -> dict:
    return {
        "id": o.id,
        "council_id": o.council_id,
        "item_id": o.item_id,
        "title": o.title,
        "text": o.text,
        "dissent": o.dissent,
        "addressed_to": o.addressed_to,
        "votes_for": o.votes_for,
        "votes_against": o.votes_against,
        "votes_abstain": o.votes_abstain,
        "issued_on": o.issued_on,
        "answer_due": o.answer_due,
        "answer": o.answer,
        "answer_reasoning": o.answer_reasoning,
        "overdue": services.is_overdue(o, today),
    }


def _seats(data) -> dict:
    return {s["category"]: (s["seats"], s["alternates"]) for s in data.pop("seats", [])}


# --- councils and members -----------------------------------------------------------------------


@api.route("/councils")
class Councils(MethodView):
    @api.response(200, schemas.CouncilsCouncilSchema(many=True))
    def get(self):
        """The municipality's councils and committees, with their seat plans."""
        return [council_dict(c) for c in services.list_councils()]

    @api.arguments(schemas.CouncilsCouncilSchema)
    @api.response(201, schemas.CouncilsCouncilSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Create a council with its seat plan (staff)."""
        seats = _seats(data)
        council = services.save_council(None, seats=seats, **data)
        answer = council_dict(council)
        db.session.commit()
        return answer


@api.route("/councils/<uuid:council_id>")
class CouncilItem(MethodView):
    @api.response(200, schemas.CouncilsCouncilSchema)
    def get(self, council_id):
        """One council."""
        return council_dict(services.get_council(council_id))


@api.route("/councils/<uuid:council_id>/members")
class Members(MethodView):
    @api.arguments(schemas.CouncilsCompositionQuerySchema, location="query")
    @api.response(200, schemas.CouncilsMemberSchema(many=True))
    def get(self, query, council_id):
        """Who sits on the council on a date (today by default)."""
        council = services.get_council(council_id)
        return [member_dict(m) for m in services.composition(council, query.get("on"))]

    @api.arguments(schemas.CouncilsMemberSchema)
    @api.response(201, schemas.CouncilsMemberSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, council_id):
        """Seat a member for a term (staff): refused without a free seat or over the term limit."""
        member = services.add_member(services.get_council(council_id), **data)
        answer = member_dict(member)
        db.session.commit()
        return answer


@api.route("/councils/<uuid:council_id>/members/history")
class MemberHistory(MethodView):
    @api.response(200, schemas.CouncilsMemberSchema(many=True))
    def get(self, council_id):
        """Every term served on the council, latest first."""
        return [member_dict(m) for m in services.member_history(services.get_council(council_id))]


@api.route("/members/<uuid:member_id>/end")
class MemberEnd(MethodView):
    @api.arguments(schemas.CouncilsMemberEndSchema)
    @api.response(200, schemas.CouncilsMemberSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, member_id):
        """End a term (staff): term over, resigned or replaced."""
        member = services.end_member(services.get_member(member_id), **data)
        answer = member_dict(member)
        db.session.commit()
        return answer


@api.route("/members/<uuid:member_id>/promotion")
class MemberPromotion(MethodView):
    @api.arguments(schemas.CouncilsCompositionQuerySchema)
    @api.response(201, schemas.CouncilsMemberSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, member_id):
        """Promote an alternate into a vacant seat of their category (staff)."""
        member = services.promote_alternate(
            services.get_member(member_id), on=data.get("on") or services.local_today()
        )
        answer = member_dict(member)
        db.session.commit()
        return answer


# --- calls, nominations, ballots, the result ----------------------------------------------------


@api.route("/councils/<uuid:council_id>/calls")
class Calls(MethodView):
    @api.response(200, schemas.CouncilsCallSchema(many=True))
    def get(self, council_id):
        """The council's calls for nominations (drafts for staff)."""
        council = services.get_council(council_id)
        return [call_dict(c) for c in services.list_calls(council, include_drafts=access.manager())]

    @api.arguments(schemas.CouncilsCallSchema)
    @api.response(201, schemas.CouncilsCallSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, council_id):
        """Open a call for nominations (staff); published, it can no longer change."""
        call = services.save_call(None, services.get_council(council_id), **data)
        answer = call_dict(call)
        db.session.commit()
        return answer


@api.route("/calls/<uuid:call_id>")
class CallItem(MethodView):
    @api.response(200, schemas.CouncilsCallSchema)
    def get(self, call_id):
        """One call, with its phase (open, screening, voting, objections, decided...)."""
        return call_dict(services.get_call(call_id, include_drafts=access.manager()))


def _org_names(ids) -> dict[int, str]:
    from core.toolkit import Organisation

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


@api.route("/calls/<uuid:call_id>/nominations")
class Nominations(MethodView):
    @api.response(200, schemas.CouncilsNominationSchema(many=True))
    def get(self, call_id):
        """The candidates, with their declarations and the screening's reasons (public)."""
        found = services.nominations(services.get_call(call_id, include_drafts=access.manager()))
        names = _org_names(n.organisation_id for n in found)
        return [nomination_dict(n, names) for n in found]

    @api.arguments(schemas.CouncilsNominationCreateSchema)
    @api.response(201, schemas.CouncilsNominationSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    @require_permission(NOMINATE)
    def post(self, data, call_id):
        """Nominate a candidate on behalf of an organisation you administer, or yourself
        (``organisation_id`` null) where the call allows; once per organisation."""
        call = services.get_call(call_id)
        answers = {k: data.pop(k) for k in ("roles", "related_entities", "municipal_funding")}
        declaration = answers if any(v.strip() for v in answers.values()) else None
        nomination = services.nominate(call, current_account(), declaration=declaration, **data)
        answer = nomination_dict(nomination, _org_names([nomination.organisation_id]))
        db.session.commit()
        return answer


@api.route("/nominations/<uuid:nomination_id>/declaration")
class Declaration(MethodView):
    @api.arguments(schemas.CouncilsDeclarationSchema)
    @api.response(200, schemas.CouncilsNominationSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(NOMINATE)
    def put(self, data, nomination_id):
        """The conflict-of-interest declaration (the candidate or whoever nominated them)."""
        nomination = services.declare(services.get_nomination(nomination_id), current_account(), **data)
        answer = nomination_dict(nomination, _org_names([nomination.organisation_id]))
        db.session.commit()
        return answer


@api.route("/nominations/<uuid:nomination_id>/screening")
class Screening(MethodView):
    @api.arguments(schemas.CouncilsScreeningSchema)
    @api.response(200, schemas.CouncilsNominationSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def put(self, data, nomination_id):
        """Admit or reject a nomination with a published reason (staff), once the call has closed."""
        nomination = services.screen(services.get_nomination(nomination_id), staff=current_account(), **data)
        answer = nomination_dict(nomination, _org_names([nomination.organisation_id]))
        db.session.commit()
        return answer


def _round_dict(r) -> dict:
    return {
        "seat": r.seat,
        "tallies": r.tallies,
        "exhausted": r.exhausted,
        "elected": r.elected,
        "eliminated": r.eliminated,
        "by_lot": r.by_lot,
    }


def _result(call) -> dict:
    cast = services.ballots(call)
    names = _org_names(b.organisation_id for b in cast)
    ranked = call.voting_method == "ranked" and call.method == "election"
    return {
        "phase": services.call_phase(call),
        "voting_method": call.voting_method,
        "rounds": [_round_dict(r) for r in services.ranked_count(call, cast)[1]] if ranked else [],
        "ballots": [
            {
                "organisation_id": b.organisation_id,
                "organisation": names.get(b.organisation_id),
                "nomination_id": b.nomination_id,
                "rank": b.rank,
            }
            for b in cast
        ],
        "standings": [
            {
                "nomination_id": s.nomination.id,
                "candidate_name": s.nomination.candidate_name,
                "votes": s.votes,
                "lot": s.lot,
                "rank": s.rank,
                "tied": s.tied,
            }
            for s in services.count(call, cast)
        ],
        "reasoning": call.result_reasoning,
    }


@api.route("/calls/<uuid:call_id>/result")
class Result(MethodView):
    @api.response(200, schemas.CouncilsResultSchema)
    def get(self, call_id):
        """The ballots per organisation and the count with the lot that breaks ties: anyone can
        recount it. Ballots are shown once the vote is over."""
        call = services.get_call(call_id, include_drafts=access.manager())
        result = _result(call)
        if result["phase"] in ("open", "voting", "upcoming", "draft"):
            result["ballots"], result["standings"], result["rounds"] = [], [], []
        return result


@api.route("/calls/<uuid:call_id>/ballots")
class Ballots(MethodView):
    @api.arguments(schemas.CouncilsBallotCreateSchema)
    @api.response(201, schemas.CouncilsBallotSchema(many=True))
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    @require_permission(NOMINATE)
    def post(self, data, call_id):
        """An organisation's ballot (one of its admins), once, while voting is open: approvals, or
        in a ranked-choice election the candidates in order of preference."""
        call = services.get_call(call_id)
        rows = services.cast_ballot(call, current_account(), **data)
        names = _org_names([data["organisation_id"]])
        answer = [
            {
                "organisation_id": b.organisation_id,
                "organisation": names.get(b.organisation_id),
                "nomination_id": b.nomination_id,
                "rank": b.rank,
            }
            for b in rows
        ]
        db.session.commit()
        return answer


def objection_dict(o, names: dict[int, str]) -> dict:
    return {
        "id": o.id,
        "call_id": o.call_id,
        "organisation_id": o.organisation_id,
        "organisation": names.get(o.organisation_id) if o.organisation_id else None,
        "reasons": o.reasons,
        "submitted_at": o.submitted_at,
        "outcome": o.outcome,
        "answer": o.answer,
        "answered_at": o.answered_at,
    }


@api.route("/my-nominations")
class MyNominations(MethodView):
    @api.response(200, schemas.CouncilsMyNominationSchema(many=True))
    @api.alt_response(401, description="Sign in first.")
    def get(self):
        """The nominations made for the organisations you administer, latest first, with status."""
        account = current_account()
        if account is None:
            raise RuleViolation(gettext("Sign in first."), status=401)
        rows = services.my_nominations(account)
        names = {r.nomination.organisation_id: r.organisation for r in rows}
        return [
            {
                "nomination": nomination_dict(r.nomination, names),
                "call_id": r.call.id,
                "call_title": r.call.title,
                "council_id": r.council.id,
                "council": r.council.name,
                "seated": r.seated,
            }
            for r in rows
        ]


@api.route("/calls/<uuid:call_id>/objections")
class Objections(MethodView):
    @api.response(200, schemas.CouncilsObjectionSchema(many=True))
    def get(self, call_id):
        """The objections to a call's result, with the staff's answers (published)."""
        rows = services.objections(services.get_call(call_id, include_drafts=access.manager()))
        names = _org_names(o.organisation_id for o in rows)
        return [objection_dict(o, names) for o in rows]

    @api.arguments(schemas.CouncilsObjectionCreateSchema)
    @api.response(201, schemas.CouncilsObjectionSchema)
    @api.alt_response(401, description="Sign in first.")
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    def post(self, data, call_id):
        """Lodge an objection while the objection period runs (any signed-in person; for an
        organisation, one of its admins)."""
        row = services.lodge_objection(services.get_call(call_id), current_account(), **data)
        answer = objection_dict(row, _org_names([row.organisation_id]))
        db.session.commit()
        return answer


@api.route("/objections/<uuid:objection_id>/answer")
class ObjectionAnswer(MethodView):
    @api.arguments(schemas.CouncilsObjectionAnswerSchema)
    @api.response(200, schemas.CouncilsObjectionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def put(self, data, objection_id):
        """Answer an objection (staff), upheld or dismissed, with published reasons; once."""
        row = services.answer_objection(
            services.get_objection(objection_id),
            outcome=data["outcome"],
            reason=data["answer"],
            staff=current_account(),
        )
        answer = objection_dict(row, _org_names([row.organisation_id]))
        db.session.commit()
        return answer


@api.route("/calls/<uuid:call_id>/decision")
class Decision(MethodView):
    @api.arguments(schemas.CouncilsDecisionSchema)
    @api.response(200, schemas.CouncilsCallSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, call_id):
        """Publish the result with its reasoning (staff): the objection period starts."""
        call = services.get_call(call_id, include_drafts=True)
        services.decide(call, staff=current_account(), **data)
        answer = call_dict(call)
        db.session.commit()
        return answer


@api.route("/calls/<uuid:call_id>/seating")
class Seating(MethodView):
    @api.response(201, schemas.CouncilsMemberSchema(many=True))
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, call_id):
        """Seat the selected candidates once the objection period is over (staff)."""
        seated = services.seat_selected(services.get_call(call_id, include_drafts=True))
        answer = [member_dict(m) for m in seated]
        db.session.commit()
        return answer


# --- meetings and votes -------------------------------------------------------------------------


@api.route("/councils/<uuid:council_id>/meetings")
class Meetings(MethodView):
    @api.response(200, schemas.CouncilsMeetingSchema(many=True))
    @api.paginate(page=1, page_size=50, max_page_size=200)
    def get(self, council_id, pagination_parameters):
        """The council's meetings, latest first."""
        council = services.get_council(council_id)
        pagination_parameters.item_count = services.count_meetings(council)
        if pagination_parameters.first_item >= pagination_parameters.item_count:
            return []  # past the end (an offset that large would not even fit PostgreSQL's bigint)
        page = services.meetings_of(
            council, limit=pagination_parameters.page_size, offset=pagination_parameters.first_item
        )
        details, needed = services.meeting_details(page), services.quorum_needed(council)
        sees = access.sees_place(council)
        return [meeting_dict(m, details, needed, sees) for m in page]

    @api.arguments(schemas.CouncilsMeetingSchema)
    @api.response(201, schemas.CouncilsMeetingSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    def post(self, data, council_id):
        """Schedule a meeting with its agenda (the secretary or staff)."""
        council = services.get_council(council_id)
        access.require_secretary(council.id)
        meeting = services.save_meeting(council, None, items=data.pop("agenda"), **data)
        answer = meeting_dict(meeting)
        db.session.commit()
        return answer


@api.route("/meetings/<uuid:meeting_id>")
class MeetingItem(MethodView):
    @api.response(200, schemas.CouncilsMeetingSchema)
    def get(self, meeting_id):
        """One meeting: agenda with the roll-call counts, attendance against the quorum."""
        return meeting_dict(services.get_meeting(meeting_id))


@api.route("/meetings/<uuid:meeting_id>/attendance")
class MeetingAttendance(MethodView):
    @api.arguments(schemas.CouncilsAttendanceSchema)
    @api.response(200, schemas.CouncilsMeetingSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    def put(self, data, meeting_id):
        """Record who is present (the secretary): every other sitting member is absent."""
        meeting = services.get_meeting(meeting_id)
        access.require_secretary(meeting.council_id)
        services.record_attendance(meeting, set(data["present"]), by=current_account())
        answer = meeting_dict(meeting)
        db.session.commit()
        return answer


@api.route("/items/<uuid:item_id>/votes")
class ItemVotes(MethodView):
    @api.response(200, schemas.CouncilsVoteSchema(many=True))
    def get(self, item_id):
        """The roll call on an agenda item, member by member."""
        item, _meeting = services.get_item(item_id)
        return [{"member_id": v.member_id, "choice": v.choice} for v in services.votes_of([item.id])[item.id]]

    @api.arguments(schemas.CouncilsVoteCreateSchema)
    @api.response(201, schemas.CouncilsVoteSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    @require_permission(NOMINATE)
    def post(self, data, item_id):
        """Vote as a present member (your own device), or enter a member's vote (the secretary,
        with ``member_id``). Refused without quorum, with a declared conflict, or a second time."""
        item, meeting = services.get_item(item_id)
        account = current_account()
        if data["member_id"] is not None and data["member_id"] != getattr(
            services.my_member(meeting.council_id, account, services.local_today(meeting.starts_at)),
            "id",
            None,
        ):
            access.require_secretary(meeting.council_id)
            member = services.get_member(data["member_id"])
        else:
            member = services.my_member(meeting.council_id, account, services.local_today(meeting.starts_at))
            if member is None:
                raise RuleViolation(gettext("You are not a member of this council."), status=403)
        vote = services.cast_vote(item, member, data["choice"], by=account)
        answer = {"member_id": vote.member_id, "choice": vote.choice}
        db.session.commit()
        return answer


# --- documents ----------------------------------------------------------------------------------


def document_dict(d) -> dict:
    return {
        "id": d.id,
        "council_id": d.council_id,
        "meeting_id": d.meeting_id,
        "kind": d.kind,
        "title": d.title,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "uploaded_at": d.uploaded_at,
        "deleted_at": d.deleted_at,
        "url": None if d.deleted_at else url_for("councils.document", document_id=d.id),
    }


def _upload(council, title, meeting=None):
    upload = request.files.get("file")
    data = upload.read(documents.upload_limit() + 1) if upload else b""
    doc = documents.add_document(
        council, upload.filename if upload else "", data, by=current_account(), meeting=meeting, title=title
    )
    answer = document_dict(doc)
    db.session.commit()
    return answer


@api.route("/<uuid:council_id>/founding-decision")
class FoundingDecision(MethodView):
    @api.response(200, schemas.CouncilsDocumentSchema(many=True))
    def get(self, council_id):
        """The council's founding decision(s), withdrawn ones marked."""
        return [
            document_dict(d) for d in documents.documents_of(services.get_council(council_id), founding=True)
        ]

    @api.arguments(schemas.CouncilsDocumentTitleSchema, location="form")
    @api.arguments(schemas.CouncilsDocumentUploadSchema, location="files")
    @api.response(201, schemas.CouncilsDocumentSchema)
    @api.alt_response(413, description="Larger than the upload limit.")
    @api.alt_response(415, description="Not a PDF by its content.")
    @require_permission(MANAGE)
    def post(self, form, _files, council_id):
        """Upload the founding decision (staff): a PDF, checked by content, within the upload limit."""
        return _upload(services.get_council(council_id), form["title"])


@api.route("/meetings/<uuid:meeting_id>/documents")
class MeetingDocuments(MethodView):
    @api.response(200, schemas.CouncilsDocumentSchema(many=True))
    def get(self, meeting_id):
        """A meeting's papers, withdrawn ones marked."""
        meeting = services.get_meeting(meeting_id)
        council = services.get_council(meeting.council_id)
        return [document_dict(d) for d in documents.documents_of(council, meeting=meeting)]

    @api.arguments(schemas.CouncilsDocumentTitleSchema, location="form")
    @api.arguments(schemas.CouncilsDocumentUploadSchema, location="files")
    @api.response(201, schemas.CouncilsDocumentSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(413, description="Larger than the upload limit.")
    @api.alt_response(415, description="Not PDF, Word, Excel, PowerPoint or OpenDocument by its content.")
    def post(self, form, _files, meeting_id):
        """Upload a paper of the meeting (the secretary or staff)."""
        meeting = services.get_meeting(meeting_id)
        access.require_secretary(meeting.council_id)
        return _upload(services.get_council(meeting.council_id), form["title"], meeting)


@api.route("/documents/<uuid:document_id>")
class DocumentItem(MethodView):
    @api.response(200, schemas.CouncilsDocumentSchema)
    def get(self, document_id):
        """A document's description (``url`` downloads it)."""
        return document_dict(documents.get_document(document_id))

    @api.response(200, schemas.CouncilsDocumentSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    def delete(self, document_id):
        """Withdraw a file (staff; a meeting's papers also its secretary): the record stays."""
        doc = documents.get_document(document_id)
        access.require_document_editor(doc)
        documents.delete_document(doc, by=current_account())
        answer = document_dict(doc)
        db.session.commit()
        return answer


# --- opinions -----------------------------------------------------------------------------------


@api.route("/opinions")
class Opinions(MethodView):
    @api.arguments(schemas.CouncilsOpinionQuerySchema, location="query")
    @api.response(200, schemas.CouncilsOpinionSchema(many=True))
    @api.paginate(page=1, page_size=50, max_page_size=200)
    def get(self, query, pagination_parameters):
        """The register of opinions of every council, with the answers (``overdue`` to see those late)."""
        today = services.local_today()
        pagination_parameters.item_count = services.count_opinions(overdue_only=query["overdue"], today=today)
        if pagination_parameters.first_item >= pagination_parameters.item_count:
            return []  # past the end (an offset that large would not even fit PostgreSQL's bigint)
        found = services.list_opinions(
            overdue_only=query["overdue"],
            today=today,
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        return [opinion_dict(o, today) for o in found]


@api.route("/councils/<uuid:council_id>/opinions")
class CouncilOpinions(MethodView):
    @api.response(200, schemas.CouncilsOpinionSchema(many=True))
    def get(self, council_id):
        """The council's opinions, latest first."""
        today = services.local_today()
        return [opinion_dict(o, today) for o in services.list_opinions(services.get_council(council_id))]

    @api.arguments(schemas.CouncilsOpinionSchema)
    @api.response(201, schemas.CouncilsOpinionSchema)
    @api.alt_response(403, description=WHO)
    @api.alt_response(409, description=RULE)
    def post(self, data, council_id):
        """Issue an opinion (the secretary or staff); with ``item_id`` its vote is that item's roll call."""
        council = services.get_council(council_id)
        access.require_secretary(council.id)
        opinion = services.issue_opinion(council, **data)
        answer = opinion_dict(opinion)
        db.session.commit()
        return answer


@api.route("/opinions/<uuid:opinion_id>/answer")
class OpinionAnswer(MethodView):
    @api.arguments(schemas.CouncilsOpinionAnswerSchema)
    @api.response(200, schemas.CouncilsOpinionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def put(self, data, opinion_id):
        """The municipality's reasoned answer (staff): accepted, partly, or not accepted."""
        opinion = services.answer_opinion(services.get_opinion(opinion_id), by=current_account(), **data)
        answer = opinion_dict(opinion)
        db.session.commit()
        return answer


def _dissent_dict(d, name) -> dict:
    return {
        "id": d.id,
        "member_id": d.member_id,
        "member": name,
        "text": d.text,
        "submitted_at": d.submitted_at,
    }


@api.route("/opinions/<uuid:opinion_id>/dissents")
class Dissents(MethodView):
    @api.response(200, schemas.CouncilsDissentSchema(many=True))
    def get(self, opinion_id):
        """The members' own dissenting opinions on an opinion (published beside it)."""
        return [_dissent_dict(d, name) for d, name in services.dissents(services.get_opinion(opinion_id))]

    @api.arguments(schemas.CouncilsDissentCreateSchema)
    @api.response(201, schemas.CouncilsDissentSchema)
    @api.alt_response(401, description="Sign in first.")
    @api.alt_response(403, description="Only a member who voted against it, once.")
    def post(self, data, opinion_id):
        """Add your dissenting opinion: you voted against the opinion in its roll call; once."""
        opinion = services.get_opinion(opinion_id)
        row = services.add_dissent(opinion, current_account(), data["text"])
        name = next(n for d, n in services.dissents(opinion) if d.id == row.id)
        answer = _dissent_dict(row, name)
        db.session.commit()
        return answer
