"""Pages of moderation: the queue and a moderator's decision on a comment."""

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
from plugins.hearings.blueprint import bp, handled
from plugins.hearings.comments import forms as comments_forms
from plugins.hearings.comments import services as comments_services
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.moderation import services


@bp.get("/moderation")
@require_permission("hearings.moderate")
def moderation():
    return render_template(
        "hearings/moderation.html",
        queue=services.moderation_queue(),
        log=services.moderation_log(),
        form=comments_forms.ReasonForm(),
    )


@bp.post("/moderation/<uuid:cid>/<uuid:cmid>/<action>")
@require_permission("hearings.moderate")
@handled
def moderate(cid, cmid, action):
    c = consultations_services.get_consultation(cid)
    cm = comments_services.get_comment(c, cmid)
    if action == "hide":
        services.hide_comment(cm, current_account(), request.form.get("reason", ""))
    elif action == "restore":
        services.restore_comment(cm, current_account())
    elif action == "dismiss":
        services.dismiss_reports(cm, current_account())
    else:
        abort(404)
    db.session.commit()
    flash(_("The decision is recorded."), "success")
    return redirect(safe_redirect_target(request.form.get("next"), url_for("hearings.moderation")))
