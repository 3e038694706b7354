"""JSON API of the speaker list."""

from __future__ import annotations

from flask.views import MethodView

from plugins.hearings.api_blueprint import _meeting, api
from plugins.hearings.speakers import schemas, services


@api.route("/meetings/<uuid:mid>/speakers")
class MeetingSpeakers(MethodView):
    @api.response(200, schemas.SpeakerSchema(many=True))
    def get(self, mid):
        """The speaker list, in order."""
        return services.speakers(_meeting(mid))
