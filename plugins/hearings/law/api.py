"""JSON API of the consultation law in force."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from plugins.hearings.api_blueprint import api
from plugins.hearings.law import services
from plugins.hearings.law.rules import REGISTER_FORMS, document_label


class RuleSetSchema(Schema):
    code = fields.String(required=True, metadata={"description": "RO, BG or GR"})
    title = fields.String(required=True)
    min_days = fields.Integer(
        required=True, metadata={"description": "Shortest period for comments, calendar days"}
    )
    exception_min_days = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Shorter with a stated reason, down to this"}
    )
    notice_working_days = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "Working days between announcement and adoption"},
    )
    required_documents = fields.List(
        fields.List(fields.Dict()), required=True, metadata={"description": "Groups: one of each is required"}
    )
    register_form = fields.Dict(required=True)


@api.route("/law")
class LawInForce(MethodView):
    @api.response(200, RuleSetSchema)
    def get(self):
        """The rule set the municipality's consultations follow."""
        rules = services.rule_set()
        return {
            "code": rules.code,
            "title": rules.title,
            "min_days": rules.min_days,
            "exception_min_days": rules.exception_min_days,
            "notice_working_days": rules.notice_working_days,
            "required_documents": [
                [{"code": t, "label": document_label(t)} for t in group] for group in rules.required_documents
            ],
            "register_form": {"code": rules.register_form, "label": str(REGISTER_FORMS[rules.register_form])},
        }
