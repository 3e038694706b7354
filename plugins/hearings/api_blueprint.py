"""The JSON API blueprint (``/api/v1/hearings/``) every domain's ``api`` adds routes to, and the
lookups they share. Routes are added when a domain's ``api`` module is imported (``plugin.py``).
"""

from __future__ import annotations

from core.toolkit import (
    ApiBlueprint,
    abort,
    abort_with,
    db,
    has_permission,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.models import Status

api = ApiBlueprint(
    "hearings_api",
    __name__,
    description="Consultations article by article, comments, the register of recommendations, meetings and registration.",
)


def api_status(exc: HearingsError) -> int:
    """The API's status for a rule the services enforce: a request the document admits that breaks
    a rule (closing before opening, a period the law forbids, a missing consent) is a 409, as the
    API's rules say: 422 is only for what the schema refuses. Pages keep the service's status."""
    return 409 if exc.status == 422 else exc.status


def _fail(exc: HearingsError):
    db.session.rollback()
    abort_with(api_status(exc), exc.message)


def _host() -> str:
    from core.toolkit import current_tenant

    return current_tenant().primary_host


def _consultation(cid):
    try:
        c = consultations_services.get_consultation(cid)
    except HearingsError as exc:
        _fail(exc)
    if c.status == Status.DRAFT and not has_permission("hearings.manage"):
        abort(404)
    return c


def _meeting(mid):
    try:
        return meetings_services.get_meeting(mid)
    except HearingsError as exc:
        _fail(exc)
