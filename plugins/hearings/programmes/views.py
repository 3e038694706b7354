"""Pages of programmes: one programme and creating one."""

from __future__ import annotations

from core.toolkit import (
    current_account,
    db,
    redirect,
    render_template,
    request,
    require_permission,
    url_for,
)
from plugins.hearings.blueprint import _is_staff, bp, handled
from plugins.hearings.common import render_markdown
from plugins.hearings.programmes import forms, services
from plugins.hearings.registrations import services as registrations_services
from plugins.hearings.registrations.views import _registration_form
from plugins.hearings.settings import settings


@bp.get("/programmes/<uuid:pid>")
@handled
def programme(pid):
    return programme_page(services.get_programme(pid))


def programme_page(p, form=None):
    """The programme's page; ``form``: a registration form sent back with its errors."""
    meetings = services.programme_meetings(p)
    return render_template(
        "hearings/programme.html",
        p=p,
        meetings=meetings,
        taken=registrations_services.seats_taken([m.id for m in meetings]),
        form=form or _registration_form(meetings),
        guests=settings()["guests_may_register"],
        account=current_account(),
        is_staff=_is_staff(),
        registration_open=registrations_services.registration_open,
        render=render_markdown,
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
def programme_new():
    form = forms.ProgrammeForm()
    if form.validate_on_submit():
        p = services.save_programme(None, form.title.data, form.description.data)
        db.session.commit()
        return redirect(url_for("hearings.programme", pid=p.id))
    return render_template(
        "hearings/programme_form.html", form=form
    ), 422 if request.method == "POST" else 200
