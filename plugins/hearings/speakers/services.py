"""The speaker list of a meeting: requests to speak, their status and order."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    Account,
    db,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, represented_organisation
from plugins.hearings.models import (
    Meeting,
    SpeakerRequest,
    SpeakerStatus,
)


def speakers(m: Meeting) -> list[SpeakerRequest]:
    return list(
        db.session.execute(
            sa.select(SpeakerRequest)
            .where(SpeakerRequest.meeting_id == m.id)
            .order_by(SpeakerRequest.position, SpeakerRequest.created_at)
        ).scalars()
    )


def request_to_speak(m: Meeting, account: Any, topic: str, organisation_id: Any = None) -> SpeakerRequest:
    """Ask to speak, as oneself or on behalf of an organisation one may represent here (an id of
    :func:`~plugins.hearings.common.acting_organisations`; any other is refused with 403)."""
    organisation = represented_organisation(account, organisation_id)
    topic = (topic or "").strip()
    if not topic:
        raise HearingsError(_("Say what you want to speak about."), field_name="topic")
    if len(topic) > 300:
        raise HearingsError(_("Use at most %(n)d characters.", n=300), field_name="topic")
    if m.finished_at is not None:
        raise HearingsError(_("This meeting has finished."), 409)
    mine = [s for s in speakers(m) if s.account_id == account.id and s.status == SpeakerStatus.REQUESTED]
    if mine:
        raise HearingsError(_("You are already on the speaker list."), 409)
    position = max((s.position for s in speakers(m)), default=0) + 1
    sr = SpeakerRequest(
        meeting_id=m.id,
        account_id=account.id,
        name=account.display_name,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name[:200] if organisation else "",
        topic=topic,
        position=position,
    )
    db.session.add(sr)
    db.session.flush()
    return sr


def get_speaker(m: Meeting, speaker_id: uuid.UUID) -> SpeakerRequest:
    sr = db.session.execute(
        sa.select(SpeakerRequest).where(SpeakerRequest.id == speaker_id, SpeakerRequest.meeting_id == m.id)
    ).scalar_one_or_none()
    if sr is None:
        raise HearingsError(_("This speaker request does not exist."), 404)
    return sr


def set_speaker_status(sr: SpeakerRequest, status: str, by: Any, staff: bool, reason: str = "") -> None:
    """Mark a speaker as having spoken (staff) or take the request off the list: the speaker
    themselves, or staff, who must say why; who did it, when and why are recorded."""
    if status not in (SpeakerStatus.SPOKEN, SpeakerStatus.WITHDRAWN):
        raise HearingsError(_("Unknown speaker status."))
    own = by is not None and sr.account_id == by.id
    if not staff and (status != SpeakerStatus.WITHDRAWN or not own):
        raise HearingsError(_("You are not allowed to do this."), 403)
    reason = (reason or "").strip()
    if status == SpeakerStatus.WITHDRAWN:
        if sr.status != SpeakerStatus.REQUESTED:
            raise HearingsError(_("Only a waiting request can be withdrawn."), 409)
        if not own and not reason:
            raise HearingsError(
                _("Say why you take %(name)s off the speaker list: it is recorded.", name=sr.name),
                field_name="reason",
            )
        if len(reason) > 500:
            raise HearingsError(_("Use at most %(n)d characters.", n=500), field_name="reason")
        sr.withdrawn_at, sr.withdrawn_by_id, sr.withdrawn_reason = utcnow(), by.id if by else None, reason
    sr.status = status
    if status == SpeakerStatus.SPOKEN:
        sr.spoke_at = utcnow()
    db.session.flush()


def move_speaker(m: Meeting, sr: SpeakerRequest, direction: int) -> None:
    items = speakers(m)
    for i, s in enumerate(items, start=1):
        s.position = i
    idx = items.index(sr)
    other = idx + direction
    if 0 <= other < len(items):
        items[idx].position, items[other].position = items[other].position, items[idx].position
    db.session.flush()


def withdrawn_by_names(items: list[SpeakerRequest]) -> dict[int, str]:
    """The display names of the people who withdrew requests (for staff's view of the list)."""
    ids = {s.withdrawn_by_id for s in items if s.withdrawn_by_id}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Account.id, Account.display_name).where(Account.id.in_(ids)))
    return dict(rows.all())
