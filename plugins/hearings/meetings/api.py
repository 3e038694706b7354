"""JSON API of meetings: the list and one meeting."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    external_url,
)
from plugins.hearings.api_blueprint import _host, _meeting, api
from plugins.hearings.common import iso_local
from plugins.hearings.meetings import schemas, services
from plugins.hearings.registrations import services as registrations_services


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
        "registration_open": registrations_services.registration_open(m),
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
        taken = registrations_services.seats_taken([m.id for m in items])
        return [_meeting_dict(m, taken.get(m.id, 0)) for m in items]


@api.route("/meetings/<uuid:mid>")
class MeetingItem(MethodView):
    @api.response(200, schemas.MeetingSchema)
    def get(self, mid):
        """One meeting."""
        m = _meeting(mid)
        return _meeting_dict(m, registrations_services.seats_taken([m.id]).get(m.id, 0))
