"""The JSON API of the hearings plugin, under ``/api/v1/hearings/`` (flask-smorest, thin)."""

from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView

from core.toolkit import (
    ApiBlueprint,
    abort,
    abort_with,
    current_account,
    db,
    external_url,
    has_permission,
    require_permission,
)
from plugins.hearings import schemas, services
from plugins.hearings.models import Status
from plugins.hearings.services import HearingsError, iso_local

api = ApiBlueprint(
    "hearings_api",
    __name__,
    description="Consultations article by article, comments, the register of recommendations, meetings and registration.",
)


def _fail(exc: HearingsError):
    db.session.rollback()
    abort_with(exc.status, exc.message)


def _host() -> str:
    from core.toolkit import current_tenant

    return current_tenant().primary_host


def _consultation(cid):
    try:
        c = services.get_consultation(cid)
    except HearingsError as exc:
        _fail(exc)
    if c.status == Status.DRAFT and not has_permission("hearings.manage"):
        abort(404)
    return c


def _consultation_dict(c, count: int) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "summary": c.summary,
        "tag_list": c.tag_list,
        "status": c.effective_status,  # by the dates: reads never record a transition
        "opens_at": iso_local(c.opens_at),
        "closes_at": iso_local(c.closes_at),
        "version": c.version,
        "comment_count": count,
        "url": external_url(_host(), f"/hearings/consultations/{c.id}"),
    }


def _comment_dict(cm, show_answers: bool) -> dict:
    """``show_answers``: staff, or the outcome is published (answers are not public before)."""
    status = "withdrawn" if cm.withdrawn_at else "hidden" if cm.hidden_at else "published"
    return {
        "id": cm.id,
        "article_id": cm.article_id,
        "parent_id": cm.parent_id,
        "version": cm.version,
        "author": cm.author_name,
        "organisation": cm.organisation_name,
        "body": cm.body if status == "published" or status == "hidden" else None,
        "status": status,
        "hidden_reason": cm.hidden_reason,
        "created_at": iso_local(cm.created_at),
        "edited_at": iso_local(cm.edited_at),
        "outcome": cm.outcome if show_answers else None,
        "outcome_reason": cm.outcome_reason if show_answers else None,
    }


@api.route("/consultations")
class Consultations(MethodView):
    @api.response(200, schemas.ConsultationSchema(many=True))
    def get(self):
        """The municipality's consultations (drafts only for staff)."""
        items = services.list_consultations(include_drafts=has_permission("hearings.manage"))
        counts = services.comment_counts([c.id for c in items])
        return [_consultation_dict(c, counts.get(c.id, 0)) for c in items]


@api.route("/consultations/<uuid:cid>")
class ConsultationItem(MethodView):
    @api.response(200, schemas.ConsultationDetailSchema)
    def get(self, cid):
        """One consultation with the articles of its current version."""
        c = _consultation(cid)
        data = _consultation_dict(c, services.comment_counts([c.id]).get(c.id, 0))
        data["articles"] = [
            {"id": a.id, "number": a.number, "title": a.title, "body": a.body, "version": a.version}
            for a in services.articles_of(c)
        ]
        data["open_for_comments"] = services.is_open_for_comments(c)
        data["outcome_summary"] = c.outcome_summary if c.status == Status.OUTCOME_PUBLISHED else None
        return data


@api.route("/consultations/<uuid:cid>/comments")
class ConsultationComments(MethodView):
    @api.response(200, schemas.CommentSchema(many=True))
    @api.paginate(page=1, page_size=100, max_page_size=500)
    def get(self, cid, pagination_parameters):
        """The comments, oldest first, a page at a time (``page``, ``page_size`` ≤ 500; the total is
        in the ``X-Pagination`` header): published ones for everyone; your own hidden ones (with
        the reason) for you; all for moderators. The register has them all in one file."""
        c = _consultation(cid)
        comments, total = services.comments_page(
            c,
            current_account(),
            has_permission("hearings.moderate"),
            pagination_parameters.first_item,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        show_answers = services.answers_public(c) or has_permission("hearings.manage")
        return [_comment_dict(cm, show_answers) for cm in comments]

    @api.arguments(schemas.CommentCreateSchema)
    @api.response(201, schemas.CommentSchema)
    @require_permission("hearings.participate")
    def post(self, data, cid):
        """Comment (members, with a personal access token), optionally on behalf of an organisation."""
        c = _consultation(cid)
        try:
            cm = services.post_comment(
                c,
                current_account(),
                data["body"],
                article_id=data["article_id"],
                parent_id=data["parent_id"],
                organisation_id=data["organisation_id"],
            )
        except HearingsError as exc:
            _fail(exc)
        data = _comment_dict(cm, False)  # before the commit expires it; a new comment has no answer yet
        db.session.commit()
        return data


@api.route("/consultations/<uuid:cid>/register")
class ConsultationRegister(MethodView):
    @api.response(200, description="The register of recommendations (CSV at /hearings/.../register.csv).")
    def get(self, cid):
        """The register of recommendations: every comment with date, author, article and version."""
        c = _consultation(cid)
        body = services.register_json(c, has_permission("hearings.manage"))
        return Response(body, mimetype="application/json")


@api.route("/consultations/<uuid:cid>/outcome")
class ConsultationOutcome(MethodView):
    @api.response(200, description="Per-article counts of answers.")
    def get(self, cid):
        """The published outcome: the summary and per-article counts."""
        c = _consultation(cid)
        if c.status != Status.OUTCOME_PUBLISHED and not has_permission("hearings.manage"):
            abort(404)
        counts = services.outcome_counts(c)
        return Response(
            json.dumps({"summary": c.outcome_summary, "articles": {k: dict(v) for k, v in counts.items()}}),
            mimetype="application/json",
        )


def _meeting_dict(m, taken: int) -> dict:
    return {
        "id": m.id,
        "kind": m.kind,
        "title": m.title,
        "description": m.description,
        "starts_at": iso_local(m.starts_at),
        "ends_at": iso_local(m.ends_at),
        "place": m.place,
        "online_url": m.online_url,
        "capacity": m.capacity,
        "seats_taken": taken,
        "registration_open": services.registration_open(m),
        "agenda": m.agenda,
        "programme_id": m.programme_id,
        "consultation_id": m.consultation_id,
        "finished": m.finished_at is not None,
        "minutes": m.minutes if m.minutes_published_at else None,
        "url": external_url(_host(), f"/hearings/meetings/{m.id}"),
    }


@api.route("/meetings")
class Meetings(MethodView):
    @api.response(200, schemas.MeetingSchema(many=True))
    def get(self):
        """The municipality's meetings: hearings, forums and workshops."""
        items = services.list_meetings()
        taken = services.seats_taken([m.id for m in items])
        return [_meeting_dict(m, taken.get(m.id, 0)) for m in items]


def _meeting(mid):
    try:
        return services.get_meeting(mid)
    except HearingsError as exc:
        _fail(exc)


@api.route("/meetings/<uuid:mid>")
class MeetingItem(MethodView):
    @api.response(200, schemas.MeetingSchema)
    def get(self, mid):
        """One meeting."""
        m = _meeting(mid)
        return _meeting_dict(m, services.seats_taken([m.id]).get(m.id, 0))


@api.route("/meetings/<uuid:mid>/registrations")
class MeetingRegistrations(MethodView):
    @api.arguments(schemas.RegistrationCreateSchema)
    @api.response(201, schemas.RegistrationSchema)
    @require_permission("hearings.participate")
    def post(self, data, mid):
        """Register yourself (personal access token): a seat, or the waiting list when full."""
        m = _meeting(mid)
        account = current_account()
        try:
            regs = services.register(
                [m.id],
                services.Registrant(
                    name=account.display_name,
                    email=account.email or "",
                    account=account,
                    organisation_name=data["organisation_name"],
                    accessibility=data["accessibility"],
                    accessibility_other=data["accessibility_other"],
                ),
            )
        except HearingsError as exc:
            _fail(exc)
        services.mail_registration(regs)  # written with the registration; leaves once it commits
        r = regs[0]
        data = {
            "id": r.id,
            "meeting_id": r.meeting_id,
            "status": r.status,
            "name": r.name,
            "organisation_name": r.organisation_name,
        }
        db.session.commit()
        return data


@api.route("/meetings/<uuid:mid>/speakers")
class MeetingSpeakers(MethodView):
    @api.response(200, schemas.SpeakerSchema(many=True))
    def get(self, mid):
        """The speaker list, in order."""
        return services.speakers(_meeting(mid))


@api.route("/meetings/<uuid:mid>/registrations/list")
class MeetingRegistrationList(MethodView):
    @api.response(200, schemas.AttendeeSchema(many=True))
    @require_permission("hearings.manage")
    def get(self, mid):
        """Registrations of a meeting with accessibility needs and check-in (staff)."""
        return services.registrations_of(_meeting(mid))


@api.route("/meetings/<uuid:mid>/feedback")
class MeetingFeedback(MethodView):
    @api.response(200, schemas.FeedbackSummarySchema)
    def get(self, mid):
        """The feedback aggregate: public once published (or by setting), staff always."""
        m = _meeting(mid)
        if not (services.feedback_public(m) or has_permission("hearings.manage")):
            abort(401 if current_account() is None else 403)
        return services.feedback_summary(m)


@api.route("/moderation")
class ModerationQueue(MethodView):
    @api.response(200, schemas.ModerationItemSchema(many=True))
    @require_permission("hearings.moderate")
    def get(self):
        """Reported comments waiting for a decision (moderators; answers shown to staff only)."""
        staff = has_permission("hearings.manage")
        return [
            {
                "comment": _comment_dict(cm, staff),
                "consultation_id": cm.consultation_id,
                "reports": [r.reason for r in reports],
            }
            for cm, reports in services.moderation_queue()
        ]


@api.route("/programmes")
class Programmes(MethodView):
    @api.response(200, schemas.ProgrammeSchema(many=True))
    def get(self):
        """Programmes: series of meetings with one registration form."""
        return [
            {
                "id": p.id,
                "title": p.title,
                "description": p.description,
                "meeting_ids": [m.id for m in services.programme_meetings(p)],
            }
            for p in services.list_programmes()
        ]
