"""Finishing a meeting (refused while registered speakers wait; mails the feedback link) and its
minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.toolkit import (
    Mail,
    db,
    external_url,
    send_mail,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, _host
from plugins.hearings.models import (
    Meeting,
    RegistrationStatus,
    SpeakerStatus,
)
from plugins.hearings.registrations.services import registration_token, registrations_of
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
            _(
                "%(n)d registered speakers have not spoken yet: the debate goes on until each has spoken or withdrawn.",
                n=len(waiting),
            ),
            409,
        )
    m.finished_at = now
    db.session.flush()
    for reg in registrations_of(m):
        if reg.status == RegistrationStatus.CONFIRMED:
            link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}/feedback")
            send_mail(
                Mail(
                    to=[reg.email],
                    subject=_("How was %(title)s?", title=m.title),
                    text=_(
                        "Thank you for taking part. Tell us how it went (two minutes): %(link)s", link=link
                    ),
                )
            )


def publish_minutes(m: Meeting, text: str, now: dt.datetime | None = None) -> None:
    if not (text or "").strip():
        raise HearingsError(_("Write the minutes first."), field_name="minutes")
    m.minutes = text
    m.minutes_published_at = now or utcnow()
    db.session.flush()
