"""The HTML blueprint (``/hearings/``) every domain's ``views`` adds pages to, and what they share:
turning a :class:`HearingsError` into an answer, the staff/moderator checks, the label filters.

Routes are added when a domain's ``views`` module is imported (``plugin.py`` imports them all).
"""

from __future__ import annotations

import uuid
from functools import wraps

from core.toolkit import (
    Blueprint,
    abort_with,
    db,
    flash,
    has_permission,
    redirect_back,
    render_template,
    request,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, channel_label, local_text, to_local
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.meetings import forms as meetings_forms
from plugins.hearings.models import Status

bp = Blueprint("hearings", __name__, template_folder="templates", static_folder="static")


def handled(view):
    """Turn a rule violation into an error page (GET, 4xx) or a message and a way back (POST)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except HearingsError as exc:
            db.session.rollback()
            if request.method == "GET" or exc.status in (401, 403, 404):
                abort_with(exc.status, exc.message)
            flash(exc.message, "error")
            return redirect_back(_back(kwargs))

    return wrapper


def _back(kwargs) -> str:
    if "cid" in kwargs:
        return url_for("hearings.consultation", cid=kwargs["cid"])
    if "mid" in kwargs:
        return url_for("hearings.meeting", mid=kwargs["mid"])
    if "pid" in kwargs:
        return url_for("hearings.programme", pid=kwargs["pid"])
    if "token" in kwargs:
        return url_for("hearings.registration", token=kwargs["token"])
    return url_for("hearings.index")


def _is_staff() -> bool:
    return has_permission("hearings.manage")


def _is_moderator() -> bool:
    return has_permission("hearings.moderate")


def _consultation(cid: uuid.UUID):
    c = consultations_services.get_consultation(cid)
    if c.status == Status.DRAFT and not _is_staff():
        raise HearingsError(_("This consultation does not exist."), 404)
    return c


def _local_input(value):
    local = to_local(value)
    return local.replace(tzinfo=None) if local else None


def status_label(status: str) -> str:
    return {
        "draft": _("Draft"),
        "scheduled": _("Scheduled"),
        "open": _("Open for comments"),
        "closed": _("Closed"),
        "outcome_published": _("Outcome published"),
    }.get(status, status)


def kind_label(kind: str) -> str:
    return dict(meetings_forms.kinds()).get(kind, kind)


def registration_label(status: str) -> str:
    return {
        "pending": _("Waiting for email confirmation"),
        "confirmed": _("Confirmed"),
        "waiting": _("On the waiting list"),
        "cancelled": _("Cancelled"),
    }.get(status, status)


def outcome_label(outcome: str | None) -> str:
    """The answer given to a comment (``not_accepted`` -> «Not accepted», translated)."""
    from plugins.hearings.outcomes.forms import outcomes

    return str(dict(outcomes()).get(outcome or "", outcome or ""))


def speaker_label(status: str) -> str:
    return {
        "requested": _("Waiting to speak"),
        "spoken": _("Has spoken"),
        "withdrawn": _("Withdrawn"),
    }.get(status, status)


def moderation_label(action: str) -> str:
    """A moderation decision of the log (stored as ``hide``/``restore``/``dismiss``)."""
    return {
        "hide": _("Hidden"),
        "restore": _("Restored"),
        "dismiss": _("Reports dismissed"),
    }.get(action, action)


def accessibility_label(needs) -> str:
    """A registration's accessibility needs (stored codes) as a list people read."""
    from plugins.hearings.registrations.forms import accessibility_choices

    names = dict(accessibility_choices())
    if isinstance(needs, str):
        needs = [n for n in needs.replace(";", ",").split(",") if n.strip()]
    return ", ".join(str(names.get(n.strip(), n)) for n in needs or [])


def received_label(comment) -> str:
    """How and when a recommendation entered by staff was received."""
    when = date_text(comment.received_on) if comment.received_on else ""
    return _("%(channel)s, received on %(date)s", channel=channel_label(comment.channel), date=when)


def date_text(value) -> str:
    """A calendar day in the reader's language (long form)."""
    from babel.dates import format_date

    from core.toolkit import get_locale

    return format_date(value, "long", locale=str(get_locale() or "en")) if value else ""


def date_field_label(name: str) -> str:
    return {
        "opens_at": _("Opening"),
        "closes_at": _("Closing"),
        "intended_adoption_on": _("Intended adoption"),
    }.get(name, name)


def exception_label(e) -> str:
    return {
        "short_period": _("Shorter period for comments"),
        "adoption_notice": _("Shorter notice before adoption (urgent procedure)"),
        "missing_documents": _("Opened without a required document"),
    }.get(e.kind, e.kind)


@bp.app_template_filter("hearings_local")
def _local_filter(value, fmt="medium"):
    return local_text(value, fmt)


@bp.app_template_filter("hearings_date")
def _date_filter(value):
    return date_text(value)


@bp.app_context_processor
def _labels():
    return {
        "hearings_status_label": status_label,
        "hearings_kind_label": kind_label,
        "hearings_registration_label": registration_label,
        "hearings_outcome_label": outcome_label,
        "hearings_speaker_label": speaker_label,
        "hearings_moderation_label": moderation_label,
        "hearings_accessibility_label": accessibility_label,
        "hearings_channel_label": channel_label,
        "hearings_received_label": received_label,
        "date_field_label": date_field_label,
        "exception_label": exception_label,
    }


def confirmation_page(
    *,
    title: str,
    consequences: list[str],
    action_url: str,
    back_url: str,
    confirm_label: str,
    reason_help: str,
    hidden: dict[str, str] | None = None,
):
    """An irreversible staff action asks first (issue 16 §2): ``None`` once the person confirmed
    with a reason (``request.form``: ``confirmed=yes`` and ``reason``); else the page that says
    what follows and asks for the reason (200; 422 when confirmed without one)."""
    reason = (request.form.get("reason") or "").strip()
    confirmed = request.form.get("confirmed") == "yes"
    if confirmed and reason:
        return None
    page = render_template(
        "hearings/confirm.html",
        title=title,
        consequences=consequences,
        action_url=action_url,
        hidden=hidden or {},
        reason=reason,
        reason_help=reason_help,
        error=_("Give the reason for doing this now.") if confirmed else None,
        confirm_label=confirm_label,
        back_url=back_url,
    )
    return page, 422 if confirmed else 200
