"""Requests for a public debate (Romania, Law 52/2003 art. 7): a legally constituted association
or another public authority asks in writing; the authority must then organise the debate, within
10 calendar days of publishing its date and place, and before the act is adopted. Staff enter the
request, record the decision (a refusal needs a reason: the requester is not entitled) and link
the meeting; the deadlines are computed from the data."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.toolkit import db, utcnow
from core.toolkit import gettext as _
from plugins.hearings.common import HearingsError, local_text, to_local
from plugins.hearings.law import services as law
from plugins.hearings.models import Consultation, DebateRequest, DebateStatus, Meeting, Status

#: Art. 7: the debate takes place at most this many calendar days after its date and place are published.
HOLD_WITHIN_DAYS = 10
KINDS = ("association", "authority")


def _today() -> dt.date:
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _require_procedure() -> None:
    if not law.rule_set().debates:
        raise HearingsError(
            _(
                "Requests for a public debate are a procedure of Romanian law (Law 52/2003); it does not apply here."
            ),
            404,
        )


def requests_of(c: Consultation) -> list[DebateRequest]:
    return list(
        db.session.execute(
            sa.select(DebateRequest)
            .where(DebateRequest.consultation_id == c.id)
            .order_by(DebateRequest.received_on, DebateRequest.created_at)
        ).scalars()
    )


def get_request(c: Consultation, request_id: uuid.UUID) -> DebateRequest:
    dr = db.session.execute(
        sa.select(DebateRequest).where(DebateRequest.id == request_id, DebateRequest.consultation_id == c.id)
    ).scalar_one_or_none()
    if dr is None:
        raise HearingsError(_("This request does not exist."), 404)
    return dr


def create_request(
    c: Consultation,
    by: Any,
    *,
    requester_kind: str,
    requester_name: str,
    requester_registration: str = "",
    contact: str = "",
    received_on: dt.date | None,
    text: str = "",
) -> DebateRequest:
    """Enter a written request received for a published draft."""
    _require_procedure()
    if c.status == Status.DRAFT:
        raise HearingsError(_("The draft has not been announced yet."), 409)
    if requester_kind not in KINDS:
        raise HearingsError(_("Choose one of the options listed."), field_name="requester_kind")
    requester_name = (requester_name or "").strip()
    if not requester_name:
        raise HearingsError(_("Give the name of the association or authority."), field_name="requester_name")
    if received_on is None:
        raise HearingsError(_("Give the day it was received."), field_name="received_on")
    if received_on > _today():
        raise HearingsError(_("The day received cannot be in the future."), field_name="received_on")
    for name, value, n in (
        ("requester_name", requester_name, 300),
        ("requester_registration", requester_registration, 100),
        ("contact", contact, 300),
        ("text", text, 20000),
    ):
        if len((value or "").strip()) > n:
            raise HearingsError(_("Use at most %(n)d characters.", n=n), field_name=name)
    dr = DebateRequest(
        consultation_id=c.id,
        requester_kind=requester_kind,
        requester_name=requester_name,
        requester_registration=(requester_registration or "").strip(),
        contact=(contact or "").strip(),
        received_on=received_on,
        text=(text or "").strip(),
        entered_by_id=by.id if by else None,
    )
    db.session.add(dr)
    db.session.flush()
    return dr


def _check_meeting(c: Consultation, m: Meeting) -> None:
    if m.consultation_id is not None and m.consultation_id != c.id:
        raise HearingsError(_("This meeting belongs to another consultation."), 409, "meeting_id")
    published = to_local(m.created_at).date()
    held = to_local(m.starts_at).date()
    if (held - published).days > HOLD_WITHIN_DAYS:
        raise HearingsError(
            _(
                "Law 52/2003 (art. 7) has the debate held at most %(days)d calendar days after its date and place are published: this meeting was published on %(published)s and takes place on %(held)s.",
                days=HOLD_WITHIN_DAYS,
                published=local_text(m.created_at),
                held=local_text(m.starts_at),
            ),
            422,
            "meeting_id",
        )
    if c.intended_adoption_on is not None and held >= c.intended_adoption_on:
        raise HearingsError(
            _("The debate must take place before the intended adoption date."), 422, "meeting_id"
        )


def decide(
    c: Consultation,
    dr: DebateRequest,
    by: Any,
    *,
    accept: bool,
    reason: str = "",
    meeting: Meeting | None = None,
) -> None:
    """Record the decision. A refusal must say why the requester is not entitled (only a legally
    constituted association or another public authority is); an acceptance may link the meeting
    at once or later (:func:`link_meeting`)."""
    _require_procedure()
    if dr.status != DebateStatus.RECEIVED:
        raise HearingsError(_("This request has already been decided."), 409)
    reason = (reason or "").strip()
    if len(reason) > 5000:
        raise HearingsError(_("Use at most %(n)d characters.", n=5000), field_name="decision_reason")
    if not accept and not reason:
        raise HearingsError(
            _(
                "A legally constituted association or another public authority that asks in writing is entitled to the debate (art. 7): say why this request is refused."
            ),
            field_name="decision_reason",
        )
    if accept and meeting is not None:
        _check_meeting(c, meeting)
        meeting.consultation_id = c.id
        dr.meeting_id = meeting.id
    dr.status = DebateStatus.ACCEPTED.value if accept else DebateStatus.REFUSED.value
    dr.decision_reason = reason
    dr.decided_at, dr.decided_by_id = utcnow(), by.id if by else None
    db.session.flush()


def link_meeting(c: Consultation, dr: DebateRequest, meeting: Meeting) -> None:
    _require_procedure()
    if dr.status != DebateStatus.ACCEPTED:
        raise HearingsError(_("Link a meeting once the debate has been accepted."), 409)
    _check_meeting(c, meeting)
    meeting.consultation_id = c.id
    dr.meeting_id = meeting.id
    db.session.flush()


@dataclass
class Deadline:
    """Where a request stands against the law's deadlines."""

    hold_before: dt.date | None  # the intended adoption date
    hold_by: dt.date | None  # the linked meeting's publication + 10 days
    days_left: int | None
    overdue: bool
    held: bool


def deadline(c: Consultation, dr: DebateRequest, meeting: Meeting | None) -> Deadline:
    today = _today()
    held = meeting is not None and meeting.starts_at <= utcnow()
    hold_by = to_local(meeting.created_at).date() + dt.timedelta(days=HOLD_WITHIN_DAYS) if meeting else None
    target = c.intended_adoption_on
    days_left = (target - today).days if target else None
    open_request = dr.status == DebateStatus.RECEIVED or (dr.status == DebateStatus.ACCEPTED and not held)
    overdue = bool(open_request and target is not None and today >= target)
    return Deadline(hold_before=target, hold_by=hold_by, days_left=days_left, overdue=overdue, held=held)


def meetings_for(c: Consultation) -> list[Meeting]:
    """Meetings that can be the debate: this consultation's, or not yet linked to any, upcoming."""
    return list(
        db.session.execute(
            sa.select(Meeting)
            .where(
                sa.or_(Meeting.consultation_id == c.id, Meeting.consultation_id.is_(None)),
                Meeting.ends_at >= utcnow() - dt.timedelta(days=365),
            )
            .order_by(Meeting.starts_at)
        ).scalars()
    )
