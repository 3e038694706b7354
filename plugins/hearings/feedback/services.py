"""Feedback of attendees on a meeting: submitting, the aggregate, whether it is public."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    Linkable,
    Reference,
    db,
    resolve_references,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.meetings.services import get_meeting
from plugins.hearings.models import (
    Feedback,
    Meeting,
    Registration,
    RegistrationStatus,
)
from plugins.hearings.settings import settings


def submit_feedback(
    reg: Registration, overall: int, organisation: int, usefulness: int, text: str
) -> Feedback:
    m = get_meeting(reg.meeting_id)
    if m.finished_at is None:
        raise HearingsError(_("Feedback opens when the meeting has finished."), 409)
    if reg.status != RegistrationStatus.CONFIRMED:
        raise HearingsError(_("Only attendees can give feedback."), 403)
    for value in (overall, organisation, usefulness):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise HearingsError(_("Ratings go from 1 to 5."))
    if len(text or "") > 5000:
        raise HearingsError(_("Use at most %(n)d characters.", n=5000), field_name="text")
    exists = db.session.execute(sa.select(Feedback.id).where(Feedback.registration_id == reg.id)).first()
    if exists:
        raise HearingsError(_("You have already given feedback for this meeting. Thank you!"), 409)
    fb = Feedback(
        meeting_id=m.id,
        registration_id=reg.id,
        overall=overall,
        organisation=organisation,
        usefulness=usefulness,
        text=(text or "").strip(),
    )
    db.session.add(fb)
    db.session.flush()
    return fb


def feedback_summary(m: Meeting) -> dict[str, Any]:
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(Feedback.overall),
            sa.func.avg(Feedback.organisation),
            sa.func.avg(Feedback.usefulness),
        ).where(Feedback.meeting_id == m.id)
    ).one()
    texts = [
        t
        for (t,) in db.session.execute(
            sa.select(Feedback.text)
            .where(Feedback.meeting_id == m.id, Feedback.text != "")
            .order_by(Feedback.created_at)
        )
    ]
    r = lambda v: round(float(v), 2) if v is not None else None  # noqa: E731
    return {
        "count": row[0],
        "overall": r(row[1]),
        "organisation": r(row[2]),
        "usefulness": r(row[3]),
        "texts": texts,
    }


def feedback_public(m: Meeting) -> bool:
    return bool(m.feedback_published or settings()["feedback_public"])


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def feedback_survey(m: Meeting) -> Linkable | None:
    """The survey that takes this meeting's feedback, when one is linked and the surveys plugin
    still knows it (published, the plugin on); else None and the built-in form serves."""
    if m.feedback_survey is None:
        return None
    return resolve_references([m.feedback_survey]).get(m.feedback_survey)


def link_feedback_survey(m: Meeting, text: str) -> None:
    """Link a survey by its address (or id) for the feedback after the meeting; empty unlinks.
    Only a survey the surveys plugin resolves here (published, this municipality) is taken."""
    text = (text or "").strip()
    if not text:
        m.feedback_survey = None
        return
    found = _UUID.search(text)
    ref = Reference("surveys", "survey", found.group(0).lower()) if found else None
    if ref is None or ref not in resolve_references([ref]):
        raise HearingsError(
            _("Give the address of one of the municipality's published surveys."), 422, "survey"
        )
    m.feedback_survey = ref
