"""JSON API of meetings: the list and one meeting."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    db,
    external_url,
    require_permission,
    resolve_references,
)
from plugins.hearings.api_blueprint import _fail, _host, _meeting, api
from plugins.hearings.common import HearingsError, iso_local
from plugins.hearings.feedback import services as feedback_services
from plugins.hearings.meetings import schemas, services
from plugins.hearings.registrations import services as registrations_services


def _linked_surveys(items) -> dict:
    """The feedback surveys the meetings link, resolved in one call (what is no longer published
    here, or with the surveys plugin off, is missing)."""
    return resolve_references([m.feedback_survey for m in items if m.feedback_survey is not None])


def _survey_dict(m, linked: dict) -> dict | None:
    found = linked.get(m.feedback_survey) if m.feedback_survey is not None else None
    if found is None:
        return None
    return {"id": m.feedback_survey.id, "title": found.title, "url": found.url}


def _meeting_dict(m, taken: int, linked: dict) -> dict:
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
        "registration_open": registrations_services.registration_open(m),
        "agenda": m.agenda,
        "programme_id": m.programme_id,
        "consultation_id": m.consultation_id,
        "finished": m.finished_at is not None,
        "minutes": m.minutes if m.minutes_published_at else None,
        "url": external_url(_host(), f"/hearings/meetings/{m.id}"),
        "feedback_survey": _survey_dict(m, linked),
    }


@api.route("/meetings")
class Meetings(MethodView):
    @api.response(200, schemas.MeetingSchema(many=True))
    def get(self):
        """The municipality's meetings: hearings, forums and workshops."""
        items = services.list_meetings()
        taken = registrations_services.seats_taken([m.id for m in items])
        linked = _linked_surveys(items)
        return [_meeting_dict(m, taken.get(m.id, 0), linked) for m in items]


@api.route("/meetings/<uuid:mid>")
class MeetingItem(MethodView):
    @api.response(200, schemas.MeetingSchema)
    def get(self, mid):
        """One meeting."""
        m = _meeting(mid)
        return _meeting_dict(m, registrations_services.seats_taken([m.id]).get(m.id, 0), _linked_surveys([m]))


@api.route("/meetings/<uuid:mid>/feedback-survey")
class MeetingFeedbackSurvey(MethodView):
    @api.arguments(schemas.FeedbackSurveyWriteSchema)
    @api.response(200, schemas.MeetingSchema)
    @api.alt_response(409, description="Not one of the municipality's published surveys.")
    @require_permission("hearings.manage")
    def put(self, data, mid):
        """Link the survey that takes the meeting's feedback (staff), as on the results page: only
        a published survey of this municipality is taken (409); null unlinks."""
        m = _meeting(mid)
        survey_id = data["survey_id"]
        try:
            feedback_services.link_feedback_survey(m, str(survey_id) if survey_id else "")
        except HearingsError as exc:
            _fail(exc)
        body = _meeting_dict(m, registrations_services.seats_taken([m.id]).get(m.id, 0), _linked_surveys([m]))
        db.session.commit()
        return body
