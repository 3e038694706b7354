"""JSON API of consultations: the list and one consultation with its articles."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    RuleViolation,
    current_account,
    db,
    external_url,
    has_permission,
    require_permission,
)
from plugins.hearings.api_blueprint import _consultation, _host, api, api_status
from plugins.hearings.comments import services as comments_services
from plugins.hearings.common import HearingsError, iso_local, to_utc
from plugins.hearings.consultations import schemas, services
from plugins.hearings.law import services as law
from plugins.hearings.models import Status


def _refuse(exc: HearingsError):
    """A rule said no: problem+json with the message and, for a field, ``errors``; nothing kept."""
    db.session.rollback()
    raise RuleViolation(exc.message, status=api_status(exc), field=exc.field_name) from None


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
        "intended_adoption_on": c.intended_adoption_on.isoformat() if c.intended_adoption_on else None,
    }


def _detail(c) -> dict:
    data = _consultation_dict(c, comments_services.comment_counts([c.id]).get(c.id, 0))
    data["articles"] = [
        {"id": a.id, "number": a.number, "title": a.title, "body": a.body, "version": a.version}
        for a in services.articles_of(c)
    ]
    data["open_for_comments"] = services.is_open_for_comments(c)
    data["outcome_summary"] = c.outcome_summary if c.status == Status.OUTCOME_PUBLISHED else None
    data["rule_set"] = law.rule_set().code
    data["exceptions"] = [
        {"kind": e.kind, "rule_set": e.rule_set, "reason": e.reason, "at": iso_local(e.at)}
        for e in law.exceptions_of(c)
    ]
    data["history"] = [
        {
            "at": iso_local(h.at),
            "kind": h.kind,
            "field": h.item.field if h.kind == "date" else None,
            "old": h.item.old_value if h.kind == "date" else h.item.from_status,
            "new": h.item.new_value if h.kind == "date" else h.item.to_status,
            "reason": h.item.reason if h.kind == "date" else None,
        }
        for h in law.history(c)
    ]
    return data


def _save(c, data):
    try:
        saved = services.save_consultation(
            c,
            account=current_account(),
            title=data["title"],
            summary=data["summary"],
            tags=data["tags"],
            opens_at=to_utc(data["opens_at"]),
            closes_at=to_utc(data["closes_at"]),
            draft=data["draft"],
            intended_adoption_on=data["intended_adoption_on"],
            reason=data["reason"],
        )
    except HearingsError as exc:
        _refuse(exc)
    body = _detail(saved)
    db.session.commit()
    return body


@api.route("/consultations")
class Consultations(MethodView):
    @api.response(200, schemas.ConsultationSchema(many=True))
    def get(self):
        """The municipality's consultations (drafts only for staff)."""
        items = services.list_consultations(include_drafts=has_permission("hearings.manage"))
        counts = comments_services.comment_counts([c.id for c in items])
        return [_consultation_dict(c, counts.get(c.id, 0)) for c in items]

    @api.arguments(schemas.ConsultationWriteSchema)
    @api.response(201, schemas.ConsultationDetailSchema)
    @require_permission("hearings.manage")
    def post(self, data):
        """Create a consultation (staff). Dates against the municipality's rule set: what the law
        forbids is refused (problem+json, ``errors`` by field); an exception it allows needs
        ``reason``, which is published."""
        return _save(None, data)


@api.route("/consultations/<uuid:cid>")
class ConsultationItem(MethodView):
    @api.response(200, schemas.ConsultationDetailSchema)
    def get(self, cid):
        """One consultation with the articles of its current version, its rule set, the
        exceptions recorded with their reasons, and the history of its status and dates."""
        return _detail(_consultation(cid))

    @api.arguments(schemas.ConsultationWriteSchema)
    @api.response(200, schemas.ConsultationDetailSchema)
    @require_permission("hearings.manage")
    def put(self, data, cid):
        """Change a consultation (staff): every change of a date is recorded in its history;
        shortening it below the law's period is refused, or needs ``reason`` where allowed."""
        try:
            c = services.get_consultation(cid)
        except HearingsError as exc:
            _refuse(exc)
        return _save(c, data)


@api.route("/consultations/<uuid:cid>/status")
class ConsultationStatus(MethodView):
    @api.arguments(schemas.StatusActionSchema)
    @api.response(200, schemas.ConsultationDetailSchema)
    @require_permission("hearings.manage")
    def post(self, data, cid):
        """Schedule, open or close (staff): refused when the law's dates or documents are not
        met, unless the law allows the exception and ``reason`` gives it."""
        account = current_account()
        try:
            c = services.get_consultation(cid)
            action = {"schedule": services.schedule, "open": services.open_now, "close": services.close_now}
            action[data["action"]](c, account, reason=data["reason"])
        except HearingsError as exc:
            _refuse(exc)
        body = _detail(c)
        db.session.commit()
        return body
