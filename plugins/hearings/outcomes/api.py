"""JSON API of the register of recommendations and the published outcome."""

from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView

from core.toolkit import (
    abort,
    has_permission,
)
from plugins.hearings.api_blueprint import _consultation, api
from plugins.hearings.models import Status
from plugins.hearings.outcomes import services


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
