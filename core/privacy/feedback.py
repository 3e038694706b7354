"""The accessibility feedback a municipality receives (``core.legal``), as a guest's personal
data (someone who sent it with only an e-mail address asks for it by the mailed link), and its
retention rule ``core.accessibility_feedback`` (issue 12 §4). An account's feedback is
``core.legal.services``' (download my data, delete my account). A guest's erasure keeps the
report without the person: the municipality must be able to show it handled it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.extensions import db
from core.legal.models import AccessibilityFeedback, FeedbackStatus


def _row(f: AccessibilityFeedback) -> dict[str, Any]:
    return {
        "sent_at": f.created_at.isoformat(),
        "name": f.name,
        "email": f.email,
        "page": f.page_url,
        "message": f.message,
        "status": f.status,
        "answer": f.answer,
        "answered_at": f.answered_at.isoformat() if f.answered_at else None,
    }


def _of_guest(email: str) -> Any:
    return sa.select(AccessibilityFeedback).where(
        AccessibilityFeedback.account_id.is_(None),
        sa.func.lower(AccessibilityFeedback.email) == email.lower(),
    )


def export_rows(query: Any) -> list[dict[str, Any]]:
    return [_row(f) for f in db.session.execute(query.order_by(AccessibilityFeedback.created_at)).scalars()]


def _forget(query: Any) -> None:
    for f in db.session.execute(query).scalars():
        f.name, f.email, f.account_id = None, None, None
    db.session.flush()


def export_for_guest(email: str) -> list[dict[str, Any]]:
    return export_rows(_of_guest(email))


def erase_for_guest(email: str) -> None:
    _forget(_of_guest(email))


def purge(cutoff: dt.datetime) -> int:
    """Reports answered before ``cutoff`` go; one not answered yet is kept, however old."""
    result = db.session.execute(
        sa.delete(AccessibilityFeedback)
        .where(
            AccessibilityFeedback.status == FeedbackStatus.ANSWERED.value,
            AccessibilityFeedback.answered_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
