"""The follow/unfollow form's handler."""

from __future__ import annotations

from core.toolkit import (
    current_account,
    db,
    flash,
    redirect,
    render_template,
    request,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import bp, handled
from plugins.hearings.following import services


@bp.post("/follow")
@require_permission("hearings.participate")
@handled
def follow():
    services.set_following(
        current_account(),
        request.form.get("follow") == "1",
        request.form.get("organisation_id") or None,
    )
    db.session.commit()
    flash(
        _("You will get an email when a consultation opens and two days before it closes.")
        if request.form.get("follow") == "1"
        else _("You no longer follow the consultations."),
        "success",
    )
    return redirect(url_for("hearings.index"))


@bp.get("/unfollow/<token>")
@handled
def unfollow_page(token):
    """The page a follower's mail links: it names what stops, a button stops it (a link that a
    mail program opens by itself must not unsubscribe anyone)."""
    target = services.unfollow_target(token)
    return render_template(
        "hearings/unfollow.html", token=token, organisation=services.organisation_name(target.get("o"))
    )


@bp.post("/unfollow/<token>")
@handled
def unfollow(token):
    stopped = services.unfollow(services.unfollow_target(token))
    db.session.commit()
    flash(
        _("You will no longer get these e-mails.") if stopped else _("These e-mails had already stopped."),
        "success",
    )
    return redirect(url_for("hearings.index"))
