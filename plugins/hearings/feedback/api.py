"""JSON API of the feedback aggregate of a meeting."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    abort,
    current_account,
    has_permission,
)
from plugins.hearings.api_blueprint import _meeting, api
from plugins.hearings.feedback import schemas, services


@api.route("/meetings/<uuid:mid>/feedback")
class MeetingFeedback(MethodView):
    @api.response(200, schemas.FeedbackSummarySchema)
    def get(self, mid):
        """The feedback aggregate: public once published (or by setting), staff always."""
        m = _meeting(mid)
        if not (services.feedback_public(m) or has_permission("hearings.manage")):
            abort(401 if current_account() is None else 403)
        return services.feedback_summary(m)
