"""JSON API of the complete register: entering a recommendation received outside the platform,
and the register in the legal form."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.toolkit import RuleViolation, current_account, db, has_permission, require_permission
from plugins.hearings.api_blueprint import _consultation, api, api_status
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.register import services


class RecommendationSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(list(services.RECEIVED_CHANNELS)))
    received_on = fields.Date(required=True)
    sender_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    organisation_name = fields.String(load_default="", validate=validate.Length(max=200))
    sender_contact = fields.String(
        load_default="", validate=validate.Length(max=300), metadata={"description": "Never published"}
    )
    article_id = fields.UUID(load_default=None, allow_none=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.MAX_LETTER))


class EnteredSchema(Schema):
    id = fields.UUID(required=True)
    register_number = fields.Integer(required=True)


@api.route("/consultations/<uuid:cid>/recommendations")
class Recommendations(MethodView):
    @api.arguments(RecommendationSchema)
    @api.response(201, EnteredSchema)
    @require_permission("hearings.manage")
    def post(self, data, cid):
        """Enter a recommendation received on paper, by e-mail or at the registry (staff): it is
        numbered in the same register as online comments."""
        try:
            c = consultations_services.get_consultation(cid)
            cm = services.enter_recommendation(c, current_account(), **data)
        except HearingsError as exc:
            db.session.rollback()
            raise RuleViolation(exc.message, status=api_status(exc), field=exc.field_name) from None
        body = {"id": cm.id, "register_number": cm.register_number}
        db.session.commit()
        return body


@api.route("/consultations/<uuid:cid>/report")
class LegalReport(MethodView):
    @api.response(
        200,
        description="The register in the legal form of the rule set: columns and rows, codes with labels.",
    )
    def get(self, cid):
        """The register in the legal form (Romania's register, Bulgaria's «справка», Greece's report)."""
        c = _consultation(cid)
        return Response(
            services.report_json(c, has_permission("hearings.manage")), mimetype="application/json"
        )
