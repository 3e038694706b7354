"""JSON API of registrations: registering yourself and the attendee list (staff)."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    current_account,
    db,
    require_permission,
)
from plugins.hearings.api_blueprint import _fail, _meeting, api
from plugins.hearings.common import HearingsError
from plugins.hearings.registrations import schemas, services


@api.route("/meetings/<uuid:mid>/registrations")
class MeetingRegistrations(MethodView):
    @api.arguments(schemas.RegistrationCreateSchema)
    @api.response(201, schemas.RegistrationSchema)
    @require_permission("hearings.participate")
    def post(self, data, mid):
        """Register yourself (personal access token): a seat, or the waiting list when full; on
        behalf of an organisation you belong to that is affiliated here (another is a 403)."""
        m = _meeting(mid)
        account = current_account()
        try:
            regs = services.register(
                [m.id],
                services.Registrant(
                    name=account.display_name,
                    email=account.email or "",
                    account=account,
                    organisation_id=data["organisation_id"],
                    accessibility=data["accessibility"],
                    accessibility_other=data["accessibility_other"],
                    accessibility_consent=services.consent_text() if data["accessibility_consent"] else "",
                ),
            )
        except HearingsError as exc:
            _fail(exc)
        services.mail_registration(regs)  # written with the registration; leaves once it commits
        r = regs[0]
        data = {
            "id": r.id,
            "meeting_id": r.meeting_id,
            "status": r.status,
            "name": r.name,
            "organisation_id": r.organisation_id,
            "organisation_name": r.organisation_name,
        }
        db.session.commit()
        return data


@api.route("/meetings/<uuid:mid>/registrations/list")
class MeetingRegistrationList(MethodView):
    @api.response(200, schemas.AttendeeSchema(many=True))
    @require_permission("hearings.manage")
    def get(self, mid):
        """Registrations of a meeting with accessibility needs and check-in (staff)."""
        return services.registrations_of(_meeting(mid))
