"""The register of recommendations (CSV, JSON) and the outcome: staff answers to comments and the
per-article counts.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    db,
    get_locale,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.comments.services import comments_for
from plugins.hearings.common import HearingsError, iso_local
from plugins.hearings.models import (
    Article,
    Comment,
    Consultation,
    Outcome,
    Status,
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


REGISTER_FIELDS = (
    "id",
    "number",
    "date",
    "channel",
    "received_on",
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
    for cm in sorted(comments_for(c), key=lambda cm: (cm.register_number or 0, cm.created_at)):
        status = "withdrawn" if cm.withdrawn_at else "hidden" if cm.hidden_at else "published"
        rows.append(
            {
                "id": str(cm.id),
                "number": cm.register_number,
                "date": iso_local(cm.created_at),
                "channel": cm.channel,
                "received_on": cm.received_on.isoformat() if cm.received_on else "",
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


def register_labels() -> dict[str, str]:
    """The register's columns as people read them (the CSV's headers outside English)."""
    from plugins.hearings.register.services import column_labels

    legal = column_labels()
    return {
        "id": _("Identifier"),
        "number": legal["number"],
        "date": _("Date and time"),
        "channel": legal["channel"],
        "received_on": legal["date"],
        "author": _("Author"),
        "organisation": legal["organisation"],
        "article": legal["article"],
        "version": _("Version of the draft"),
        "reply_to": _("In reply to"),
        "status": legal["status"],
        "comment": _("Comment"),
        "answer": legal["answer"],
        "reasoning": legal["reasoning"],
    }


def value_labels() -> dict[str, dict[str, str]]:
    """What each stored code of the register means, in the reader's language."""
    from plugins.hearings.register.services import _answer_labels, _channel_labels, _status_labels

    return {"channel": _channel_labels(), "status": _status_labels(), "answer": _answer_labels()}


def _english() -> bool:
    return str(get_locale() or "en").startswith("en")


def register_csv(c: Consultation, show_answers: bool = False) -> str:
    """The register as a spreadsheet. In English its stable codes (headers and values, what
    integrations read); in el, bg and ro the columns and values by name, separated by ``;``
    (their spreadsheets use the comma as the decimal mark)."""
    english = _english()
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if english else ";", quoting=csv.QUOTE_ALL)
    headers = register_labels()
    labels = {} if english else value_labels()
    writer.writerow([key if english else headers[key] for key in REGISTER_FIELDS])
    for row in register_rows(c, show_answers):
        cells = []
        for key in REGISTER_FIELDS:
            value = row[key]
            if key in labels and value:
                value = labels[key].get(value, value)
            cells.append(csv_cell(value))
        writer.writerow(cells)
    return "\ufeff" + out.getvalue()  # BOM: spreadsheets open UTF-8 (Greek, Cyrillic) correctly


def register_json(c: Consultation, show_answers: bool = False) -> str:
    """The register for programs: the stable codes, each coded value with its label beside it
    (``"status": "hidden", "status_label": "…"``), and the columns' labels."""
    labels = value_labels()
    rows = []
    for row in register_rows(c, show_answers):
        for key, names in labels.items():
            row[f"{key}_label"] = names.get(row[key], row[key]) if row[key] else ""
        rows.append(row)
    return json.dumps(
        {
            "consultation": {"id": str(c.id), "title": c.title},
            "columns": [{"code": key, "label": label} for key, label in register_labels().items()],
            "comments": rows,
        },
        ensure_ascii=False,
        indent=2,
    )


def unanswered_count(c: Consultation) -> int:
    """Comments (shown, not withdrawn) that have no answer yet: publishing asks to confirm then."""
    return sum(1 for cm in comments_for(c) if not (cm.withdrawn_at or cm.hidden_at) and not cm.outcome)


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
