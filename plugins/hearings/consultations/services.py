"""Consultations: drafts parsed into articles, saving, the status lifecycle (by time and by
staff), listing, the comment window and the article diff between versions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    db,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, local_text
from plugins.hearings.following.services import enqueue_follow_mail
from plugins.hearings.law import services as law
from plugins.hearings.models import (
    Article,
    Consultation,
    Status,
    StatusChange,
)
from plugins.hearings.notices import mail_outcome_published

HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
#: How an article is headed in the languages of the pilots: «Article 3», «Art. 3», «Άρθρο 3», «Член 3»,
#: «Чл. 3», «Articolul 3» (a Greek ordinal «Άρθρο 3ο» too).
ARTICLE_WORD = r"(?:Article|Art\.?|Άρθρο|Αρθρο|ΑΡΘΡΟ|Член|Чл\.?|Articolul|ARTICOLUL)"
NUMBERED = re.compile(rf"^({ARTICLE_WORD}\s*)?(\d+[a-zA-Z]?)(?:ο|-?ти|-?ви|-?ри)?\s*[.:)\-–—]?\s*(.*)$", re.I)
#: A plain-text line that starts an article: the word is required there («Чл. 1. (1) Text…»).
PLAIN_ARTICLE = re.compile(rf"^\s*{ARTICLE_WORD}\s*\d+", re.I)


@dataclass
class DraftArticle:
    number: str
    title: str
    body: str


def _heading(heading: str, position: int) -> tuple[str, str]:
    """The number and title of a heading; its own number when it has one (no «1. Чл. 1.»)."""
    n = NUMBERED.match(heading)
    if n and (n.group(1) or n.group(3) or heading != n.group(2)):  # «1.» alone is a number too
        return n.group(2), (n.group(3) or "").strip()
    return str(position), heading


def parse_draft(text: str) -> tuple[str, list[DraftArticle]]:
    """Split Markdown or plain text into articles: each heading (``#``–``###``) starts one.

    Text before the first heading is returned as the preamble. A heading such as
    ``## Article 3. Scope`` (or ``Чл. 3``, ``Άρθρο 3``, ``Art. 3``) gives number ``3`` and title
    ``Scope``; otherwise articles are numbered in order. A plain-text draft without Markdown
    headings is split at the lines that start with the word for an article: «Чл. 1. (1) Text»
    keeps its text as the body; «Άρθρο 1» followed by a short line takes that line as the title.
    """
    lines = (text or "").replace("\r\n", "\n").split("\n")
    markdown = any(HEADING.match(line) for line in lines)
    preamble: list[str] = []
    articles: list[DraftArticle] = []
    bodies: list[list[str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = HEADING.match(line) if markdown else None
        if m or (not markdown and PLAIN_ARTICLE.match(line)):
            number, title = _heading((m.group(2) if m else line).strip(), len(articles) + 1)
            body: list[str] = []
            if not m and (len(title) > 150 or title.startswith("(") or title.endswith((".", ";", ":"))):
                # «Чл. 1. (1) С тази наредба…»: the article's text, not a title
                body, title = [title], ""
            elif not m and not title:  # «Άρθρο 1» then «Σκοπός» on the next line
                j = i + 1
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and len(lines[j].strip()) <= 150 and not PLAIN_ARTICLE.match(lines[j]):
                    title, i = lines[j].strip(), j
            articles.append(DraftArticle(number=number, title=title[:300], body=""))
            bodies.append(body)
        else:
            (bodies[-1] if bodies else preamble).append(line)
        i += 1
    for a, body in zip(articles, bodies, strict=True):
        a.body = "\n".join(body).strip()
    return "\n".join(preamble).strip(), articles


def draft_text(articles: list[Article]) -> str:
    """The inverse of :func:`parse_draft`, to prefill the editor."""
    return "\n\n".join(f"## {a.number}. {a.title}".rstrip() + f"\n\n{a.body}".rstrip() for a in articles)


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
    intended_adoption_on: dt.date | None = None,
    reason: str = "",
) -> Consultation:
    """Create or update a consultation (times are naive UTC). New articles while it is open or
    closed make a new version: earlier versions and their comments stay as they were.

    The dates are checked against the municipality's rule set (``plugins.hearings.law``): what
    the law forbids is refused; what it allows with a reason needs ``reason``, which is recorded
    and published. Every change of a date is recorded in the consultation's history."""
    title = (title or "").strip()
    if not title:
        raise HearingsError(_("Give the consultation a title."), field_name="title")
    _validate_window(opens_at, closes_at)
    if articles is None and draft is not None:
        _preamble, articles = parse_draft(draft)
    if consultation is None:
        consultation = Consultation(created_by_id=account.id if account else None, version=1)
        new = True
        before = None
    else:
        new = False
        if consultation.status == Status.OUTCOME_PUBLISHED:
            raise HearingsError(_("The outcome is published: this consultation can no longer change."), 409)
        before = law.dates_of(consultation)
    if consultation.status in (Status.DRAFT, Status.SCHEDULED) or new:
        new_opens, new_closes = opens_at, closes_at
    elif consultation.status == Status.OPEN:
        new_opens, new_closes = consultation.opens_at, closes_at  # extending or shortening an open one
    else:
        new_opens, new_closes = consultation.opens_at, consultation.closes_at
    new_adoption = intended_adoption_on  # the adoption may move until the outcome is published
    rules = law.rule_set()
    breaches = law.period_breaches(rules, new_opens, new_closes, new_adoption)
    after = {"opens_at": new_opens, "closes_at": new_closes, "intended_adoption_on": new_adoption}
    if before == after:
        breaches = []  # dates unchanged (a new text, a new title): nothing is created, shortened or closed
    exceptions = law.enforce(None if new else consultation, breaches, reason, account)
    if new:
        db.session.add(consultation)
    consultation.title = title[:300]
    consultation.summary = summary or ""
    consultation.tags = _clean_tags(tags)
    consultation.opens_at, consultation.closes_at = new_opens, new_closes
    consultation.intended_adoption_on = new_adoption
    db.session.flush()
    law.record_pending(consultation, exceptions)
    if before is not None:
        law.record_date_changes(consultation, before, account, reason)
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


def _transition(
    c: Consultation, to: Status, by: Any, due: Any = None, reason: str = "", **values: Any
) -> bool:
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
            reason=reason or "",
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


def schedule(c: Consultation, by: Any, now: dt.datetime | None = None, reason: str = "") -> None:
    """Draft → scheduled (needs a window and at least one article, and what the law asks before
    the announcement: dates, documents); opens at once if due."""
    now = now or utcnow()
    if c.status != Status.DRAFT:
        raise HearingsError(_("Only a draft can be scheduled."), 409)
    if c.opens_at is None or c.closes_at is None:
        raise HearingsError(_("Set the opening and closing times first."))
    if not articles_of(c):
        raise HearingsError(_("Add at least one article first."))
    if c.closes_at <= now:
        raise HearingsError(_("The closing time has already passed."))
    law.check_before_opening(c, by, reason, c.opens_at)
    if not _transition(c, Status.SCHEDULED, by, now=now):  # changed meanwhile: no longer a draft
        raise HearingsError(_("Only a draft can be scheduled."), 409)
    advance_by_time(c, now)


def open_now(c: Consultation, by: Any, now: dt.datetime | None = None, reason: str = "") -> None:
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
    before = law.dates_of(c)
    law.check_before_opening(c, by, reason, now)
    if not _transition(c, Status.OPEN, by, now=now, reason=reason, opens_at=now):  # changed meanwhile
        raise HearingsError(_("Only a draft or scheduled consultation can be opened."), 409)
    law.record_date_changes(c, before, by, reason, at=now)
    enqueue_follow_mail(c)


def close_now(c: Consultation, by: Any, now: dt.datetime | None = None, reason: str = "") -> None:
    """Close before the planned time: refused when that leaves less than the law's period (or,
    where the law allows a shorter one, without a stated reason)."""
    now = now or utcnow()
    advance_by_time(c, now)  # a consultation that time has opened (or closed) is that first
    if c.status != Status.OPEN:
        raise HearingsError(_("Only an open consultation can be closed."), 409)
    before = law.dates_of(c)
    law.check_closing(c, by, reason, now)
    if not _transition(c, Status.CLOSED, by, now=now, reason=reason, closes_at=now):  # changed meanwhile
        raise HearingsError(_("Only an open consultation can be closed."), 409)
    law.record_date_changes(c, before, by, reason, at=now)


def publish_outcome(
    c: Consultation, by: Any, summary: str, now: dt.datetime | None = None, reason: str = ""
) -> None:
    """Publish the outcome (final: every commenter is mailed). ``reason``: why staff publish
    while comments have no answer yet (the page asks for it then), kept with the status change."""
    now = now or utcnow()
    advance_by_time(c, now)
    if c.status != Status.CLOSED:
        raise HearingsError(_("The outcome can be published once the consultation has closed."), 409)
    if not _transition(
        c,
        Status.OUTCOME_PUBLISHED,
        by,
        now=now,
        reason=reason,
        outcome_summary=summary or "",
        outcome_published_at=now,
    ):  # changed meanwhile (published by someone else)
        raise HearingsError(_("The outcome can be published once the consultation has closed."), 409)
    mail_outcome_published(c)


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


#: consultations per page of the list
PER_PAGE = 12
#: the statuses the list can be filtered by, in the order the filter offers them
LIST_STATUSES = ("open", "scheduled", "closed", "outcome_published", "draft")


def filtered_page(
    consultations: list[Consultation], status: str | None, page: int, per_page: int = PER_PAGE
) -> tuple[list[Consultation], int, int]:
    """One page of the list, filtered by the status a reader sees (``effective_status``, which
    moves with the clock, hence in Python): the page's consultations, the page shown (clamped to
    the pages there are) and the number of pages."""
    if status in LIST_STATUSES:
        consultations = [c for c in consultations if c.effective_status == status]
    pages = max(1, -(-len(consultations) // per_page))
    page = min(max(page, 1), pages)
    return consultations[(page - 1) * per_page : page * per_page], page, pages


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


def all_articles(c: Consultation) -> list[Article]:
    return list(
        db.session.execute(
            sa.select(Article)
            .where(Article.consultation_id == c.id)
            .order_by(Article.version, Article.position)
        ).scalars()
    )


def current_article(c: Consultation, article_id: uuid.UUID) -> Article:
    """An article of the current version of the draft, or the rule error (404)."""
    article = db.session.execute(
        sa.select(Article).where(
            Article.id == article_id, Article.consultation_id == c.id, Article.version == c.version
        )
    ).scalar_one_or_none()
    if article is None:
        raise HearingsError(_("This article is not part of the current draft."), 404)
    return article


def current_article_map(c: Consultation) -> dict[uuid.UUID, uuid.UUID | None]:
    """Every article id of every version → the current version's article with the same number
    (None when it was removed), so comments made on earlier versions stay on the page."""
    rows = list(db.session.execute(sa.select(Article).where(Article.consultation_id == c.id)).scalars())
    return article_map_of(c, rows)


def article_map_of(c: Consultation, rows: list[Article]) -> dict[uuid.UUID, uuid.UUID | None]:
    """:func:`current_article_map` from the articles of every version already read."""
    current = {a.number: a.id for a in rows if a.version == c.version}
    return {a.id: current.get(a.number) for a in rows}


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
