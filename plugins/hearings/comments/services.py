"""Comments on a consultation: posting (on behalf of an organisation too), editing within the
window, withdrawing, reporting, counting and the threads and pages readers see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    Account,
    db,
    ngettext,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, acting_organisations
from plugins.hearings.consultations.services import is_open_for_comments, window_message
from plugins.hearings.models import (
    Article,
    Comment,
    Consultation,
    Report,
)
from plugins.hearings.settings import settings

EDIT_WINDOW = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(hours=1)


def comment_counts(consultation_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not consultation_ids:
        return {}
    rows = db.session.execute(
        sa.select(Comment.consultation_id, sa.func.count())
        .where(
            Comment.consultation_id.in_(consultation_ids),
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.is_(None),
        )
        .group_by(Comment.consultation_id)
    )
    return dict(rows.all())


def comment_max_length() -> int:
    """The municipality's limit on a comment's length, in characters (the form's ``maxlength``)."""
    return int(settings()["comment_max_length"])


def _check_body(body: str) -> str:
    body = (body or "").strip()
    limit = comment_max_length()
    if not body:
        raise HearingsError(_("Write your comment first."), field_name="body")
    if len(body) > limit:
        raise HearingsError(
            ngettext(
                "Use at most %(num)d character (you used %(used)d).",
                "Use at most %(num)d characters (you used %(used)d).",
                limit,
                used=len(body),
            ),
            field_name="body",
        )
    return body


def post_comment(
    c: Consultation,
    account: Any,
    body: str,
    *,
    article_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    organisation_id: int | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Comment on an article or the whole draft, or reply (one level) to a comment."""
    now = now or utcnow()
    if not is_open_for_comments(c, now):
        raise HearingsError(window_message(c, now) or "", 409)
    body = _check_body(body)
    article = None
    if parent_id is not None:
        parent = db.session.execute(
            sa.select(Comment).where(Comment.id == parent_id, Comment.consultation_id == c.id)
        ).scalar_one_or_none()
        if parent is None or not parent.visible_to_public:
            raise HearingsError(_("The comment you reply to does not exist."), 404)
        if parent.parent_id is not None:
            raise HearingsError(_("Replies go one level deep: reply to the first comment instead."))
        article_id = parent.article_id
    elif article_id is not None:
        article = db.session.execute(
            sa.select(Article).where(
                Article.id == article_id, Article.consultation_id == c.id, Article.version == c.version
            )
        ).scalar_one_or_none()
        if article is None:
            raise HearingsError(_("This article is not part of the current draft."), 404)
    organisation = None
    if organisation_id is not None:
        organisation = next((o for o in acting_organisations(account) if o.id == organisation_id), None)
        if organisation is None:
            raise HearingsError(
                _(
                    "You can comment on behalf of an organisation only if you belong to it and it is affiliated with this municipality."
                ),
                403,
                field_name="organisation_id",
            )
    limit = int(settings()["comments_per_hour"])
    # Count, then insert, one post of this account at a time: the account's row stays locked until
    # the transaction ends, so parallel posts cannot all count the same number (22 of 40 got
    # through a limit of 20). READ COMMITTED: the count after the lock sees the previous post.
    db.session.execute(sa.select(Account.id).where(Account.id == account.id).with_for_update())
    recent = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.account_id == account.id, Comment.created_at > now - RATE_WINDOW)
    ).scalar_one()
    if recent >= limit:
        raise HearingsError(
            ngettext(
                "You have written %(num)d comment in the last hour; please wait before writing more.",
                "You have written %(num)d comments in the last hour; please wait before writing more.",
                recent,
            ),
            429,
        )
    lock_register(c)
    comment = Comment(
        consultation_id=c.id,
        article_id=article_id,
        parent_id=parent_id,
        version=c.version,
        account_id=account.id,
        author_name=account.display_name,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else None,
        body=body,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def lock_register(c: Consultation) -> None:
    """Hold the consultation's row until the transaction ends, so that two comments written at
    once get consecutive register numbers, never the same one."""
    db.session.execute(sa.select(Consultation.id).where(Consultation.id == c.id).with_for_update())


def get_comment(c: Consultation, comment_id: uuid.UUID) -> Comment:
    comment = db.session.execute(
        sa.select(Comment).where(Comment.id == comment_id, Comment.consultation_id == c.id)
    ).scalar_one_or_none()
    if comment is None:
        raise HearingsError(_("This comment does not exist."), 404)
    return comment


def can_edit(comment: Comment, account: Any, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        account is not None
        and comment.account_id == account.id
        and comment.withdrawn_at is None
        and comment.hidden_at is None
        and now - comment.created_at <= EDIT_WINDOW
    )


def edit_comment(
    c: Consultation, comment: Comment, account: Any, body: str, now: dt.datetime | None = None
) -> None:
    now = now or utcnow()
    if account is None or comment.account_id != account.id:
        raise HearingsError(_("Only the author can edit a comment."), 403)
    if not can_edit(comment, account, now):
        raise HearingsError(_("A comment can be edited for 15 minutes after it is written."), 409)
    if not is_open_for_comments(c, now):
        raise HearingsError(window_message(c, now) or "", 409)
    comment.body = _check_body(body)
    comment.edited_at = now
    db.session.flush()


def withdraw_comment(comment: Comment, account: Any, now: dt.datetime | None = None) -> None:
    if account is None or comment.account_id != account.id:
        raise HearingsError(_("Only the author can withdraw a comment."), 403)
    if comment.withdrawn_at is None:
        comment.withdrawn_at = now or utcnow()
        db.session.flush()


def report_comment(comment: Comment, account: Any, reason: str) -> Report:
    reason = (reason or "").strip()
    if not reason:
        raise HearingsError(_("Say briefly why you report this comment."), field_name="reason")
    if len(reason) > 500:
        raise HearingsError(_("Use at most %(n)d characters.", n=500), field_name="reason")
    report = Report(comment_id=comment.id, account_id=account.id if account else None, reason=reason)
    db.session.add(report)
    db.session.flush()
    return report


@dataclass
class CommentView:
    comment: Comment
    replies: list[CommentView] = field(default_factory=list)
    show_body: bool = True
    hidden_notice: bool = False


def comments_for(c: Consultation, viewer: Any = None, moderator: bool = False) -> list[Comment]:
    """All comments of a consultation in one query, whatever their number."""
    return list(
        db.session.execute(
            sa.select(Comment).where(Comment.consultation_id == c.id).order_by(Comment.created_at)
        ).scalars()
    )


def comments_page(
    c: Consultation, viewer: Any, moderator: bool, offset: int, limit: int
) -> tuple[list[Comment], int]:
    """One page of the comments a reader may see (published ones; their own hidden ones, or all
    for moderators), oldest first, and how many there are: two queries, whatever the count."""
    visible = Comment.consultation_id == c.id
    if not moderator:
        own = Comment.account_id == viewer.id if viewer is not None else sa.false()
        visible = sa.and_(visible, sa.or_(Comment.hidden_at.is_(None), own))
    total = db.session.execute(sa.select(sa.func.count()).select_from(Comment).where(visible)).scalar_one()
    rows = db.session.execute(
        sa.select(Comment).where(visible).order_by(Comment.created_at, Comment.id).offset(offset).limit(limit)
    ).scalars()
    return list(rows), total


def comment_threads(
    comments: list[Comment],
    viewer: Any = None,
    moderator: bool = False,
    article_map: dict[uuid.UUID, uuid.UUID | None] | None = None,
) -> dict[uuid.UUID | None, list[CommentView]]:
    """Threads keyed by article id (None: the whole draft), with visibility applied in Python.

    Hidden comments: the author and moderators see them with the reason; others do not.
    Withdrawn comments: a placeholder when they have replies, otherwise nothing.
    """
    viewer_id = viewer.id if viewer is not None else None
    views: dict[uuid.UUID, CommentView] = {}
    for cm in comments:
        own = viewer_id is not None and cm.account_id == viewer_id
        if cm.hidden_at is not None and not (own or moderator):
            continue
        views[cm.id] = CommentView(
            cm, show_body=cm.withdrawn_at is None, hidden_notice=cm.hidden_at is not None
        )
    threads: dict[uuid.UUID | None, list[CommentView]] = defaultdict(list)
    for cv in views.values():
        if cv.comment.parent_id is None:
            key = cv.comment.article_id
            if article_map is not None and key is not None:
                key = article_map.get(key)
            threads[key].append(cv)
        elif cv.comment.parent_id in views:
            views[cv.comment.parent_id].replies.append(cv)
    for key, items in list(threads.items()):
        threads[key] = [cv for cv in items if cv.show_body or cv.replies or cv.hidden_notice]
    return threads
