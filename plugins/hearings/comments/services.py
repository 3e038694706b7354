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
from sqlalchemy.orm import aliased

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
    CommentTally,
    Consultation,
    Report,
)
from plugins.hearings.settings import settings

EDIT_WINDOW = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(hours=1)

#: Aliases of the comments table for a comment's replies, made once: ``aliased()`` builds its
#: mapper proxies anew on each call (about 0.7 ms each, measured), and a query has the same
#: SQL (and SQLAlchemy's compiled-statement cache hit) whether its alias is new or not. One
#: alias per place it is used, so that no statement holds the same alias in two scopes (a
#: subquery would then correlate to the outer one).
_ANSWERING_REPLY = aliased(Comment, name="answering_reply")
_OWN_REPLY = aliased(Comment, name="own_reply")
_PUBLIC_REPLY = aliased(Comment, name="public_reply")


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
    #: replies the reader may see that are not shown here (on the article's page of comments)
    more_replies: int = 0


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


# --- comments a page at a time, per article (issue 16 §6) --------------------------------------

#: Threads (a first comment with its replies) per page of an article's comments.
THREADS_PER_PAGE = 20
#: The consultation page shows a first page of this many threads per article, each with at most
#: PREVIEW_REPLIES replies, so its cost is bounded by the number of articles, not of comments
#: (a draft has tens of articles: more per article and the page's cost grows with the comments
#: until every article has that many). "More comments" opens the article's pages (a page URL,
#: or the API with JavaScript). The thread's replies are counted, not shown ("3 replies" links
#: to the thread on its article's page): the page is the draft with a glimpse of each article's
#: discussion, and what it renders then does not grow with the discussion (issue 16 §6).
PREVIEW_THREADS = 1
PREVIEW_REPLIES = 0


@dataclass
class ArticleComments:
    """One page of one article's threads (``key`` None: comments on the whole draft)."""

    key: uuid.UUID | None
    threads: list[CommentView]
    thread_count: int
    comment_count: int
    page: int = 1
    per_page: int = THREADS_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.thread_count // self.per_page))

    @property
    def has_more(self) -> bool:
        return self.page < self.pages

    @property
    def truncated(self) -> bool:
        """Something of this article is not shown here: later threads, or replies."""
        return self.has_more or any(t.more_replies for t in self.threads)


def _readable(viewer: Any, moderator: bool, table: Any = Comment) -> Any:
    """What a reader may see: published ones, their own hidden ones; moderators everything."""
    if moderator:
        return sa.true()
    own = table.account_id == viewer.id if viewer is not None else sa.false()
    return sa.or_(table.hidden_at.is_(None), own)


def _thread_clause(c: Consultation, viewer: Any, moderator: bool) -> Any:
    """A first comment the reader sees as a thread: readable, and not withdrawn unless it is
    hidden (the author and moderators see why) or has a reply they can read (a placeholder).
    The replies are one uncorrelated subquery (a hashed semi-join), never a probe per comment."""
    reply = _ANSWERING_REPLY
    answered = sa.select(reply.parent_id).where(
        reply.consultation_id == c.id,
        reply.parent_id.isnot(None),
        _readable(viewer, moderator, reply),
    )
    return sa.and_(
        Comment.consultation_id == c.id,
        Comment.parent_id.is_(None),
        _readable(viewer, moderator),
        sa.or_(Comment.withdrawn_at.is_(None), Comment.hidden_at.isnot(None), Comment.id.in_(answered)),
    )


def _article_key(article_map: dict[uuid.UUID, uuid.UUID | None]) -> Any:
    """The current article a comment belongs to (comments on earlier versions follow their
    article's number; on a removed article or the whole draft: NULL), in SQL."""
    if not article_map:
        return sa.cast(sa.null(), sa.Uuid)
    return sa.case(
        {old: sa.cast(sa.literal(new), sa.Uuid) if new else sa.null() for old, new in article_map.items()},
        value=Comment.article_id,
        else_=sa.null(),
    )


def _ids_of(key: uuid.UUID | None, article_map: dict[uuid.UUID, uuid.UUID | None]) -> Any:
    olds = [old for old, new in article_map.items() if new == key]
    if key is None:
        return (
            sa.or_(Comment.article_id.is_(None), Comment.article_id.in_(olds))
            if olds
            else (Comment.article_id.is_(None))
        )
    return Comment.article_id.in_(olds)


def article_comment_pages(
    c: Consultation,
    viewer: Any,
    moderator: bool,
    article_map: dict[uuid.UUID, uuid.UUID | None],
    *,
    key: Any = ...,
    page: int = 1,
    per_page: int = THREADS_PER_PAGE,
    replies_per_thread: int | None = None,
) -> dict[uuid.UUID | None, ArticleComments]:
    """A page of threads for every article (``key`` left out: the first page of each, for the
    consultation page) or for one (``key``: an article id, or None for the whole draft);
    ``replies_per_thread`` caps the replies shown under each (the rest are counted).

    Two queries whatever the number of comments: the counts per article, and the page's first
    comments (ranked per article in SQL) with their replies. The consultation page's preview (one
    thread per article) for readers who are not moderators reads the articles' tallies on
    PostgreSQL instead (:func:`_preview_from_tallies`): its cost does not grow with the comments."""
    if (
        key is ...
        and page == 1
        and per_page == 1
        and not moderator
        and db.session.get_bind().dialect.name == "postgresql"
    ):
        return _preview_from_tallies(c, viewer, article_map, replies_per_thread)
    return _counted_pages(
        c,
        viewer,
        moderator,
        article_map,
        key=key,
        page=page,
        per_page=per_page,
        replies_per_thread=replies_per_thread,
    )


def _counted_pages(
    c: Consultation,
    viewer: Any,
    moderator: bool,
    article_map: dict[uuid.UUID, uuid.UUID | None],
    *,
    key: Any,
    page: int,
    per_page: int,
    replies_per_thread: int | None,
) -> dict[uuid.UUID | None, ArticleComments]:
    """:func:`article_comment_pages` counted and ranked from the comments themselves: any page,
    any reader, any database; the reference the tallies' preview is tested against."""
    article = _article_key(article_map)
    threads = _thread_clause(c, viewer, moderator)
    scope = Comment.consultation_id == c.id
    if key is not ...:
        scope = sa.and_(scope, _ids_of(key, article_map))
    public = sa.and_(Comment.hidden_at.is_(None), Comment.withdrawn_at.is_(None))
    counts = {
        k: (t, n)
        for k, t, n in db.session.execute(
            sa.select(
                article.label("k"),
                sa.func.count().filter(threads),
                sa.func.count().filter(public),
            )
            .where(scope)
            .group_by(article)
        ).all()
    }
    first = (page - 1) * per_page
    rank = (
        sa.select(
            Comment.tenant_id,
            Comment.id,
            article.label("k"),
            sa.func.row_number()
            .over(partition_by=article, order_by=(Comment.created_at, Comment.id))
            .label("n"),
        )
        .where(threads, scope)
        .subquery()
    )
    on_page = sa.select(rank.c.id).where(rank.c.n > first, rank.c.n <= first + per_page).cte("on_page")
    ranked_replies = (
        sa.select(
            Comment.id,
            sa.func.row_number()
            .over(partition_by=Comment.parent_id, order_by=(Comment.created_at, Comment.id))
            .label("n"),
            sa.func.count().over(partition_by=Comment.parent_id).label("of"),
        )
        .where(
            Comment.consultation_id == c.id,
            Comment.parent_id.in_(sa.select(on_page.c.id)),
            _readable(viewer, moderator),
        )
        .cte("replies")
    )
    shown = sa.select(ranked_replies.c.id)
    if replies_per_thread is not None:  # at least the first, which says how many there are
        shown = shown.where(ranked_replies.c.n <= max(1, replies_per_thread))
    rows = db.session.execute(
        sa.select(Comment, article.label("k"), ranked_replies.c.of)  # a reply is on its thread's article
        .outerjoin(ranked_replies, ranked_replies.c.id == Comment.id)
        .where(
            Comment.consultation_id == c.id,
            sa.or_(Comment.id.in_(sa.select(on_page.c.id)), Comment.id.in_(shown)),
        )
        .order_by(Comment.created_at, Comment.id)
    ).all()
    tops = [(cm, k) for cm, k, _of in rows if cm.parent_id is None]
    replies: dict[uuid.UUID, list[CommentView]] = defaultdict(list)
    reply_total: dict[uuid.UUID, int] = {}
    for cm, _k, of in rows:
        if cm.parent_id is not None:
            if replies_per_thread is None or len(replies[cm.parent_id]) < replies_per_thread:
                replies[cm.parent_id].append(_view(cm))
            reply_total[cm.parent_id] = of
    out: dict[uuid.UUID | None, ArticleComments] = {}
    for k, (thread_count, comment_count) in counts.items():
        out[k] = ArticleComments(k, [], thread_count, comment_count, page, per_page)
    if key is not ... and key not in out:
        out[key] = ArticleComments(key, [], 0, 0, page, per_page)
    for cm, k in tops:
        view = _view(cm)
        view.replies = replies.get(cm.id, [])
        view.more_replies = reply_total.get(cm.id, 0) - len(view.replies)
        out[k].threads.append(view)
    return out


def _viewers_own_threads(
    c: Consultation, viewer: Any
) -> list[tuple[uuid.UUID, uuid.UUID | None, dt.datetime]]:
    """The threads a signed-in reader sees that the public does not (``(id, article, when)``):
    their own hidden first comments, and withdrawn first comments kept only by a reply of theirs
    that was hidden. Found from the reader's own comments (an index on the account): few rows."""
    reply, public_reply = _OWN_REPLY, _PUBLIC_REPLY
    hidden_own = sa.select(Comment.id, Comment.article_id, Comment.created_at).where(
        Comment.consultation_id == c.id,
        Comment.parent_id.is_(None),
        Comment.account_id == viewer.id,
        Comment.hidden_at.isnot(None),
    )
    kept_by_own_reply = (
        sa.select(Comment.id, Comment.article_id, Comment.created_at)
        .join(reply, sa.and_(reply.tenant_id == Comment.tenant_id, reply.parent_id == Comment.id))
        .where(
            reply.account_id == viewer.id,
            reply.hidden_at.isnot(None),
            Comment.consultation_id == c.id,
            Comment.parent_id.is_(None),
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.isnot(None),
            ~sa.exists().where(
                public_reply.tenant_id == Comment.tenant_id,
                public_reply.parent_id == Comment.id,
                public_reply.hidden_at.is_(None),
            ),
        )
    )
    return [tuple(r) for r in db.session.execute(sa.union(hidden_own, kept_by_own_reply)).all()]


def _preview_from_tallies(
    c: Consultation,
    viewer: Any,
    article_map: dict[uuid.UUID, uuid.UUID | None],
    replies_per_thread: int | None,
) -> dict[uuid.UUID | None, ArticleComments]:
    """The first thread of every article and the counts, as :func:`article_comment_pages` gives
    them with ``per_page=1``, from ``hearings_comment_tallies`` (kept by triggers: the published
    comments, the threads the public sees and the first of them, per article of every version)
    plus, for a signed-in reader, the threads only they see. Two statements for a reader without
    an account, three with one, whatever the number of comments; the replies read are those of
    the threads shown (an index on ``parent_id``)."""
    firsts: dict[uuid.UUID | None, tuple[dt.datetime, uuid.UUID]] = {}
    counts: dict[uuid.UUID | None, list[int]] = {}

    def current(article_id: uuid.UUID | None) -> uuid.UUID | None:
        return article_map.get(article_id) if article_id is not None else None

    def offer(k: uuid.UUID | None, at: dt.datetime | None, thread_id: uuid.UUID | None) -> None:
        if thread_id is not None and (k not in firsts or (at, thread_id) < firsts[k]):
            firsts[k] = (at, thread_id)

    tallies = db.session.execute(
        sa.select(
            CommentTally.article_id,
            CommentTally.threads,
            CommentTally.comments,
            CommentTally.first_thread_at,
            CommentTally.first_thread_id,
        ).where(CommentTally.consultation_id == c.id)
    ).all()
    for article_id, threads, comments, first_at, first_id in tallies:
        k = current(article_id)
        n = counts.setdefault(k, [0, 0])
        n[0] += threads
        n[1] += comments
        offer(k, first_at, first_id)
    if viewer is not None:
        for thread_id, article_id, at in _viewers_own_threads(c, viewer):
            k = current(article_id)
            counts.setdefault(k, [0, 0])[0] += 1
            offer(k, at, thread_id)
    shown_ids = [thread_id for _at, thread_id in firsts.values()]
    out: dict[uuid.UUID | None, ArticleComments] = {
        k: ArticleComments(k, [], threads, comments, 1, 1)
        for k, (threads, comments) in counts.items()
        if threads or comments
    }
    if not shown_ids:
        return out
    # the threads by their keys, and their replies by ``parent_id`` (each an index scan: joined
    # in one statement, PostgreSQL would rather read every comment of the municipality)
    threads = db.session.execute(
        sa.select(Comment).where(Comment.id.in_(shown_ids)).order_by(Comment.created_at, Comment.id)
    ).scalars()
    ranked = (
        sa.select(
            Comment,
            sa.func.row_number()
            .over(partition_by=Comment.parent_id, order_by=(Comment.created_at, Comment.id))
            .label("n"),
            sa.func.count().over(partition_by=Comment.parent_id).label("of"),
        )
        .where(Comment.parent_id.in_(shown_ids), _readable(viewer, False))
        .subquery("ranked")
    )
    reply = aliased(Comment, ranked)
    shown_replies = sa.select(reply, ranked.c.of).order_by(ranked.c.created_at, ranked.c.id)
    if replies_per_thread is not None:  # at least the first, which says how many there are
        shown_replies = shown_replies.where(ranked.c.n <= max(1, replies_per_thread))
    replies: dict[uuid.UUID, list[CommentView]] = defaultdict(list)
    reply_total: dict[uuid.UUID, int] = {}
    for cm, of in db.session.execute(shown_replies).all():
        if replies_per_thread is None or len(replies[cm.parent_id]) < replies_per_thread:
            replies[cm.parent_id].append(_view(cm))
        reply_total[cm.parent_id] = of
    for cm in threads:
        view = _view(cm)
        view.replies = replies.get(cm.id, [])
        view.more_replies = reply_total.get(cm.id, 0) - len(view.replies)
        out[current(cm.article_id)].threads.append(view)
    return out


def _view(cm: Comment) -> CommentView:
    return CommentView(cm, show_body=cm.withdrawn_at is None, hidden_notice=cm.hidden_at is not None)


def comment_location(
    c: Consultation,
    comment: Comment,
    viewer: Any,
    moderator: bool,
    article_map: dict[uuid.UUID, uuid.UUID | None],
    per_page: int = THREADS_PER_PAGE,
) -> tuple[uuid.UUID | None, int, bool]:
    """The article (None: the whole draft) and page of threads where ``comment`` is shown, and
    whether the consultation page's preview shows it, so that a link to a comment (after posting
    it, from search or a mail) opens a page that has it."""
    thread = comment
    if comment.parent_id is not None:
        thread = get_comment(c, comment.parent_id)
    key = article_map.get(thread.article_id) if thread.article_id is not None else None
    before = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(
            _thread_clause(c, viewer, moderator),
            _ids_of(key, article_map),
            sa.or_(
                Comment.created_at < thread.created_at,
                sa.and_(Comment.created_at == thread.created_at, Comment.id < thread.id),
            ),
        )
    ).scalar_one()
    return key, before // per_page + 1, comment.parent_id is None and before < PREVIEW_THREADS
