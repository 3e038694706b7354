"""JSON API of moderation: reported comments waiting for a decision."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    has_permission,
    require_permission,
)
from plugins.hearings.api_blueprint import api
from plugins.hearings.comments.api import _comment_dict
from plugins.hearings.moderation import schemas, services


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
