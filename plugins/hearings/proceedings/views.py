"""Pages of finishing a meeting and writing its minutes."""

from __future__ import annotations

from core.toolkit import (
    current_account,
    db,
    flash,
    redirect,
    render_template,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import bp, handled
from plugins.hearings.common import HearingsError
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.proceedings import forms, services


@bp.post("/meetings/<uuid:mid>/finish")
@require_permission("hearings.manage")
@handled
def meeting_finish(mid):
    m = meetings_services.get_meeting(mid)
    services.finish_meeting(m, current_account())
    db.session.commit()
    flash(_("The meeting is marked as finished; attendees are asked for feedback."), "success")
    return redirect(url_for("hearings.meeting", mid=m.id))


@bp.route("/meetings/<uuid:mid>/minutes", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def minutes(mid):
    m = meetings_services.get_meeting(mid)
    form = forms.MinutesForm(minutes=m.minutes or services.minutes_template(m))
    status = 200
    if form.validate_on_submit():
        try:
            services.publish_minutes(m, form.minutes.data)
            db.session.commit()
            flash(_("The minutes are published."), "success")
            return redirect(url_for("hearings.meeting", mid=m.id))
        except HearingsError as exc:
            db.session.rollback()
            m = meetings_services.get_meeting(mid)
            form.minutes.errors = [*form.minutes.errors, exc.message]
            status = exc.status
    elif form.is_submitted():
        status = 422
    return render_template("hearings/minutes_form.html", m=m, form=form), status
