"""JSON API of the annual report on decisional transparency (Romania)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from core.toolkit import abort_with
from plugins.hearings.api_blueprint import api, api_status
from plugins.hearings.common import HearingsError
from plugins.hearings.transparency import services


@api.route("/transparency/<int:year>")
class AnnualReport(MethodView):
    @api.response(200, description="The indicators of Law 52/2003 art. 13 for the year, codes with labels.")
    def get(self, year):
        """The annual report on decisional transparency of a year (Romania only)."""
        try:
            return Response(services.report_json(year), mimetype="application/json")
        except HearingsError as exc:
            abort_with(api_status(exc), exc.message)
