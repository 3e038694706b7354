"""Pages of meetings: creating and editing, the meeting page, the calendar feeds."""

from __future__ import annotations

import uuid

from flask import Response

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
from plugins.hearings.attachments import services as attachments_services
from plugins.hearings.blueprint import _is_staff, _local_input, bp, handled
from plugins.hearings.common import HearingsError, organisation_choices, render_markdown, to_utc
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.feedback import services as feedback_services
from plugins.hearings.meetings import forms, services
from plugins.hearings.programmes import services as programmes_services
from plugins.hearings.registrations import services as registrations_services
from plugins.hearings.registrations.views import _registration_form
from plugins.hearings.settings import settings
from plugins.hearings.speakers import forms as speakers_forms
from plugins.hearings.speakers import services as speakers_services


def _meeting_form_choices(form):
    form.programme_id.choices = [("", _("None"))] + [
        (str(p.id), p.title) for p in programmes_services.list_programmes()
    ]
    form.consultation_id.choices = [("", _("None"))] + [
        (str(c.id), c.title) for c in consultations_services.list_consultations(include_drafts=True)
    ]


@bp.route("/meetings/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
def meeting_new():
    return _meeting_edit(None)


@bp.route("/meetings/<uuid:mid>/edit", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def meeting_edit(mid):
    return _meeting_edit(services.get_meeting(mid))


def _meeting_edit(m):
    form = forms.MeetingForm(obj=m)
    _meeting_form_choices(form)
    if request.method == "GET":
        if m is not None:
            for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
                getattr(form, name).data = _local_input(getattr(m, name))
            form.programme_id.data = str(m.programme_id or "")
            form.consultation_id.data = str(m.consultation_id or "")
        elif request.args.get("programme"):
            form.programme_id.data = request.args["programme"]
        if m is None and request.args.get("consultation"):  # a public debate of that consultation
            form.consultation_id.data = request.args["consultation"]
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_meeting(
                m,
                kind=form.kind.data,
                title=form.title.data,
                description=form.description.data or "",
                starts_at=to_utc(form.starts_at.data),
                ends_at=to_utc(form.ends_at.data),
                place=form.place.data or "",
                online_url=form.online_url.data or "",
                capacity=form.capacity.data,
                registration_opens_at=to_utc(form.registration_opens_at.data),
                registration_closes_at=to_utc(form.registration_closes_at.data),
                agenda=form.agenda.data or "",
                speaker_minutes=form.speaker_minutes.data or 5,
                programme_id=_choice_id(form.programme_id),
                consultation_id=_choice_id(form.consultation_id),
            )
            db.session.commit()
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("hearings.meeting", mid=saved.id))
        except HearingsError as exc:
            db.session.rollback()
            field = getattr(form, exc.field_name, None) if exc.field_name else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "error")
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("hearings/meeting_form.html", form=form, meeting=m), status


def _choice_id(field):
    """The id a select field names, or None; anything else is that field's error (422)."""
    if not field.data:
        return None
    try:
        return uuid.UUID(str(field.data))
    except ValueError:
        raise HearingsError(_("Choose one of the options listed."), 422, field.name) from None


def _speaker_form(account):
    form = speakers_forms.SpeakerForm()
    form.organisation_id.choices = organisation_choices(account)
    return form


@bp.get("/meetings/<uuid:mid>")
@handled
def meeting(mid):
    return meeting_page(services.get_meeting(mid))


def meeting_page(m, form=None):
    """The meeting's page; ``form``: a registration form sent back with its errors."""
    account = current_account()
    taken = registrations_services.seats_taken([m.id]).get(m.id, 0)
    return render_template(
        "hearings/meeting.html",
        m=m,
        taken=taken,
        mine=registrations_services.my_registration(m, account),
        form=form or _registration_form([m]),
        speaker_form=_speaker_form(account),
        speakers=speakers_services.speakers(m),
        registration_open=registrations_services.registration_open(m),
        guests=settings()["guests_may_register"],
        is_staff=_is_staff(),
        account=account,
        render=render_markdown,
        feedback_public=feedback_services.feedback_public(m),
        programme=programmes_services.get_programme(m.programme_id) if m.programme_id else None,
        attachments=attachments_services.attachments_of(meeting_id=m.id),
    )


@bp.get("/calendar.ics")
def calendar():
    return Response(services.ics(services.list_meetings()), mimetype="text/calendar")


@bp.get("/meetings/<uuid:mid>/event.ics")
@handled
def meeting_ics(mid):
    return Response(services.ics([services.get_meeting(mid)]), mimetype="text/calendar")
