"""JSON API of consultations: the list and one consultation with its articles."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    external_url,
    has_permission,
)
from plugins.hearings.api_blueprint import _consultation, _host, api
from plugins.hearings.comments import services as comments_services
from plugins.hearings.common import iso_local
from plugins.hearings.consultations import schemas, services
from plugins.hearings.models import Status


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


@api.route("/consultations")
class Consultations(MethodView):
    @api.response(200, schemas.ConsultationSchema(many=True))
    def get(self):
        """The municipality's consultations (drafts only for staff)."""
        items = services.list_consultations(include_drafts=has_permission("hearings.manage"))
        counts = comments_services.comment_counts([c.id for c in items])
        return [_consultation_dict(c, counts.get(c.id, 0)) for c in items]


@api.route("/consultations/<uuid:cid>")
class ConsultationItem(MethodView):
    @api.response(200, schemas.ConsultationDetailSchema)
    def get(self, cid):
        """One consultation with the articles of its current version."""
        c = _consultation(cid)
        data = _consultation_dict(c, comments_services.comment_counts([c.id]).get(c.id, 0))
        data["articles"] = [
            {"id": a.id, "number": a.number, "title": a.title, "body": a.body, "version": a.version}
            for a in services.articles_of(c)
        ]
        data["open_for_comments"] = services.is_open_for_comments(c)
        data["outcome_summary"] = c.outcome_summary if c.status == Status.OUTCOME_PUBLISHED else None
        return data
