"""Pages of registration: registering (members and guests, rate-limited), the registration link,
confirming, cancelling, the attendee list and check-in.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app

from core.toolkit import (
    abort,
    current_account,
    db,
    flash,
    has_permission,
    limiter,
    redirect,
    render_template,
    request,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import bp, confirmation_page, handled
from plugins.hearings.common import HearingsError, organisation_choices
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.models import RegistrationStatus
from plugins.hearings.programmes import services as programmes_services
from plugins.hearings.registrations import forms, services
from plugins.hearings.settings import settings


def _registration_form(meetings):
    account = current_account()
    form = forms.RegistrationForm()
    if account is not None and request.method == "GET":
        form.name.data, form.email.data = account.display_name, account.email
    form.meetings.choices = [(str(m.id), m.title) for m in meetings]
    form.organisation_id.choices = organisation_choices(account)
    form.accessibility_consent.label.text = services.consent_text()
    return form


#: Each guest registration sends a mail to the address typed in: limited per client address and
#: per address written (app settings ``HEARINGS_GUEST_LIMIT_PER_ADDRESS`` / ``…_PER_EMAIL``).
GUEST_LIMIT_PER_ADDRESS = "10 per hour;30 per day"
GUEST_LIMIT_PER_EMAIL = "3 per hour;10 per day"


def _guest_limits(email: str) -> None:
    config = current_app.config
    client = request.remote_addr or ""
    limiter.hit(
        config.get("HEARINGS_GUEST_LIMIT_PER_ADDRESS", GUEST_LIMIT_PER_ADDRESS),
        "hearings.guest.client",
        client,
    )
    address = (email or "").strip().lower()
    if address:  # counted across municipalities, keyed by a digest (no addresses in the limiter's storage)
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        limiter.hit(
            config.get("HEARINGS_GUEST_LIMIT_PER_EMAIL", GUEST_LIMIT_PER_EMAIL),
            "hearings.guest.email",
            digest,
        )


def _do_register(meeting_ids, back: str, form):
    account = current_account()
    if account is None and not settings()["guests_may_register"]:
        abort(401)
    if account is not None and not has_permission("hearings.participate"):
        abort(403)
    if account is not None:
        form.name.data = form.name.data or account.display_name
        form.email.data = account.email
    who = services.Registrant(
        name=form.name.data or "",
        email=form.email.data or "",
        account=account,
        organisation_id=form.organisation_id.data or None,
        accessibility=form.accessibility.data or [],
        accessibility_other=form.accessibility_other.data or "",
        # the text the form showed beside the box, recorded with the registration
        accessibility_consent=services.consent_text() if form.accessibility_consent.data else "",
    )
    if account is None:
        return _do_register_guest(meeting_ids, who, back)
    regs = services.register(meeting_ids, who)
    services.mail_registration(regs)  # written with the registration; leaves once it commits
    db.session.commit()
    if any(r.status == RegistrationStatus.PENDING for r in regs):
        flash(_("Almost done: we have sent you an email to confirm your registration."), "success")
    elif all(r.status == RegistrationStatus.CONFIRMED for r in regs):
        flash(_("You are registered. A confirmation is on its way by email."), "success")
    else:
        flash(
            _("Some sessions are full: you are on their waiting list. Details are on their way by email."),
            "success",
        )
    return redirect(url_for("hearings.registration", token=services.registration_token(regs[0])))


def _do_register_guest(meeting_ids, who, back: str):
    """The same answer whether or not the address was registered already: a mail is on its way.
    The registration's link (which confirms and cancels) goes to the mailbox only, never to the
    page, so typing someone's address neither shows nor confirms their registration."""
    _guest_limits(who.email)
    regs, already = services.register_guest(meeting_ids, who)
    services.mail_registration(regs)  # written with the registration; leaves once it commits
    services.mail_already_registered(already)
    db.session.commit()
    flash(_("Almost done: we have sent you an email to confirm your registration."), "success")
    return redirect(back)


#: The fields the registration form shows with their errors (``_registration_fields.html``).
SENT_BACK_FIELDS = (
    "name",
    "email",
    "organisation_id",
    "accessibility",
    "accessibility_other",
    "accessibility_consent",
)


def _sent_back(form, exc: HearingsError) -> bool:
    """A mistake in what was typed (one of its fields, 422): the form goes back with it, and all
    that was typed. Anything else is ``handled``'s (a message and the way back)."""
    if exc.status != 422 or exc.field_name not in SENT_BACK_FIELDS:
        return False
    db.session.rollback()
    form._fields[exc.field_name].errors = [exc.message]
    return True


@bp.post("/meetings/<uuid:mid>/register")
@handled
def meeting_register(mid):
    m = meetings_services.get_meeting(mid)
    form = _registration_form([m])
    try:
        return _do_register([mid], url_for("hearings.meeting", mid=mid), form)
    except HearingsError as exc:
        if not _sent_back(form, exc):
            raise
        from plugins.hearings.meetings.views import meeting_page

        return meeting_page(m, form), 422


@bp.post("/programmes/<uuid:pid>/register")
@handled
def programme_register(pid):
    p = programmes_services.get_programme(pid)
    meetings = programmes_services.programme_meetings(p)
    allowed = {str(m.id) for m in meetings}
    chosen = [uuid.UUID(x) for x in request.form.getlist("meetings") if x in allowed]
    form = _registration_form(meetings)
    try:
        return _do_register(chosen, url_for("hearings.programme", pid=pid), form)
    except HearingsError as exc:
        if not _sent_back(form, exc):
            raise
        from plugins.hearings.programmes.views import programme_page

        return programme_page(p, form), 422


@bp.get("/registrations/<token>")
@handled
def registration(token):
    return _registration_page(token)


@bp.post("/registrations/<token>/needs/<uuid:rid>")
@handled
def registration_needs(token, rid):
    """Change the accessibility needs of one registration (its link is the proof); a mistake
    brings the page back with what was chosen and the message beside the field."""
    regs = services.registrations_for_token(token)
    reg = next((r for r in regs if r.id == rid), None)
    if reg is None:
        abort(404)
    form = forms.NeedsForm(prefix=_needs_prefix(rid))
    try:
        services.change_needs(
            reg,
            form.accessibility.data or [],
            form.accessibility_other.data or "",
            services.consent_text() if form.accessibility_consent.data else "",
        )
    except HearingsError as exc:
        field_name = exc.field_name
        if exc.status != 422 or field_name not in form._fields:
            raise
        db.session.rollback()
        form._fields[field_name].errors = [exc.message]
        return _registration_page(token, {rid: form}), 422
    db.session.commit()
    flash(_("Your accessibility needs have been saved."), "success")
    return redirect(url_for("hearings.registration", token=token))


def _needs_prefix(rid) -> str:
    """One form per registration on the page (a programme has several): ids stay unique."""
    return f"n{rid.hex[:12]}"


def _registration_page(token, forms_sent_back=None):
    regs = services.registrations_for_token(token)
    meetings = {r.meeting_id: meetings_services.get_meeting(r.meeting_id) for r in regs}
    needs_forms = {}
    for r in regs:
        f = (forms_sent_back or {}).get(r.id)
        if f is None:
            f = forms.NeedsForm(formdata=None, prefix=_needs_prefix(r.id))
            f.accessibility.data = [n for n in r.accessibility.split(",") if n]
            f.accessibility_other.data = r.accessibility_other
            f.accessibility_consent.data = bool(r.accessibility_consent)
        f.accessibility_consent.label.text = services.consent_text()
        needs_forms[r.id] = f
    return render_template(
        "hearings/registration.html", regs=regs, meetings=meetings, token=token, needs_forms=needs_forms
    )


@bp.post("/registrations/<token>/confirm")
@handled
def registration_confirm(token):
    regs = services.confirm_guest(token)
    if regs:  # the first use of the link: the seats (or waiting places) and the agendas by mail
        services.mail_registration(regs)
    db.session.commit()
    flash(_("Your registration is confirmed."), "success")
    return redirect(url_for("hearings.registration", token=token))


@bp.get("/registrations/<token>/confirm")
@handled
def registration_confirm_page(token):
    regs = services.registrations_for_token(token)
    return render_template("hearings/registration_confirm.html", regs=regs, token=token)


@bp.post("/registrations/<token>/cancel/<uuid:rid>")
@handled
def registration_cancel(token, rid):
    reg = next((r for r in services.registrations_for_token(token) if r.id == rid), None)
    if reg is None:
        abort(404)
    already = reg.status == "cancelled"  # a second click sends no second mail
    promoted = services.cancel_registration(reg)
    if not already:
        services.mail_cancelled(reg)
    db.session.commit()
    if promoted is not None:
        services.mail_promoted(promoted)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("hearings.registration", token=token))


@bp.get("/meetings/<uuid:mid>/attendees")
@require_permission("hearings.manage")
@handled
def attendees(mid):
    m = meetings_services.get_meeting(mid)
    return render_template("hearings/attendees.html", m=m, regs=services.registrations_of(m))


@bp.post("/meetings/<uuid:mid>/attendees/<uuid:rid>/cancel")
@require_permission("hearings.manage")
@handled
def attendee_cancel(mid, rid):
    """Staff cancel someone's registration: confirmed, with a reason the person is sent."""
    m = meetings_services.get_meeting(mid)
    reg = next((r for r in services.registrations_of(m) if r.id == rid), None)
    if reg is None:
        abort(404)
    if reg.status == RegistrationStatus.CANCELLED:
        flash(_("This registration was already cancelled."), "info")
        return redirect(url_for("hearings.attendees", mid=m.id))
    confirm = confirmation_page(
        title=_("Cancel the registration of %(name)s?", name=reg.name),
        consequences=[
            _("%(name)s loses the place at %(title)s.", name=reg.name, title=m.title),
            _("The first person on the waiting list, if any, gets the seat."),
            _("%(name)s is told by mail, with the reason you give.", name=reg.name),
        ],
        action_url=url_for("hearings.attendee_cancel", mid=m.id, rid=reg.id),
        back_url=url_for("hearings.attendees", mid=m.id),
        confirm_label=_("Cancel the registration"),
        reason_help=_("Sent to the person and kept with the registration."),
    )
    if confirm is not None:
        return confirm
    reason = request.form["reason"].strip()
    promoted = services.cancel_registration(reg, reason=reason)
    services.mail_cancelled(reg, in_recipients_language=True)
    db.session.commit()
    if promoted is not None:
        services.mail_promoted(promoted)
    flash(_("The registration of %(name)s is cancelled.", name=reg.name), "success")
    return redirect(url_for("hearings.attendees", mid=m.id))


@bp.post("/meetings/<uuid:mid>/attendees/<uuid:rid>/checkin")
@require_permission("hearings.manage")
@handled
def checkin(mid, rid):
    m = meetings_services.get_meeting(mid)
    reg = next((r for r in services.registrations_of(m) if r.id == rid), None)
    if reg is None:
        abort(404)
    services.check_in(reg)
    db.session.commit()
    return redirect(url_for("hearings.attendees", mid=m.id))
