"""Pages of the speaker list: asking to speak, staff actions, the queue."""

from __future__ import annotations

from core.toolkit import (
    abort,
    current_account,
    db,
    flash,
    redirect,
    render_template,
    request,
    require_permission,
    safe_redirect_target,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import _is_staff, bp, handled
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.models import SpeakerStatus
from plugins.hearings.speakers import forms, services


@bp.post("/meetings/<uuid:mid>/speakers")
@require_permission("hearings.participate")
@handled
def speaker_request(mid):
    m = meetings_services.get_meeting(mid)
    form = forms.SpeakerForm()
    services.request_to_speak(m, current_account(), form.topic.data or "", form.organisation_id.data or None)
    db.session.commit()
    flash(_("You are on the speaker list."), "success")
    return redirect(url_for("hearings.meeting", mid=m.id, _anchor="speakers"))


@bp.post("/meetings/<uuid:mid>/speakers/<uuid:sid>/<action>")
@require_permission("hearings.participate")
@handled
def speaker_action(mid, sid, action):
    m = meetings_services.get_meeting(mid)
    sr = services.get_speaker(m, sid)
    if action in ("up", "down"):
        if not _is_staff():
            abort(403)
        services.move_speaker(m, sr, -1 if action == "up" else 1)
    elif action in (SpeakerStatus.SPOKEN, SpeakerStatus.WITHDRAWN):
        services.set_speaker_status(
            sr, action, current_account(), _is_staff(), reason=request.form.get("reason", "")
        )
    else:
        abort(404)
    db.session.commit()
    back = url_for("hearings.meeting", mid=m.id, _anchor="speakers")
    return redirect(safe_redirect_target(request.form.get("next"), back))


@bp.get("/meetings/<uuid:mid>/speakers")
@handled
def speaker_queue(mid):
    m = meetings_services.get_meeting(mid)
    return render_template(
        "hearings/speakers.html",
        m=m,
        speakers=services.speakers(m),
        is_staff=_is_staff(),
        withdrawn_by=services.withdrawn_by_names(services.speakers(m)) if _is_staff() else {},
    )
