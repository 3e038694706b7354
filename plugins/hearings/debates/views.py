"""Pages of requests for a public debate (Romania): the list with deadlines, intake, decision."""

from __future__ import annotations

import uuid

from core.toolkit import current_account, db, flash, redirect, render_template, require_permission, url_for
from core.toolkit import gettext as _
from plugins.hearings.blueprint import _consultation, _is_staff, bp, handled
from plugins.hearings.common import HearingsError, local_text
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.debates import forms, services
from plugins.hearings.meetings import services as meetings_services


def _meeting_choices(c):
    return [("", _("Not yet: link it later"))] + [
        (str(m.id), f"{m.title} ({local_text(m.starts_at)})") for m in services.meetings_for(c)
    ]


def _page(c, intake=None, decision_forms=None, status=200):
    services._require_procedure()
    staff = _is_staff()
    items = services.requests_of(c)
    meetings = {m.id: m for m in services.meetings_for(c)}
    rows = []
    for dr in items:
        meeting = meetings.get(dr.meeting_id) if dr.meeting_id else None
        if dr.meeting_id and meeting is None:
            meeting = meetings_services.get_meeting(dr.meeting_id)
        form = (decision_forms or {}).get(dr.id)
        if form is None and staff:
            form = forms.DecisionForm(formdata=None, prefix=f"d{dr.id.hex[:8]}")
        if form is not None:
            form.meeting_id.choices = _meeting_choices(c)
        rows.append(
            {"r": dr, "meeting": meeting, "deadline": services.deadline(c, dr, meeting), "form": form}
        )
    return render_template(
        "hearings/debates.html",
        c=c,
        rows=rows,
        staff=staff,
        intake=intake or (forms.DebateRequestForm(formdata=None) if staff else None),
        hold_days=services.HOLD_WITHIN_DAYS,
    ), status


@bp.get("/consultations/<uuid:cid>/debates")
@handled
def debate_requests(cid):
    return _page(_consultation(cid))


@bp.post("/consultations/<uuid:cid>/debates")
@require_permission("hearings.manage")
@handled
def debate_request_new(cid):
    c = consultations_services.get_consultation(cid)
    form = forms.DebateRequestForm()
    if not form.validate():
        return _page(c, intake=form, status=422)
    try:
        services.create_request(
            c,
            current_account(),
            requester_kind=form.requester_kind.data,
            requester_name=form.requester_name.data,
            requester_registration=form.requester_registration.data or "",
            contact=form.contact.data or "",
            received_on=form.received_on.data,
            text=form.text.data or "",
        )
    except HearingsError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        c = consultations_services.get_consultation(cid)
        target = getattr(form, exc.field_name, None) if exc.field_name else None
        if target is not None:
            target.errors = [*target.errors, exc.message]
        else:
            flash(exc.message, "error")
        return _page(c, intake=form, status=exc.status)
    db.session.commit()
    flash(_("The request is entered."), "success")
    return redirect(url_for("hearings.debate_requests", cid=c.id))


@bp.post("/consultations/<uuid:cid>/debates/<uuid:did>/decision")
@require_permission("hearings.manage")
@handled
def debate_decision(cid, did):
    c = consultations_services.get_consultation(cid)
    dr = services.get_request(c, did)
    form = forms.DecisionForm(prefix=f"d{dr.id.hex[:8]}")
    form.meeting_id.choices = _meeting_choices(c)
    try:
        meeting = None
        if form.meeting_id.data:
            try:
                meeting = meetings_services.get_meeting(uuid.UUID(form.meeting_id.data))
            except ValueError:
                raise HearingsError(_("Choose one of the options listed."), 422, "meeting_id") from None
        if dr.status == "accepted" and meeting is not None:
            services.link_meeting(c, dr, meeting)
        else:
            services.decide(
                c,
                dr,
                current_account(),
                accept=form.decision.data == "accept",
                reason=form.decision_reason.data or "",
                meeting=meeting,
            )
    except HearingsError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        c = consultations_services.get_consultation(cid)
        dr = services.get_request(c, did)
        target = getattr(form, exc.field_name, None) if exc.field_name else None
        if target is not None:
            target.errors = [*target.errors, exc.message]
        else:
            flash(exc.message, "error")
        return _page(c, decision_forms={dr.id: form}, status=exc.status)
    db.session.commit()
    flash(_("The decision is recorded."), "success")
    return redirect(url_for("hearings.debate_requests", cid=c.id))
