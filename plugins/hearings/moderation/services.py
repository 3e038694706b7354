"""Moderation of comments: hiding, restoring, dismissing reports, the queue and the log."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    db,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.models import (
    Comment,
    ModerationAction,
    Report,
)
from plugins.hearings.notices import mail_comment_hidden


def _moderate(comment: Comment, by: Any, action: str, reason: str) -> None:
    db.session.add(
        ModerationAction(comment_id=comment.id, action=action, reason=reason[:500], by_account_id=by.id)
    )
    for report in db.session.execute(
        sa.select(Report).where(Report.comment_id == comment.id, Report.resolved_at.is_(None))
    ).scalars():
        report.resolved_at = utcnow()
    db.session.flush()


def hide_comment(comment: Comment, by: Any, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise HearingsError(_("Give a reason: the author will see it."), field_name="reason")
    if len(reason) > 500:
        raise HearingsError(_("Use at most %(n)d characters.", n=500), field_name="reason")
    already = comment.hidden_at is not None
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    _moderate(comment, by, "hide", reason)
    if not already:
        mail_comment_hidden(comment, reason)


def restore_comment(comment: Comment, by: Any) -> None:
    comment.hidden_at = None
    comment.hidden_reason = None
    _moderate(comment, by, "restore", "")


def dismiss_reports(comment: Comment, by: Any) -> None:
    _moderate(comment, by, "dismiss", "")


def moderation_queue() -> list[tuple[Comment, list[Report]]]:
    """Comments with unresolved reports, oldest report first (two queries)."""
    reports = list(
        db.session.execute(
            sa.select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at)
        ).scalars()
    )
    if not reports:
        return []
    ids = list(dict.fromkeys(r.comment_id for r in reports))
    comments = {
        cm.id: cm for cm in db.session.execute(sa.select(Comment).where(Comment.id.in_(ids))).scalars()
    }
    grouped: dict[uuid.UUID, list[Report]] = defaultdict(list)
    for r in reports:
        grouped[r.comment_id].append(r)
    return [(comments[i], grouped[i]) for i in ids if i in comments]


def moderation_log(limit: int = 100) -> list[ModerationAction]:
    return list(
        db.session.execute(
            sa.select(ModerationAction).order_by(ModerationAction.at.desc()).limit(limit)
        ).scalars()
    )
