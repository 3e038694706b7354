"""The logic of the hearings plugin. Views and the API call these functions, never the reverse.

Every function works inside the active tenant (the ORM wall filters and stamps ``tenant_id``).
Rule violations raise :class:`HearingsError` with a message for the person (already translated)
and an HTTP status; nothing is written when one is raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import io
import json
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import markdown as md
import nh3
import sqlalchemy as sa
from babel import dates as babel_dates
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Attachment,
    Mail,
    Organisation,
    OrganisationMember,
    active_tenant_id,
    cross_tenant_read,
    current_tenant,
    db,
    enqueue,
    external_url,
    get_locale,
    job,
    plugin_settings,
    send_mail,
    tenant_info,
    tenants_with_plugin,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.models import (
    ACCESSIBILITY_NEEDS,
    Article,
    Comment,
    Consultation,
    Feedback,
    Follow,
    Meeting,
    ModerationAction,
    Outcome,
    Programme,
    Registration,
    RegistrationStatus,
    Report,
    SpeakerRequest,
    SpeakerStatus,
    Status,
    StatusChange,
)
from plugins.hearings.models import Attachment as HearingsAttachment

EDIT_WINDOW = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(hours=1)
ANONYMISED = "—"
NAME = "hearings"


class HearingsError(ValueError):
    """A rule said no: ``message`` is for the person, ``status`` for the HTTP answer."""

    def __init__(self, message: str, status: int = 422, field_name: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field_name = field_name


def settings() -> dict[str, Any]:
    return plugin_settings(NAME)


# --- time in the municipality's zone ------------------------------------------------------------


def the_tenant():
    """The current tenant: the request's, or (in jobs and CLI commands) the active one."""
    tenant = current_tenant()
    if tenant is None and active_tenant_id() is not None:
        tenant = tenant_info(active_tenant_id())
    return tenant


def tenant_zone() -> ZoneInfo:
    tenant = the_tenant()
    return ZoneInfo(tenant.timezone if tenant else "UTC")


@functools.lru_cache(maxsize=16)
def _medium_patterns(locale: str) -> tuple[Any, Any, Any, str]:
    """Parsed CLDR patterns per language: a page lists thousands of times, parsing them once matters."""
    from babel import Locale

    loc = Locale.parse(locale)
    return (
        loc,
        babel_dates.get_date_format("medium", loc),
        babel_dates.get_time_format("short", loc),
        str(loc.datetime_formats["medium"]),
    )


def local_text(utc: dt.datetime | None, fmt: str = "medium") -> str:
    """A UTC time written in the municipality's zone and the reader's language."""
    if utc is None:
        return ""
    locale = get_locale() or "en"
    if fmt == "medium":  # the day in full, the time to the minute: seconds mean nothing to a reader
        loc, date_pattern, time_pattern, combined = _medium_patterns(str(locale))
        local = utc.replace(tzinfo=dt.UTC).astimezone(tenant_zone())
        return combined.format(time_pattern.apply(local, loc), date_pattern.apply(local, loc))
    return babel_dates.format_datetime(utc.replace(tzinfo=dt.UTC), fmt, tzinfo=tenant_zone(), locale=locale)


def to_utc(local: dt.datetime | None, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """A wall-clock time in the municipality's zone (naive or aware) as naive UTC."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone or tenant_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def to_local(utc: dt.datetime | None, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """Naive UTC as an aware time in the municipality's zone."""
    if utc is None:
        return None
    return utc.replace(tzinfo=dt.UTC).astimezone(zone or tenant_zone())


def iso_local(utc: dt.datetime | None) -> str | None:
    local = to_local(utc)
    return local.isoformat() if local else None


# --- Markdown -----------------------------------------------------------------------------------


def render_markdown(text: str) -> Markup:
    """Markdown rendered, then sanitised by nh3 (no scripts, no event handlers, safe links)."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S704 (sanitised by nh3)


HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
NUMBERED = re.compile(r"^((?:Article|Art\.?|Άρθρο|Член|Articolul)\s*)?(\d+[a-zA-Z]?)[.:)\-–]?\s*(.*)$", re.I)


@dataclass
class DraftArticle:
    number: str
    title: str
    body: str


def parse_draft(text: str) -> tuple[str, list[DraftArticle]]:
    """Split Markdown or plain text into articles: each heading (``#``–``###``) starts one.

    Text before the first heading is returned as the preamble. A heading such as
    ``## Article 3. Scope`` gives number ``3`` and title ``Scope``; otherwise articles are
    numbered in order.
    """
    preamble: list[str] = []
    articles: list[DraftArticle] = []
    current: list[str] | None = None
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        m = HEADING.match(line)
        if m:
            heading = m.group(2).strip()
            n = NUMBERED.match(heading)
            if n and (n.group(1) or n.group(3)):
                number, title = n.group(2), (n.group(3) or heading).strip()
            else:
                number, title = str(len(articles) + 1), heading
            current = []
            articles.append(DraftArticle(number=number, title=title[:300], body=""))
            articles[-1]._lines = current  # type: ignore[attr-defined]
            continue
        (current if current is not None else preamble).append(line)
    for a in articles:
        a.body = "\n".join(a._lines).strip()  # type: ignore[attr-defined]
        del a._lines  # type: ignore[attr-defined]
    return "\n".join(preamble).strip(), articles


def draft_text(articles: list[Article]) -> str:
    """The inverse of :func:`parse_draft`, to prefill the editor."""
    return "\n\n".join(f"## {a.number}. {a.title}\n\n{a.body}".rstrip() for a in articles)


# --- consultations ------------------------------------------------------------------------------


def get_consultation(consultation_id: uuid.UUID) -> Consultation:
    c = db.session.execute(
        sa.select(Consultation).where(Consultation.id == consultation_id)
    ).scalar_one_or_none()
    if c is None:
        raise HearingsError(_("This consultation does not exist."), 404)
    return c


def visible_to_public(c: Consultation) -> bool:
    return c.status != Status.DRAFT


def articles_of(c: Consultation, version: int | None = None) -> list[Article]:
    return list(
        db.session.execute(
            sa.select(Article)
            .where(Article.consultation_id == c.id, Article.version == (version or c.version))
            .order_by(Article.position)
        ).scalars()
    )


def _validate_window(opens_at: dt.datetime | None, closes_at: dt.datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise HearingsError(_("The closing time must be after the opening time."), field_name="closes_at")


def _clean_tags(tags: str | list[str]) -> str:
    items = tags.split(",") if isinstance(tags, str) else tags
    clean = [t.strip()[:40] for t in items if t and t.strip()]
    return ", ".join(dict.fromkeys(clean))[:500]


def save_consultation(
    consultation: Consultation | None,
    *,
    account: Any,
    title: str,
    summary: str,
    tags: str | list[str],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    draft: str | None = None,
    articles: list[DraftArticle] | None = None,
) -> Consultation:
    """Create or update a consultation (times are naive UTC). New articles while it is open or
    closed make a new version: earlier versions and their comments stay as they were."""
    title = (title or "").strip()
    if not title:
        raise HearingsError(_("Give the consultation a title."), field_name="title")
    _validate_window(opens_at, closes_at)
    if articles is None and draft is not None:
        _preamble, articles = parse_draft(draft)
    if consultation is None:
        consultation = Consultation(created_by_id=account.id if account else None, version=1)
        db.session.add(consultation)
        new = True
    else:
        new = False
        if consultation.status == Status.OUTCOME_PUBLISHED:
            raise HearingsError(_("The outcome is published: this consultation can no longer change."), 409)
    consultation.title = title[:300]
    consultation.summary = summary or ""
    consultation.tags = _clean_tags(tags)
    if consultation.status in (Status.DRAFT, Status.SCHEDULED) or new:
        consultation.opens_at, consultation.closes_at = opens_at, closes_at
    elif consultation.status == Status.OPEN:
        consultation.closes_at = closes_at  # extending or shortening an open consultation
    db.session.flush()
    if articles is not None:
        current = articles_of(consultation) if not new else []
        unchanged = [(a.number, a.title, a.body) for a in current] == [
            (a.number, a.title, a.body) for a in articles
        ]
        if not unchanged:
            if consultation.status in (Status.DRAFT, Status.SCHEDULED) or new:
                for a in current:
                    db.session.delete(a)
                db.session.flush()
            else:
                consultation.version += 1
            for i, a in enumerate(articles, start=1):
                db.session.add(
                    Article(
                        consultation_id=consultation.id,
                        version=consultation.version,
                        position=i,
                        number=a.number[:20],
                        title=a.title[:300],
                        body=a.body,
                    )
                )
    db.session.flush()
    return consultation


def _transition(c: Consultation, to: Status, by: Any, due: Any = None, **values: Any) -> bool:
    """Move ``c`` from the status it was read with to ``to``, and record it, exactly once.

    One conditional ``UPDATE … WHERE status = <as read>``: of two transactions racing (two
    periodic jobs, a job and a staff action) the second waits for the first's row lock, then
    matches nothing and returns False, so there is one transition and one set of follower mails.
    ``due``: a column that must be ``<=`` the ``now`` in ``values`` (timed transitions).
    """
    now = values.pop("now")
    criteria = [Consultation.id == c.id, Consultation.status == c.status]
    if due is not None:
        criteria.append(due <= now)
    previous = c.status
    result = db.session.execute(
        sa.update(Consultation)
        .where(*criteria)
        .values(status=to.value, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    db.session.add(
        StatusChange(
            consultation_id=c.id,
            from_status=previous,
            to_status=to.value,
            by_account_id=by.id if by else None,
            at=now,
        )
    )
    db.session.flush()
    return True


def advance_by_time(c: Consultation, now: dt.datetime | None = None) -> bool:
    """Apply the transitions that time has made due (scheduled → open → closed); True if any.

    Called by the periodic job and by staff actions, never by a read: pages show
    :attr:`Consultation.effective_status`. Followers are mailed when this call opened it."""
    now = now or utcnow()
    changed = opened = False
    if c.status == Status.SCHEDULED and c.opens_at is not None and c.opens_at <= now:
        opened = _transition(c, Status.OPEN, None, Consultation.opens_at, now=now)
        changed = opened
    if c.status == Status.OPEN and c.closes_at is not None and c.closes_at <= now:
        changed = _transition(c, Status.CLOSED, None, Consultation.closes_at, now=now) or changed
    if opened and c.status == Status.OPEN:
        enqueue_follow_mail(c)
    return changed


def advance_all_due(now: dt.datetime | None = None) -> int:
    """Advance every consultation of the tenant whose opening or closing time has passed
    (the periodic job ``hearings.tick``; safe to run concurrently)."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(Consultation).where(
            sa.or_(
                sa.and_(Consultation.status == Status.SCHEDULED.value, Consultation.opens_at <= now),
                sa.and_(Consultation.status == Status.OPEN.value, Consultation.closes_at <= now),
            )
        )
    ).scalars()
    return sum(1 for c in list(due) if advance_by_time(c, now))


def open_clause(now: dt.datetime) -> Any:
    """SQL for "open for comments at ``now``" by the dates, as :meth:`Consultation.status_at`."""
    not_closed = sa.or_(Consultation.closes_at.is_(None), Consultation.closes_at > now)
    return sa.or_(
        sa.and_(Consultation.status == Status.OPEN.value, not_closed),
        sa.and_(Consultation.status == Status.SCHEDULED.value, Consultation.opens_at <= now, not_closed),
    )


def schedule(c: Consultation, by: Any, now: dt.datetime | None = None) -> None:
    """Draft → scheduled (needs a window and at least one article); opens at once if due."""
    now = now or utcnow()
    if c.status != Status.DRAFT:
        raise HearingsError(_("Only a draft can be scheduled."), 409)
    if c.opens_at is None or c.closes_at is None:
        raise HearingsError(_("Set the opening and closing times first."))
    if not articles_of(c):
        raise HearingsError(_("Add at least one article first."))
    if c.closes_at <= now:
        raise HearingsError(_("The closing time has already passed."))
    if not _transition(c, Status.SCHEDULED, by, now=now):  # changed meanwhile: no longer a draft
        raise HearingsError(_("Only a draft can be scheduled."), 409)
    advance_by_time(c, now)


def open_now(c: Consultation, by: Any, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    advance_by_time(c, now)  # time may have opened it already: then there is nothing to do
    if c.status == Status.OPEN:
        return
    if c.status not in (Status.DRAFT, Status.SCHEDULED):
        raise HearingsError(_("Only a draft or scheduled consultation can be opened."), 409)
    if not articles_of(c):
        raise HearingsError(_("Add at least one article first."))
    if c.closes_at is None or c.closes_at <= now:
        raise HearingsError(_("Set a closing time in the future first."))
    if not _transition(c, Status.OPEN, by, now=now, opens_at=now):  # changed meanwhile
        raise HearingsError(_("Only a draft or scheduled consultation can be opened."), 409)
    enqueue_follow_mail(c)


def close_now(c: Consultation, by: Any, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    advance_by_time(c, now)  # a consultation that time has opened (or closed) is that first
    if c.status != Status.OPEN:
        raise HearingsError(_("Only an open consultation can be closed."), 409)
    if not _transition(c, Status.CLOSED, by, now=now, closes_at=now):  # changed meanwhile
        raise HearingsError(_("Only an open consultation can be closed."), 409)


def publish_outcome(c: Consultation, by: Any, summary: str, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    advance_by_time(c, now)
    if c.status != Status.CLOSED:
        raise HearingsError(_("The outcome can be published once the consultation has closed."), 409)
    if not _transition(
        c, Status.OUTCOME_PUBLISHED, by, now=now, outcome_summary=summary or "", outcome_published_at=now
    ):  # changed meanwhile (published by someone else)
        raise HearingsError(_("The outcome can be published once the consultation has closed."), 409)


def status_history(c: Consultation) -> list[StatusChange]:
    return list(
        db.session.execute(
            sa.select(StatusChange).where(StatusChange.consultation_id == c.id).order_by(StatusChange.at)
        ).scalars()
    )


def list_consultations(include_drafts: bool = False) -> list[Consultation]:
    q = sa.select(Consultation).order_by(
        Consultation.opens_at.desc().nulls_last(), Consultation.created_at.desc()
    )
    if not include_drafts:
        q = q.where(Consultation.status != Status.DRAFT.value)
    return list(db.session.execute(q).scalars())


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


def is_open_for_comments(c: Consultation, now: dt.datetime | None = None) -> bool:
    """Open status and ``opens_at <= now < closes_at`` (the closing instant is already closed)."""
    now = now or utcnow()
    return (
        c.status_at(now) == Status.OPEN
        and c.opens_at is not None
        and c.closes_at is not None
        and c.opens_at <= now < c.closes_at
    )


def window_message(c: Consultation, now: dt.datetime | None = None) -> str | None:
    """Why commenting is not possible now, or None when it is."""
    now = now or utcnow()
    if is_open_for_comments(c, now):
        return None
    if c.status_at(now) in (Status.DRAFT, Status.SCHEDULED) or (c.opens_at and now < c.opens_at):
        if c.opens_at:
            return _("Comments open on %(when)s.", when=local_text(c.opens_at))
        return _("This consultation is not open for comments yet.")
    if c.closes_at:
        return _("Comments closed on %(when)s.", when=local_text(c.closes_at))
    return _("This consultation is closed for comments.")


# --- comments -----------------------------------------------------------------------------------


def acting_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` belongs to that are affiliated (approved) with this tenant."""
    if account is None:
        return []
    return list(
        db.session.execute(
            sa.select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .join(Affiliation, Affiliation.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .order_by(Organisation.name)
        ).scalars()
    )


def _check_body(body: str) -> str:
    body = (body or "").strip()
    limit = int(settings()["comment_max_length"])
    if not body:
        raise HearingsError(_("Write your comment first."), field_name="body")
    if len(body) > limit:
        raise HearingsError(
            _("Use at most %(n)d characters (you used %(used)d).", n=limit, used=len(body)), field_name="body"
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
            _("You have written %(n)d comments in the last hour; please wait before writing more.", n=recent),
            429,
        )
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
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    _moderate(comment, by, "hide", reason)


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


def answer_comment(comment: Comment, by: Any, outcome: str, reason: str, c: Consultation) -> None:
    if c.effective_status not in (Status.CLOSED, Status.OPEN):
        raise HearingsError(_("Comments can be answered until the outcome is published."), 409)
    if outcome not in {o.value for o in Outcome}:
        raise HearingsError(_("Choose an answer."), field_name="outcome")
    reason = (reason or "").strip()
    if outcome != Outcome.ACCEPTED and not reason:
        raise HearingsError(_("Give the reasoning for this answer."), field_name="reason")
    comment.outcome, comment.outcome_reason = outcome, reason
    comment.answered_at, comment.answered_by_id = utcnow(), by.id
    db.session.flush()


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


def all_articles(c: Consultation) -> list[Article]:
    return list(
        db.session.execute(
            sa.select(Article)
            .where(Article.consultation_id == c.id)
            .order_by(Article.version, Article.position)
        ).scalars()
    )


def current_article_map(c: Consultation) -> dict[uuid.UUID, uuid.UUID | None]:
    """Every article id of every version → the current version's article with the same number
    (None when it was removed), so comments made on earlier versions stay on the page."""
    rows = list(db.session.execute(sa.select(Article).where(Article.consultation_id == c.id)).scalars())
    current = {a.number: a.id for a in rows if a.version == c.version}
    return {a.id: current.get(a.number) for a in rows}


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


# --- the register of recommendations and the outcome -------------------------------------------

REGISTER_FIELDS = (
    "id",
    "date",
    "author",
    "organisation",
    "article",
    "version",
    "reply_to",
    "status",
    "comment",
    "answer",
    "reasoning",
)


def answers_public(c: Consultation) -> bool:
    """Staff answers and their reasoning are the municipality's until the outcome is published:
    before that, only staff see them (in the register, its downloads and the comments API)."""
    return c.status == Status.OUTCOME_PUBLISHED


def register_rows(c: Consultation, show_answers: bool = False) -> list[dict[str, Any]]:
    """Every comment, with date, author or organisation, article and version (one query each).

    ``show_answers``: include the answers and their reasoning (for staff, or once published)."""
    articles = {
        a.id: a.number
        for a in db.session.execute(sa.select(Article).where(Article.consultation_id == c.id)).scalars()
    }
    show_answers = show_answers or answers_public(c)
    rows = []
    for cm in comments_for(c):
        status = "withdrawn" if cm.withdrawn_at else "hidden" if cm.hidden_at else "published"
        rows.append(
            {
                "id": str(cm.id),
                "date": iso_local(cm.created_at),
                "author": cm.author_name,
                "organisation": cm.organisation_name or "",
                "article": articles.get(cm.article_id, "") if cm.article_id else "",
                "version": cm.version,
                "reply_to": str(cm.parent_id) if cm.parent_id else "",
                "status": status,
                "comment": cm.body if status == "published" else "",
                "answer": (cm.outcome or "") if show_answers else "",
                "reasoning": (cm.outcome_reason or "") if show_answers else "",
            }
        )
    return rows


#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection): a cell starting with
#: one of these is prefixed with a single quote, so it is shown as text and never evaluated.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A register value made safe to open in a spreadsheet (``=HYPERLINK(...)`` stays text)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def register_csv(c: Consultation, show_answers: bool = False) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTER_FIELDS, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in register_rows(c, show_answers):
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return "\ufeff" + out.getvalue()  # BOM: spreadsheets open UTF-8 (Greek, Cyrillic) correctly


def register_json(c: Consultation, show_answers: bool = False) -> str:
    return json.dumps(
        {"consultation": {"id": str(c.id), "title": c.title}, "comments": register_rows(c, show_answers)},
        ensure_ascii=False,
        indent=2,
    )


def outcome_counts(c: Consultation, comments: list[Comment] | None = None) -> dict[str, Counter]:
    """Per article number ("" for the whole draft): counts of each answer and of unanswered."""
    comments = comments if comments is not None else comments_for(c)
    numbers = {
        a.id: a.number
        for a in db.session.execute(sa.select(Article).where(Article.consultation_id == c.id)).scalars()
    }
    counts: dict[str, Counter] = defaultdict(Counter)
    for cm in comments:
        if cm.withdrawn_at or cm.hidden_at:
            continue
        key = numbers.get(cm.article_id, "") if cm.article_id else ""
        counts[key][cm.outcome or "unanswered"] += 1
        counts[key]["total"] += 1
    return dict(counts)


def article_diff(c: Consultation, old: int, new: int) -> list[dict[str, Any]]:
    """Per article (matched by number): status added/removed/changed/same and the line diff."""
    if not (1 <= old <= c.version and 1 <= new <= c.version):
        raise HearingsError(_("This version does not exist."), 404)
    before = {a.number: a for a in articles_of(c, old)}
    after = {a.number: a for a in articles_of(c, new)}
    out = []
    for number in list(dict.fromkeys([*after.keys(), *before.keys()])):
        a, b = before.get(number), after.get(number)
        old_text = f"{a.title}\n{a.body}" if a else ""
        new_text = f"{b.title}\n{b.body}" if b else ""
        if a is None:
            state = "added"
        elif b is None:
            state = "removed"
        elif old_text == new_text:
            state = "same"
        else:
            state = "changed"
        lines = []
        if state != "same":
            for line in difflib.ndiff(old_text.splitlines(), new_text.splitlines()):
                if line.startswith("? "):
                    continue
                lines.append({"op": {"+": "add", "-": "del"}.get(line[0], "same"), "text": line[2:]})
        out.append({"number": number, "title": (b or a).title, "state": state, "lines": lines})
    return out


# --- following (mail on opening, two days before closing) ---------------------------------------

CLOSING_NOTICE = dt.timedelta(days=2)


def is_following(account: Any) -> bool:
    if account is None:
        return False
    return db.session.execute(sa.select(Follow.id).where(Follow.account_id == account.id)).first() is not None


def followable_organisations(account: Any) -> list[dict[str, Any]]:
    """Organisations the account administers and that are affiliated here, with whether each follows."""
    if account is None:
        return []
    admin_of = {
        o.id
        for o in acting_organisations(account)
        if db.session.get(OrganisationMember, (o.id, account.id)).role == "admin"
    }
    orgs = [o for o in acting_organisations(account) if o.id in admin_of]
    following = set(
        db.session.execute(
            sa.select(Follow.organisation_id).where(Follow.organisation_id.in_([o.id for o in orgs]))
        ).scalars()
    )
    return [{"id": o.id, "name": o.name, "following": o.id in following} for o in orgs]


def set_following(account: Any, follow: bool, organisation_id: int | str | None = None) -> None:
    """Follow (or stop) as oneself, or on behalf of an organisation one administers here.

    An organisation id that is not one of those (malformed included) is refused, never read as
    "follow as oneself".
    """
    if organisation_id is not None:
        allowed = {str(o["id"]): o["id"] for o in followable_organisations(account)}
        organisation_id = allowed.get(str(organisation_id).strip())
        if organisation_id is None:
            raise HearingsError(
                _("Only an administrator of an organisation affiliated with this municipality can do this."),
                403,
            )
        where = Follow.organisation_id == organisation_id
    else:
        where = Follow.account_id == account.id
    existing = db.session.execute(sa.select(Follow).where(where)).scalar_one_or_none()
    if follow and existing is None:
        if organisation_id is not None:
            db.session.add(Follow(organisation_id=organisation_id))
        else:
            db.session.add(Follow(account_id=account.id))
    elif not follow and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def _follower_emails() -> list[str]:
    """Followers' addresses: accounts that follow, and the administrators of following organisations."""
    own = sa.select(Account.email).join(Follow, Follow.account_id == Account.id)
    via_organisation = (
        sa.select(Account.email)
        .join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .join(Follow, Follow.organisation_id == OrganisationMember.organisation_id)
        .where(OrganisationMember.role == "admin")
    )
    emails: set[str] = set()
    for query in (own, via_organisation):
        emails.update(
            e
            for (e,) in db.session.execute(
                query.where(Account.email.is_not(None), Account.erased_at.is_(None))
            )
        )
    return sorted(emails)


def _mail_followers(c: Consultation, subject: str, line: str) -> int:
    link = external_url(_host(), f"/hearings/consultations/{c.id}")
    emails = _follower_emails()
    for email in emails:
        send_mail(Mail(to=[email], subject=subject, text=f"{line}\n\n{link}"))
    return len(emails)


def enqueue_follow_mail(c: Consultation) -> None:
    """Tell followers that a consultation is open (called on every transition to open)."""
    _mail_followers(
        c,
        _("Open for comments: %(title)s", title=c.title),
        _("A consultation is open for comments until %(when)s.", when=local_text(c.closes_at, "full")),
    )


def send_closing_reminders(now: dt.datetime | None = None) -> int:
    """Two days before closing, once per consultation: a reminder to followers."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(Consultation).where(
            Consultation.status == Status.OPEN.value,
            Consultation.closing_reminder_sent_at.is_(None),
            Consultation.closes_at > now,
            Consultation.closes_at <= now + CLOSING_NOTICE,
        )
    ).scalars()
    count = 0
    for c in due:
        _mail_followers(
            c,
            _("Closing soon: %(title)s", title=c.title),
            _("Comments close on %(when)s.", when=local_text(c.closes_at, "full")),
        )
        c.closing_reminder_sent_at = now
        count += 1
    db.session.flush()
    return count


# --- attachments (PDF) --------------------------------------------------------------------------


def max_attachment() -> int:
    """The largest attachment: the platform's one upload limit (``MAX_CONTENT_LENGTH``), which the
    core checks from ``Content-Length`` before a request body is read."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def add_attachment(
    filename: str, data: bytes, *, consultation_id=None, meeting_id=None
) -> HearingsAttachment:
    """A PDF within the upload limit, checked by its content (``%PDF-``), not only by its name."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    limit = max_attachment()
    if len(data) > limit:
        raise HearingsError(
            _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), 413, "attachment"
        )
    if not name.lower().endswith(".pdf") or not data.startswith(b"%PDF-"):
        raise HearingsError(_("Only PDF files can be attached."), 415, "attachment")
    att = HearingsAttachment(
        filename=name, size=len(data), content=data, consultation_id=consultation_id, meeting_id=meeting_id
    )
    db.session.add(att)
    db.session.flush()
    return att


def attachments_of(*, consultation_id=None, meeting_id=None) -> list[HearingsAttachment]:
    q = sa.select(HearingsAttachment).order_by(HearingsAttachment.created_at)
    if consultation_id is not None:
        q = q.where(HearingsAttachment.consultation_id == consultation_id)
    else:
        q = q.where(HearingsAttachment.meeting_id == meeting_id)
    return list(db.session.execute(q).scalars())


def get_attachment(attachment_id: uuid.UUID) -> HearingsAttachment:
    att = db.session.execute(
        sa.select(HearingsAttachment).where(HearingsAttachment.id == attachment_id)
    ).scalar_one_or_none()
    if att is None:
        raise HearingsError(_("This file does not exist."), 404)
    return att


# --- meetings -----------------------------------------------------------------------------------


def get_meeting(meeting_id: uuid.UUID, lock: bool = False) -> Meeting:
    q = sa.select(Meeting).where(Meeting.id == meeting_id)
    if lock:
        q = q.with_for_update()
    m = db.session.execute(q).scalar_one_or_none()
    if m is None:
        raise HearingsError(_("This meeting does not exist."), 404)
    return m


def list_meetings(upcoming_only: bool = False) -> list[Meeting]:
    q = sa.select(Meeting).order_by(Meeting.starts_at)
    if upcoming_only:
        q = q.where(Meeting.ends_at >= utcnow())
    return list(db.session.execute(q).scalars())


def get_programme(programme_id: uuid.UUID) -> Programme:
    p = db.session.execute(sa.select(Programme).where(Programme.id == programme_id)).scalar_one_or_none()
    if p is None:
        raise HearingsError(_("This programme does not exist."), 404)
    return p


def programme_meetings(p: Programme) -> list[Meeting]:
    return list(
        db.session.execute(
            sa.select(Meeting).where(Meeting.programme_id == p.id).order_by(Meeting.starts_at)
        ).scalars()
    )


def list_programmes() -> list[Programme]:
    return list(db.session.execute(sa.select(Programme).order_by(Programme.created_at.desc())).scalars())


def save_programme(p: Programme | None, title: str, description: str) -> Programme:
    if not (title or "").strip():
        raise HearingsError(_("Give the programme a title."), field_name="title")
    if p is None:
        p = Programme()
        db.session.add(p)
    p.title, p.description = title.strip()[:300], description or ""
    db.session.flush()
    return p


def save_meeting(m: Meeting | None, **data: Any) -> Meeting:
    """Create or update a meeting (times naive UTC)."""
    if not (data.get("title") or "").strip():
        raise HearingsError(_("Give the meeting a title."), field_name="title")
    if data["ends_at"] <= data["starts_at"]:
        raise HearingsError(_("The end must be after the start."), field_name="ends_at")
    ro, rc = data.get("registration_opens_at"), data.get("registration_closes_at")
    if ro and rc and rc <= ro:
        raise HearingsError(_("Registration must close after it opens."), field_name="registration_closes_at")
    if data.get("capacity") is not None and data["capacity"] < 1:
        raise HearingsError(
            _("The capacity must be at least 1, or empty for no limit."), field_name="capacity"
        )
    if not (data.get("place") or "").strip() and not (data.get("online_url") or "").strip():
        raise HearingsError(_("Give a place, an online link, or both."), field_name="place")
    for key, model in (("programme_id", Programme), ("consultation_id", Consultation)):
        # the tenant wall hides another municipality's rows: a foreign id is simply not found here
        if data.get(key) is not None and db.session.get(model, (active_tenant_id(), data[key])) is None:
            raise HearingsError(_("Choose one of the options listed."), field_name=key)
    if m is None:
        m = Meeting()
        db.session.add(m)
    for key in (
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "agenda",
        "programme_id",
        "consultation_id",
        "speaker_minutes",
    ):
        if key in data:
            setattr(m, key, data[key])
    m.title = m.title.strip()[:300]
    db.session.flush()
    return m


def seats_taken(meeting_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.meeting_id, sa.func.count())
        .where(
            Registration.meeting_id.in_(meeting_ids),
            Registration.status == RegistrationStatus.CONFIRMED.value,
        )
        .group_by(Registration.meeting_id)
    )
    return dict(rows.all())


def registration_open(m: Meeting, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    if m.finished_at is not None or now >= m.starts_at:
        return False
    if m.registration_opens_at and now < m.registration_opens_at:
        return False
    return not (m.registration_closes_at and now >= m.registration_closes_at)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="hearings.registration")


def registration_token(reg: Registration) -> str:
    return _serializer().dumps({"t": reg.tenant_id, "s": str(reg.submission_id)})


def registrations_for_token(token: str) -> list[Registration]:
    try:
        data = _serializer().loads(token)
        submission = uuid.UUID(data["s"])
    except (BadSignature, KeyError, ValueError, TypeError):
        raise HearingsError(_("This link is not valid."), 404) from None
    regs = list(
        db.session.execute(
            sa.select(Registration)
            .where(Registration.submission_id == submission)
            .order_by(Registration.created_at)
        ).scalars()
    )
    if not regs:
        raise HearingsError(_("This link is not valid."), 404)
    return regs


@dataclass
class Registrant:
    name: str
    email: str
    account: Any = None
    organisation_name: str = ""
    accessibility: list[str] = field(default_factory=list)
    accessibility_other: str = ""


def _seat(m: Meeting) -> str:
    """Confirmed or waiting, decided while the meeting row is locked."""
    taken = seats_taken([m.id]).get(m.id, 0)
    return (
        RegistrationStatus.CONFIRMED
        if m.capacity is None or taken < m.capacity
        else RegistrationStatus.WAITING
    )


def register(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None = None
) -> list[Registration]:
    """Register for one meeting or several sessions of a programme, under row locks.

    The meeting rows are locked (``SELECT … FOR UPDATE``, in id order so that two forms never
    deadlock), then the confirmed seats are counted: two people can never take the last seat.
    A guest's registration holds no seat until the email is confirmed.
    """
    return _register(meeting_ids, who, now, skip_registered=False)[0]


def register_guest(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None = None
) -> tuple[list[Registration], list[Registration]]:
    """A guest's registration: ``(created, already)``, where ``already`` are this e-mail's
    registrations for the chosen meetings that existed before.

    Whoever types an address learns nothing about it: the page answers the same either way, and
    only the mailbox hears that it was already registered (:func:`mail_already_registered`).
    """
    return _register(meeting_ids, who, now, skip_registered=True)


def _register(
    meeting_ids: list[uuid.UUID], who: Registrant, now: dt.datetime | None, *, skip_registered: bool
) -> tuple[list[Registration], list[Registration]]:
    now = now or utcnow()
    if not meeting_ids:
        raise HearingsError(_("Choose at least one session."), field_name="meetings")
    name, email = (who.name or "").strip(), (who.email or "").strip().lower()
    if not name or len(name) > 120:
        raise HearingsError(_("Give your name (at most 120 characters)."), field_name="name")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        raise HearingsError(_("Give a valid email address."), field_name="email")
    if len(who.organisation_name or "") > 200:
        raise HearingsError(_("Use at most %(n)d characters.", n=200), field_name="organisation_name")
    needs = [n for n in who.accessibility if n]
    if any(n not in ACCESSIBILITY_NEEDS for n in needs):
        raise HearingsError(_("Choose accessibility needs from the list."), field_name="accessibility")
    if who.account is None and not settings()["guests_may_register"]:
        raise HearingsError(_("Sign in to register for this meeting."), 401)
    submission = uuid.uuid4()
    created, already = [], []
    for meeting_id in sorted(set(meeting_ids)):
        m = get_meeting(meeting_id, lock=True)
        if not registration_open(m, now):
            raise HearingsError(_("Registration for “%(title)s” is not open.", title=m.title), 409)
        existing = db.session.execute(
            sa.select(Registration)
            .where(
                Registration.meeting_id == m.id,
                Registration.status != RegistrationStatus.CANCELLED.value,
                (Registration.account_id == who.account.id)
                if who.account is not None
                else (Registration.email == email),
            )
            .limit(1)
        ).scalar_one_or_none()
        if existing is not None and skip_registered:
            already.append(existing)
            continue
        if existing is not None:
            raise HearingsError(_("You are already registered for “%(title)s”.", title=m.title), 409)
        status = RegistrationStatus.PENDING if who.account is None else _seat(m)
        reg = Registration(
            meeting_id=m.id,
            account_id=who.account.id if who.account is not None else None,
            name=name,
            email=email,
            organisation_name=(who.organisation_name or "").strip(),
            accessibility=",".join(needs),
            accessibility_other=(who.accessibility_other or "").strip()[:300],
            status=status.value,
            submission_id=submission,
            created_at=now,
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        )
        db.session.add(reg)
        db.session.flush()
        created.append(reg)
    return created, already


def confirm_guest(token: str, now: dt.datetime | None = None) -> list[Registration]:
    """A guest confirms by email: each pending registration takes a seat or a waiting place."""
    regs = registrations_for_token(token)
    for reg in sorted(regs, key=lambda r: r.meeting_id):
        if reg.status != RegistrationStatus.PENDING:
            continue
        m = get_meeting(reg.meeting_id, lock=True)
        status = _seat(m)
        reg.status = status.value
        if status == RegistrationStatus.CONFIRMED:
            reg.confirmed_at = now or utcnow()
    db.session.flush()
    return regs


def cancel_registration(reg: Registration, now: dt.datetime | None = None) -> Registration | None:
    """Cancel; if a seat is freed, the first on the waiting list gets it. Returns who was promoted."""
    m = get_meeting(reg.meeting_id, lock=True)
    db.session.refresh(reg)
    if reg.status == RegistrationStatus.CANCELLED:
        return None
    freed = reg.status == RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.CANCELLED.value
    reg.cancelled_at = now or utcnow()
    db.session.flush()
    if not freed:
        return None
    nxt = db.session.execute(
        sa.select(Registration)
        .where(Registration.meeting_id == m.id, Registration.status == RegistrationStatus.WAITING.value)
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    ).scalar_one_or_none()
    if nxt is None or _seat(m) != RegistrationStatus.CONFIRMED:
        return None
    nxt.status = RegistrationStatus.CONFIRMED.value
    nxt.confirmed_at = now or utcnow()
    db.session.flush()
    return nxt


def registrations_of(m: Meeting) -> list[Registration]:
    return list(
        db.session.execute(
            sa.select(Registration).where(Registration.meeting_id == m.id).order_by(Registration.created_at)
        ).scalars()
    )


def my_registration(m: Meeting, account: Any) -> Registration | None:
    if account is None:
        return None
    return db.session.execute(
        sa.select(Registration).where(
            Registration.meeting_id == m.id,
            Registration.account_id == account.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    ).scalar_one_or_none()


def check_in(reg: Registration, now: dt.datetime | None = None) -> None:
    if reg.status != RegistrationStatus.CONFIRMED:
        raise HearingsError(_("Only confirmed registrations can be checked in."), 409)
    reg.checked_in_at = reg.checked_in_at or now or utcnow()
    db.session.flush()


# --- iCalendar ----------------------------------------------------------------------------------


def ics(meetings: list[Meeting], method: str | None = None) -> bytes:
    """An iCalendar file of ``meetings``, built by the ``icalendar`` library: it escapes text
    (a bare CR in a title is a line break, never a new property) and folds lines (RFC 5545)."""
    tenant = the_tenant()
    host = tenant.primary_host if tenant else "localhost"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sympraxis//hearings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if tenant:
        cal.add("x-wr-calname", tenant.name)
    stamp = utcnow().replace(tzinfo=dt.UTC)
    for m in meetings:
        event = icalendar.Event()
        event.add("uid", f"{m.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", m.starts_at.replace(tzinfo=dt.UTC))
        event.add("dtend", m.ends_at.replace(tzinfo=dt.UTC))
        event.add("summary", m.title or "")
        event.add("description", m.description or "")
        event.add("location", ", ".join(x for x in (m.place, m.online_url) if x))
        event.add("url", external_url(host, f"/hearings/meetings/{m.id}"))
        cal.add_component(event)
    return cal.to_ical()


# --- mail ---------------------------------------------------------------------------------------


def _when(m: Meeting) -> str:
    return local_text(m.starts_at, "full")


def _host() -> str:
    tenant = the_tenant()
    return tenant.primary_host if tenant else "localhost"


def mail_registration(regs: list[Registration]) -> None:
    """One mail per submission: confirm link (guests), or the seats/waiting places with .ics."""
    if not regs:
        return
    token = registration_token(regs[0])
    link = external_url(_host(), f"/hearings/registrations/{token}")
    meetings = {m.id: m for m in (get_meeting(r.meeting_id) for r in regs)}
    lines = [_("Hello %(name)s,", name=regs[0].name), ""]
    attachments = []
    if any(r.status == RegistrationStatus.PENDING for r in regs):
        subject = _("Please confirm your registration")
        lines.append(_("Please confirm your registration by opening this link:"))
        lines.append(external_url(_host(), f"/hearings/registrations/{token}/confirm"))
    else:
        subject = _("Your registration")
        for r in regs:
            m = meetings[r.meeting_id]
            if r.status == RegistrationStatus.CONFIRMED:
                lines.append(_("Your seat is confirmed: %(title)s, %(when)s.", title=m.title, when=_when(m)))
            elif r.status == RegistrationStatus.WAITING:
                lines.append(
                    _(
                        "You are on the waiting list for %(title)s; we will write if a seat frees up.",
                        title=m.title,
                    )
                )
            if m.agenda:
                lines += ["", _("Agenda:"), m.agenda, ""]
        confirmed = [meetings[r.meeting_id] for r in regs if r.status == RegistrationStatus.CONFIRMED]
        if confirmed:
            attachments.append(Attachment("invitation.ics", ics(confirmed, "PUBLISH"), "text/calendar"))
    lines += ["", _("To see or cancel your registration: %(link)s", link=link)]
    send_mail(Mail(to=[regs[0].email], subject=subject, text="\n".join(lines), attachments=attachments))


def mail_already_registered(regs: list[Registration]) -> None:
    """To the address of existing registrations that someone asked for again: nothing changed,
    and the link to them (the page that asked only said that a mail is on its way)."""
    if not regs:
        return
    titles = ", ".join(get_meeting(r.meeting_id).title for r in regs)
    link = external_url(_host(), f"/hearings/registrations/{registration_token(regs[0])}")
    text = "\n".join(
        [
            _("Hello %(name)s,", name=regs[0].name),
            "",
            _(
                "Someone, probably you, asked to register this address again for %(title)s. You are already registered: nothing has changed.",
                title=titles,
            ),
            "",
            _("To see or cancel your registration: %(link)s", link=link),
        ]
    )
    send_mail(Mail(to=[regs[0].email], subject=_("You are already registered"), text=text))


def mail_promoted(reg: Registration) -> None:
    m = get_meeting(reg.meeting_id)
    link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}")
    text = "\n".join(
        [
            _("Hello %(name)s,", name=reg.name),
            "",
            _(
                "A seat has freed up: your registration for %(title)s, %(when)s, is now confirmed.",
                title=m.title,
                when=_when(m),
            ),
            "",
            _("To see or cancel your registration: %(link)s", link=link),
        ]
    )
    send_mail(
        Mail(
            to=[reg.email],
            subject=_("A seat is yours: %(title)s", title=m.title),
            text=text,
            attachments=[Attachment("invitation.ics", ics([m], "PUBLISH"), "text/calendar")],
        )
    )


def send_meeting_reminders(now: dt.datetime | None = None) -> int:
    """The day before (meetings starting within 24 hours), once per meeting: a reminder to
    every confirmed registration."""
    now = now or utcnow()
    count = 0
    for m in db.session.execute(
        sa.select(Meeting).where(
            Meeting.reminder_sent_at.is_(None),
            Meeting.finished_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + dt.timedelta(hours=24),
        )
    ).scalars():
        for reg in registrations_of(m):
            if reg.status == RegistrationStatus.CONFIRMED and reg.email:
                link = external_url(_host(), f"/hearings/registrations/{registration_token(reg)}")
                send_mail(
                    Mail(
                        to=[reg.email],
                        subject=_("Reminder: %(title)s", title=m.title),
                        text="\n\n".join(
                            [
                                _("%(title)s starts on %(when)s.", title=m.title, when=_when(m)),
                                ", ".join(x for x in (m.place, m.online_url) if x),
                                _("To see or cancel your registration: %(link)s", link=link),
                            ]
                        ),
                    )
                )
        m.reminder_sent_at = now
        count += 1
    db.session.flush()
    return count


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Everything time makes due in the current tenant: transitions, closing and meeting reminders."""
    now = now or utcnow()
    return {
        "transitions": advance_all_due(now),
        "closing_reminders": send_closing_reminders(now),
        "meeting_reminders": send_meeting_reminders(now),
    }


@job("hearings.tick")
def tick_job(payload: dict[str, Any]) -> None:
    tick()


@job("hearings.tick_all")
def tick_all_job(payload: dict[str, Any]) -> None:
    """Scheduled (celery beat): one ``hearings.tick`` job per municipality with the plugin on."""
    for tenant_id in tenants_with_plugin("hearings"):
        enqueue("hearings.tick", tenant_id, {})


# --- speakers, finishing, minutes, feedback -----------------------------------------------------


def speakers(m: Meeting) -> list[SpeakerRequest]:
    return list(
        db.session.execute(
            sa.select(SpeakerRequest)
            .where(SpeakerRequest.meeting_id == m.id)
            .order_by(SpeakerRequest.position, SpeakerRequest.created_at)
        ).scalars()
    )


def request_to_speak(m: Meeting, account: Any, topic: str, organisation_name: str = "") -> SpeakerRequest:
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
        organisation_name=(organisation_name or "")[:200],
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


def set_speaker_status(sr: SpeakerRequest, status: str, by: Any, staff: bool) -> None:
    if status not in (SpeakerStatus.SPOKEN, SpeakerStatus.WITHDRAWN):
        raise HearingsError(_("Unknown speaker status."))
    if not staff and (status != SpeakerStatus.WITHDRAWN or sr.account_id != by.id):
        raise HearingsError(_("You are not allowed to do this."), 403)
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


# --- personal data ------------------------------------------------------------------------------


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
    }


def erase_personal_data(account: Account) -> None:
    """Anonymise: the register keeps every comment, without the person's name or contact."""
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


# --- the NGO dashboard on the apex (a reviewed cross-tenant read) --------------------------------


def open_consultations_for(account: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Open consultations of every municipality where one of ``account``'s organisations is
    affiliated (approved). Read-only, across tenants, inside ``cross_tenant_read()``: the ORM wall
    is opted out per statement (``all_tenants``) and PostgreSQL admits the rows by the
    SELECT-only ``cross_tenant_read`` policy. Returns plain dicts; nothing is written."""
    if account is None:
        return []
    with cross_tenant_read():
        affiliated = db.session.execute(
            sa.select(Affiliation.tenant_id, Organisation.name)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .execution_options(all_tenants=True)
        ).all()
        orgs: dict[int, list[str]] = defaultdict(list)
        for tenant_id, name in affiliated:
            orgs[tenant_id].append(name)
        if not orgs:
            return []
        rows = list(
            db.session.execute(
                sa.select(Consultation)
                .where(Consultation.tenant_id.in_(list(orgs)), open_clause(utcnow()))
                .order_by(Consultation.closes_at)
                .limit(limit)
                .execution_options(all_tenants=True)
            ).scalars()
        )
        out = []
        infos = {tid: tenant_info(tid) for tid in {c.tenant_id for c in rows}}
        for c in rows:
            info = infos[c.tenant_id]
            if info is None or info.status != "active":
                continue
            out.append(
                {
                    "municipality": info.name,
                    "title": c.title,
                    "closes_at": c.closes_at,
                    "organisations": sorted(orgs[c.tenant_id]),
                    "url": external_url(info.primary_host, f"/hearings/consultations/{c.id}"),
                }
            )
    return out


def activity(limit: int = 10) -> list[dict[str, Any]]:
    """The tenant's latest hearings activity, newest first: openings (recorded transitions),
    published outcomes and new meetings."""
    items: list[dict[str, Any]] = []
    changes = db.session.execute(
        sa.select(StatusChange, Consultation.title)
        .join(
            Consultation,
            sa.and_(
                Consultation.id == StatusChange.consultation_id,
                Consultation.tenant_id == StatusChange.tenant_id,
            ),
        )
        .where(StatusChange.to_status.in_([Status.OPEN.value, Status.OUTCOME_PUBLISHED.value]))
        .order_by(StatusChange.at.desc())
        .limit(limit)
    ).all()
    for change, title in changes:
        label = _("Open for comments: %(title)s", title=title)
        if change.to_status == Status.OUTCOME_PUBLISHED:
            label = _("Outcome published: %(title)s", title=title)
        items.append(
            {"at": change.at, "title": label, "url": f"/hearings/consultations/{change.consultation_id}"}
        )
    for m in db.session.execute(
        sa.select(Meeting).order_by(Meeting.created_at.desc()).limit(limit)
    ).scalars():
        items.append({"at": m.created_at, "title": m.title, "url": f"/hearings/meetings/{m.id}"})
    return sorted(items, key=lambda i: i["at"], reverse=True)[:limit]


# --- widgets ------------------------------------------------------------------------------------


def open_consultations(limit: int = 5) -> list[Consultation]:
    return list(
        db.session.execute(
            sa.select(Consultation).where(open_clause(utcnow())).order_by(Consultation.closes_at).limit(limit)
        ).scalars()
    )
