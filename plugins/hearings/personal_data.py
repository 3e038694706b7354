"""The hearings part of exporting and of erasing a person's data (hooks of the core)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    Account,
    db,
)
from plugins.hearings import privacy
from plugins.hearings.models import (
    Comment,
    Consultation,
    Feedback,
    Follow,
    Meeting,
    Registration,
    SpeakerRequest,
)

ANONYMISED = "—"


def export_personal_data(account: Account) -> dict[str, Any]:
    comments = db.session.execute(
        sa.select(Comment, Consultation.title)
        .join(
            Consultation,
            sa.and_(Consultation.id == Comment.consultation_id, Consultation.tenant_id == Comment.tenant_id),
        )
        .where(Comment.account_id == account.id)
        .order_by(Comment.created_at)
    ).all()
    regs = db.session.execute(
        sa.select(Registration, Meeting.title)
        .join(
            Meeting,
            sa.and_(Meeting.id == Registration.meeting_id, Meeting.tenant_id == Registration.tenant_id),
        )
        .where(Registration.account_id == account.id)
        .order_by(Registration.created_at)
    ).all()
    reg_ids = [r.id for r, _t in regs]
    feedback = (
        list(db.session.execute(sa.select(Feedback).where(Feedback.registration_id.in_(reg_ids))).scalars())
        if reg_ids
        else []
    )
    speaking = db.session.execute(
        sa.select(SpeakerRequest).where(SpeakerRequest.account_id == account.id)
    ).scalars()
    return {
        "comments": [
            {
                "consultation": title,
                "created_at": cm.created_at.isoformat(),
                "organisation": cm.organisation_name,
                "body": cm.body,
                "withdrawn": cm.withdrawn_at is not None,
            }
            for cm, title in comments
        ],
        "registrations": [
            {
                "meeting": title,
                "name": r.name,
                "email": r.email,
                "organisation": r.organisation_name,
                "accessibility": r.accessibility,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
            }
            for r, title in regs
        ],
        "feedback": [
            {"overall": f.overall, "organisation": f.organisation, "usefulness": f.usefulness, "text": f.text}
            for f in feedback
        ],
        "speaker_requests": [{"topic": s.topic, "status": s.status} for s in speaking],
        **privacy.account_extras(account),  # follows, and the consents given with accessibility needs
    }


def erase_personal_data(account: Account) -> None:
    """Anonymise: the register keeps every comment, without the person's name or contact."""
    privacy.erase_account_extras(account)  # first: the rows still name the account
    for cm in db.session.execute(sa.select(Comment).where(Comment.account_id == account.id)).scalars():
        cm.author_name, cm.account_id = ANONYMISED, None
    for r in db.session.execute(
        sa.select(Registration).where(Registration.account_id == account.id)
    ).scalars():
        r.name, r.email, r.account_id = ANONYMISED, "", None
        r.organisation_name, r.accessibility, r.accessibility_other = "", "", ""
    for s in db.session.execute(
        sa.select(SpeakerRequest).where(SpeakerRequest.account_id == account.id)
    ).scalars():
        s.name, s.account_id = ANONYMISED, None
    db.session.execute(sa.delete(Follow).where(Follow.account_id == account.id))
    db.session.flush()
