"""Registration for meetings: seats and the waiting list, guests confirming by mail, the
registration link, cancelling (promoting the next), check-in, the mails and the reminders.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from core.toolkit import (
    Account,
    Attachment,
    Mail,
    db,
    external_url,
    notify,
    send_mail,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, _host, mail_locale, mail_time, represented_organisation
from plugins.hearings.meetings.services import get_meeting, ics
from plugins.hearings.models import (
    ACCESSIBILITY_NEEDS,
    Meeting,
    Registration,
    RegistrationStatus,
)
from plugins.hearings.notices import MEETING_REMINDER
from plugins.hearings.settings import settings


def seats_taken(meeting_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.meeting_id, sa.func.count())
        .where(
            Registration.meeting_id.in_(meeting_ids),
            Registration.status == RegistrationStatus.CONFIRMED.value,
        )
        .group_by(Registration.meeting_id)
    )
    return dict(rows.all())


def registration_open(m: Meeting, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    if m.finished_at is not None or now >= m.starts_at:
        return False
    if m.registration_opens_at and now < m.registration_opens_at:
        return False
    return not (m.registration_closes_at and now >= m.registration_closes_at)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="hearings.registration")


def registration_token(reg: Registration) -> str:
    return _serializer().dumps({"t": reg.tenant_id, "s": str(reg.submission_id)})


def registrations_for_token(token: str) -> list[Registration]:
    try:
        data = _serializer().loads(token)
        submission = uuid.UUID(data["s"])
    except (BadSignature, KeyError, ValueError, TypeError):
        raise HearingsError(_("This link is not valid."), 404) from None
    regs = list(
        db.session.execute(
            sa.select(Registration)
            .where(Registration.submission_id == submission)
            .order_by(Registration.created_at)
        ).scalars()
    )
    if not regs:
        raise HearingsError(_("This link is not valid."), 404)
    return regs


@dataclass
class Registrant:
    name: str
    email: str
    account: Any = None
    #: on behalf of this organisation (an id of acting_organisations), None for oneself
    organisation_id: Any = None
    accessibility: list[str] = field(default_factory=list)
    accessibility_other: str = ""
    #: The consent text the person agreed to (:func:`consent_text`, as shown), "" when not given.
    accessibility_consent: str = ""


def consent_text() -> str:
    """The explicit consent that accessibility needs require (GDPR Art. 9: they may reveal
    health), in the current language, with the municipality's own retention period for them."""
    from core.toolkit import current_tenant, retention_days
    from plugins.hearings.common import the_tenant

    tenant = current_tenant() or the_tenant()
    return _(
        "I agree that %(municipality)s keeps the accessibility needs I give here, which may reveal "
        "information about my health, only to arrange the meeting; they are deleted %(days)d days "
        "after it, and I can withdraw this consent at any time by cancelling the registration or "
        "asking the municipality.",
        municipality=tenant.name if tenant else "",
        days=retention_days("hearings.accessibility"),
    )


def _seat(m: Meeting) -> str:
    """Confirmed or waiting, decided while the meeting row is locked."""
    taken = seats_taken([m.id]).get(m.id, 0)
    return (
        RegistrationStatus.CONFIRMED
        if m.capacity is None or taken < m.capacity
        else RegistrationStatus.WAITING
    )


def register(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None = None
) -> list[Registration]:
    """Register for one meeting or several sessions of a programme, under row locks.

    The meeting rows are locked (``SELECT … FOR UPDATE``, in id order so that two forms never
    deadlock), then the confirmed seats are counted: two people can never take the last seat.
    A guest's registration holds no seat until the email is confirmed.
    """
    return _register(meeting_ids, who, now, skip_registered=False)[0]


def register_guest(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None = None
) -> tuple[list[Registration], list[Registration]]:
    """A guest's registration: ``(created, already)``, where ``already`` are this e-mail's
    registrations for the chosen meetings that existed before.

    Whoever types an address learns nothing about it: the page answers the same either way, and
    only the mailbox hears that it was already registered (:func:`mail_already_registered`).
    """
    return _register(meeting_ids, who, now, skip_registered=True)


def _register(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None, *, skip_registered: bool
) -> tuple[list[Registration], list[Registration]]:
    now = now or utcnow()
    if not meeting_ids:
        raise HearingsError(_("Choose at least one session."), field_name="meetings")
    name, email = (who.name or "").strip(), (who.email or "").strip().lower()
    if not name or len(name) > 120:
        raise HearingsError(_("Give your name (at most 120 characters)."), field_name="name")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        raise HearingsError(_("Give a valid email address."), field_name="email")
    organisation = represented_organisation(who.account, who.organisation_id)
    needs = [n for n in who.accessibility if n]
    if any(n not in ACCESSIBILITY_NEEDS for n in needs):
        raise HearingsError(_("Choose accessibility needs from the list."), field_name="accessibility")
    other_needs = (who.accessibility_other or "").strip()[:300]
    consent = (who.accessibility_consent or "").strip()
    if (needs or other_needs) and not consent:
        raise HearingsError(
            _("To give accessibility needs, tick the box that allows the municipality to keep them."),
            field_name="accessibility_consent",
        )
    if not (needs or other_needs):
        consent = ""  # a consent with nothing to consent to is not kept
    if who.account is None and not settings()["guests_may_register"]:
        raise HearingsError(_("Sign in to register for this meeting."), 401)
    submission = uuid.uuid4()
    created, already = [], []
    for meeting_id in sorted(set(meeting_ids)):
        m = get_meeting(meeting_id, lock=True)
        if not registration_open(m, now):
            raise HearingsError(_("Registration for “%(title)s” is not open.", title=m.title), 409)
        existing = db.session.execute(
            sa.select(Registration)
            .where(
                Registration.meeting_id == m.id,
                Registration.status != RegistrationStatus.CANCELLED.value,
                (Registration.account_id == who.account.id)
                if who.account is not None
                else (Registration.email == email),
            )
            .limit(1)
        ).scalar_one_or_none()
        if existing is not None and skip_registered:
            already.append(existing)
            continue
        if existing is not None:
            raise HearingsError(_("You are already registered for “%(title)s”.", title=m.title), 409)
        status = RegistrationStatus.PENDING if who.account is None else _seat(m)
        reg = Registration(
            meeting_id=m.id,
            account_id=who.account.id if who.account is not None else None,
            name=name,
            email=email,
            organisation_id=organisation.id if organisation else None,
            organisation_name=organisation.name[:200] if organisation else "",
            accessibility=",".join(needs),
            accessibility_other=other_needs,
            accessibility_consent=consent,
            accessibility_consent_at=now if consent else None,
            status=status.value,
            submission_id=submission,
            created_at=now,
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            locale=_page_locale(),
        )
        db.session.add(reg)
        db.session.flush()
        created.append(reg)
    return created, already


def confirm_guest(token: str, now: dt.datetime | None = None) -> list[Registration]:
    """A guest confirms by email: each pending registration takes a seat or a waiting place.
    Returns those it changed: a confirm link opened again changes (and mails) nothing."""
    regs = registrations_for_token(token)
    changed = []
    for reg in sorted(regs, key=lambda r: r.meeting_id):
        if reg.status != RegistrationStatus.PENDING:
            continue
        m = get_meeting(reg.meeting_id, lock=True)
        status = _seat(m)
        reg.status = status.value
        if status == RegistrationStatus.CONFIRMED:
            reg.confirmed_at = now or utcnow()
        changed.append(reg)
    db.session.flush()
    return changed


def cancel_registration(
    reg: Registration, now: dt.datetime | None = None, reason: str = ""
) -> Registration | None:
    """Cancel; if a seat is freed, the first on the waiting list gets it. Returns who was promoted.
    ``reason``: staff's, when they cancel someone's registration (the person is told it)."""
    m = get_meeting(reg.meeting_id, lock=True)
    db.session.refresh(reg)
    if reg.status == RegistrationStatus.CANCELLED:
        return None
    freed = reg.status == RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.CANCELLED.value
    reg.cancelled_at = now or utcnow()
    reg.cancel_reason = reason or ""
    db.session.flush()
    if not freed:
        return None
    nxt = db.session.execute(
        sa.select(Registration)
        .where(Registration.meeting_id == m.id, Registration.status == RegistrationStatus.WAITING.value)
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    ).scalar_one_or_none()
    if nxt is None or _seat(m) != RegistrationStatus.CONFIRMED:
        return None
    nxt.status = RegistrationStatus.CONFIRMED.value
    nxt.confirmed_at = now or utcnow()
    db.session.flush()
    return nxt


def change_needs(
    reg: Registration, needs: list[str], other: str, consent: str, now: dt.datetime | None = None
) -> None:
    """Change a registration's accessibility needs (the registration's link is the proof): the
    same rules as at registration, explicit consent recorded again with its text and time;
    no needs at all clears the consent with them. Not once cancelled or the meeting is over."""
    m = get_meeting(reg.meeting_id)
    if reg.status == RegistrationStatus.CANCELLED or m.finished_at is not None:
        raise HearingsError(_("This registration can no longer be changed."), 409)
    needs = [n for n in needs if n]
    if any(n not in ACCESSIBILITY_NEEDS for n in needs):
        raise HearingsError(_("Choose accessibility needs from the list."), field_name="accessibility")
    other = (other or "").strip()
    if len(other) > 300:
        raise HearingsError(_("Use at most %(n)d characters.", n=300), field_name="accessibility_other")
    consent = (consent or "").strip()
    if (needs or other) and not consent:
        raise HearingsError(
            _("To give accessibility needs, tick the box that allows the municipality to keep them."),
            field_name="accessibility_consent",
        )
    reg.accessibility, reg.accessibility_other = ",".join(needs), other
    if needs or other:
        reg.accessibility_consent, reg.accessibility_consent_at = consent, now or utcnow()
    else:
        reg.accessibility_consent, reg.accessibility_consent_at = "", None
    db.session.flush()


def registrations_of(m: Meeting) -> list[Registration]:
    return list(
        db.session.execute(
            sa.select(Registration).where(Registration.meeting_id == m.id).order_by(Registration.created_at)
        ).scalars()
    )


def my_registration(m: Meeting, account: Any) -> Registration | None:
    if account is None:
        return None
    return db.session.execute(
        sa.select(Registration).where(
            Registration.meeting_id == m.id,
            Registration.account_id == account.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    ).scalar_one_or_none()


def check_in(reg: Registration, now: dt.datetime | None = None) -> None:
    if reg.status != RegistrationStatus.CONFIRMED:
        raise HearingsError(_("Only confirmed registrations can be checked in."), 409)
    reg.checked_in_at = reg.checked_in_at or now or utcnow()
    db.session.flush()


def _when(m: Meeting) -> str:
    return mail_time(m.starts_at)


def mail_registration(regs: list[Registration]) -> None:
    """One mail per submission: confirm link (guests), or the seats/waiting places with .ics."""
    if not regs:
        return
    token = registration_token(regs[0])
    link = external_url(_host(), f"/hearings/registrations/{token}")
    meetings = {m.id: m for m in (get_meeting(r.meeting_id) for r in regs)}
    lines = [_("Hello %(name)s,", name=regs[0].name), ""]
    attachments = []
    if any(r.status == RegistrationStatus.PENDING for r in regs):
        subject = _("Please confirm your registration")
        lines.append(_("Please confirm your registration by opening this link:"))
        lines.append(external_url(_host(), f"/hearings/registrations/{token}/confirm"))
    else:
        subject = _("Your registration")
        for r in regs:  # each session chosen: its date, place and agenda (as the Sector 3 workshops send)
            m = meetings[r.meeting_id]
            if r.status == RegistrationStatus.CONFIRMED:
                lines.append(_("Your seat is confirmed: %(title)s, %(when)s.", title=m.title, when=_when(m)))
            elif r.status == RegistrationStatus.WAITING:
                lines.append(
                    _(
                        "You are on the waiting list for %(title)s; we will write if a seat frees up.",
                        title=m.title,
                    )
                )
            where = ", ".join(x for x in (m.place, m.online_url) if x)
            if where:
                lines.append(_("Place: %(place)s", place=where))
            if m.agenda:
                lines += ["", _("Agenda:"), m.agenda]
            lines.append("")
        confirmed = [meetings[r.meeting_id] for r in regs if r.status == RegistrationStatus.CONFIRMED]
        if confirmed:
            attachments.append(Attachment("invitation.ics", ics(confirmed, "PUBLISH"), "text/calendar"))
    lines += ["", _("To see or cancel your registration: %(link)s", link=link)]
    send_mail(Mail(to=[regs[0].email], subject=subject, text="\n".join(lines), attachments=attachments))


def mail_cancelled(reg: Registration, in_recipients_language: bool = False) -> None:
    """The confirmation that a registration is cancelled (by the person, in the page's language;
    or by staff, in the person's: their account's, else the municipality's)."""
    if not reg.email:
        return
    if in_recipients_language:
        with force_locale(_locale_of(reg)):
            mail_cancelled(reg)
        return
    m = get_meeting(reg.meeting_id)
    text = "\n".join(
        [
            _("Hello %(name)s,", name=reg.name),
            "",
            _("Your registration for %(title)s, %(when)s, is cancelled.", title=m.title, when=_when(m)),
            "",
            *(
                [
                    _("The municipality cancelled it, for this reason: %(reason)s", reason=reg.cancel_reason),
                    "",
                ]
                if reg.cancel_reason
                else []
            ),
            _(
                "If you did not ask for this, register again on %(link)s",
                link=external_url(_host(), f"/hearings/meetings/{m.id}"),
            ),
        ]
    )
    send_mail(Mail(to=[reg.email], subject=_("Registration cancelled: %(title)s", title=m.title), text=text))


def mail_already_registered(regs: list[Registration]) -> None:
    """To the address of existing registrations that someone asked for again: nothing changed,
    and the link to them (the page that asked only said that a mail is on its way)."""
    if not regs:
        return
    titles = ", ".join(get_meeting(r.meeting_id).title for r in regs)
    link = external_url(_host(), f"/hearings/registrations/{registration_token(regs[0])}")
    text = "\n".join(
        [
            _("Hello %(name)s,", name=regs[0].name),
            "",
            _(
                "Someone, probably you, asked to register this address again for %(title)s. You are already registered: nothing has changed.",
                title=titles,
            ),
            "",
            _("To see or cancel your registration: %(link)s", link=link),
        ]
    )
    send_mail(Mail(to=[regs[0].email], subject=_("You are already registered"), text=text))


def _page_locale() -> str | None:
    """The language of the page a person registered on (None outside a request: a job, the API
    without a language)."""
    from flask import has_request_context
    from flask_babel import get_locale

    if not has_request_context():
        return None
    locale = get_locale()
    return str(locale) if locale else None


def _locale_of(reg: Registration) -> str:
    """The language of a mail to a registrant: their account's; a guest's, the language they
    registered in; else the municipality's."""
    account = db.session.get(Account, reg.account_id) if reg.account_id else None
    preferred = account.locale if account is not None and account.locale else reg.locale
    return mail_locale(preferred)


def mail_promoted(reg: Registration) -> None:
    """Sent when someone else cancels: in the promoted person's language, not the canceller's."""
    with force_locale(_locale_of(reg)):
        _mail_promoted(reg)


def _mail_promoted(reg: Registration) -> None:
    m = get_meeting(reg.meeting_id)
    link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}")
    text = "\n".join(
        [
            _("Hello %(name)s,", name=reg.name),
            "",
            _(
                "A seat has freed up: your registration for %(title)s, %(when)s, is now confirmed.",
                title=m.title,
                when=_when(m),
            ),
            "",
            _("To see or cancel your registration: %(link)s", link=link),
        ]
    )
    send_mail(
        Mail(
            to=[reg.email],
            subject=_("A seat is yours: %(title)s", title=m.title),
            text=text,
            attachments=[Attachment("invitation.ics", ics([m], "PUBLISH"), "text/calendar")],
        )
    )


def confirmed_with_languages(m: Meeting) -> list[tuple[Registration, str]]:
    """The confirmed registrations of ``m`` that have an address, each with the language of a
    mail to that person: their account's, a guest's registration language (the page they
    registered on), the municipality's when it offers neither. The accounts in one query."""
    regs = [r for r in registrations_of(m) if r.status == RegistrationStatus.CONFIRMED and r.email]
    ids = {r.account_id for r in regs if r.account_id}
    languages = (
        dict(db.session.execute(sa.select(Account.id, Account.locale).where(Account.id.in_(ids))).all())
        if ids
        else {}
    )
    return [(r, mail_locale(languages.get(r.account_id) or r.locale)) for r in regs]


def send_meeting_reminders(now: dt.datetime | None = None) -> int:
    """The day before (meetings starting within 24 hours), once per meeting: a reminder to
    every confirmed registration."""
    now = now or utcnow()
    count = 0
    for m in db.session.execute(
        sa.select(Meeting).where(
            Meeting.reminder_sent_at.is_(None),
            Meeting.finished_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + dt.timedelta(hours=24),
        )
    ).scalars():
        regs = confirmed_with_languages(m)
        for reg, language in regs:
            link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}")
            with force_locale(language):
                reminder = Mail(
                    to=[reg.email],
                    subject=_("Reminder: %(title)s", title=m.title),
                    text="\n\n".join(
                        [
                            _("%(title)s starts on %(when)s.", title=m.title, when=_when(m)),
                            ", ".join(x for x in (m.place, m.online_url) if x),
                            _("To see or cancel your registration: %(link)s", link=link),
                        ]
                    ),
                )
                if reg.account_id is not None:  # their settings decide (a guest has none: it comes)
                    notify(reg.account_id, MEETING_REMINDER, reminder)
                else:
                    send_mail(reminder)
        m.reminder_sent_at = now
        count += 1
    db.session.flush()
    return count
