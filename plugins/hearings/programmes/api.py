"""JSON API of programmes."""

from __future__ import annotations

from flask.views import MethodView

from plugins.hearings.api_blueprint import api
from plugins.hearings.programmes import schemas, services


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
