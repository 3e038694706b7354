"""Finishing a meeting (refused while registered speakers wait; mails the feedback link) and its
minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import force_locale

from core.toolkit import (
    Mail,
    db,
    external_url,
    ngettext,
    notify,
    send_mail,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, _host, local_text
from plugins.hearings.models import (
    Meeting,
    RegistrationStatus,
    SpeakerStatus,
)
from plugins.hearings.notices import MEETING_FEEDBACK
from plugins.hearings.registrations.services import (
    confirmed_with_languages,
    registration_token,
    registrations_of,
)
from plugins.hearings.speakers.services import speakers


def finish_meeting(m: Meeting, by: Any, now: dt.datetime | None = None) -> None:
    """Mark finished: refused while a registered speaker has neither spoken nor withdrawn."""
    now = now or utcnow()
    if m.finished_at is not None:
        raise HearingsError(_("This meeting is already finished."), 409)
    if now < m.starts_at:
        raise HearingsError(_("A meeting cannot finish before it starts."), 409)
    waiting = [s for s in speakers(m) if s.status == SpeakerStatus.REQUESTED]
    if waiting:
        raise HearingsError(
            ngettext(
                "%(num)d registered speaker has not spoken yet: the debate goes on until each has spoken or withdrawn.",
                "%(num)d registered speakers have not spoken yet: the debate goes on until each has spoken or withdrawn.",
                len(waiting),
            ),
            409,
        )
    m.finished_at = now
    db.session.flush()
    for reg, language in confirmed_with_languages(m):
        link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}/feedback")
        # in the participant's language, not the language of the staff member who pressed "finish"
        with force_locale(language):
            question = Mail(
                to=[reg.email],
                subject=_("How was %(title)s?", title=m.title),
                text=_("Thank you for taking part. Tell us how it went (two minutes): %(link)s", link=link),
            )
            if reg.account_id is not None:  # their settings decide (a guest has none: it comes)
                notify(reg.account_id, MEETING_FEEDBACK, question)
            else:
                send_mail(question)


def publish_minutes(m: Meeting, text: str, now: dt.datetime | None = None) -> None:
    """Publish the minutes: never before the meeting has started (nothing to record yet)."""
    now = now or utcnow()
    if now < m.starts_at:
        raise HearingsError(
            _(
                "The minutes can be published once the meeting has started (%(when)s).",
                when=local_text(m.starts_at),
            ),
            409,
            "minutes",
        )
    if not (text or "").strip():
        raise HearingsError(_("Write the minutes first."), field_name="minutes")
    m.minutes = text
    m.minutes_published_at = now
    db.session.flush()


def minutes_template(m: Meeting) -> str:
    """A «minută» to start from (Markdown): when and where, the participants, a summary of the
    positions (one line per registered speaker, to complete), and the votes where there were any."""
    regs = [r for r in registrations_of(m) if r.status == RegistrationStatus.CONFIRMED]
    checked_in = [r for r in regs if r.checked_in_at is not None]
    place = ", ".join(p for p in (m.place, m.online_url) if p)
    heading = {
        "title": _("Minutes of the meeting"),
        "when": _("Date and place"),
        "who": _("Participants"),
        "staff": _("For the municipality"),
        "positions": _("Summary of the positions expressed"),
        "votes": _("Votes"),
        "conclusions": _("Conclusions"),
    }
    lines = [
        "## " + heading["title"] + ": " + m.title,
        "",
        "**"
        + heading["when"]
        + ":** "
        + local_text(m.starts_at)
        + " – "
        + local_text(m.ends_at, "short")
        + ", "
        + place,
        "",
        "### " + heading["who"],
        "",
        ngettext(
            "%(num)d person registered; %(present)d signed the attendance list.",
            "%(num)d people registered; %(present)d signed the attendance list.",
            len(regs),
            present=len(checked_in),
        ),
        "",
        "- " + heading["staff"] + ": ",
        "",
        "### " + heading["positions"],
        "",
    ]
    spoken = [s for s in speakers(m) if s.status != SpeakerStatus.WITHDRAWN]
    for s in spoken:
        who = f"{s.name} ({s.organisation_name})" if s.organisation_name else s.name
        lines.append(f"- **{who}**, {s.topic}: ")
    if not spoken:
        lines.append("- ")
    lines += [
        "",
        "### " + heading["votes"],
        "",
        _("No vote was taken. (Where there was one: the question, votes for, against and abstentions.)"),
        "",
        "### " + heading["conclusions"],
        "",
        "",
    ]
    return "\n".join(lines)
