"""The complete register: recommendations received on paper, by e-mail or at the registry,
entered by staff into the same numbered register as online comments, and the register's exports
in each country's legal form (Romania's register of proposals, suggestions and opinions,
Bulgaria's «справка», Greece's report on the consultation) as CSV, JSON and a printable page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa

from core.toolkit import db, get_locale, ngettext, utcnow
from core.toolkit import gettext as _
from plugins.hearings.attachments.services import add_scan
from plugins.hearings.comments.services import comments_for, lock_register
from plugins.hearings.common import HearingsError, channel_label, to_local
from plugins.hearings.law import services as law
from plugins.hearings.law.rules import REGISTER_FORMS
from plugins.hearings.models import Article, Channel, Comment, Consultation, Outcome, Status
from plugins.hearings.outcomes.services import answers_public, csv_cell
from plugins.hearings.settings import settings

RECEIVED_CHANNELS = (Channel.PAPER.value, Channel.EMAIL.value, Channel.REGISTRY.value)
MAX_LETTER = 50000


def _local_day(utc: dt.datetime) -> dt.date:
    local = to_local(utc)
    assert local is not None
    return local.date()


def enter_recommendation(
    c: Consultation,
    by: Any,
    *,
    channel: str,
    received_on: dt.date | None,
    sender_name: str,
    organisation_name: str = "",
    sender_contact: str = "",
    article_id: uuid.UUID | None = None,
    body: str,
    scan: tuple[str, bytes] | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """A recommendation received outside the platform, numbered in the consultation's register.

    It must have been received while the consultation was open (its opening day to its closing
    day, the municipality's calendar) and not after today; the sender's contact is for the answer
    and is never published. ``scan``: (file name, bytes), a PDF, PNG or JPEG."""
    now = now or utcnow()
    status = c.status_at(now)
    if status not in (Status.OPEN, Status.CLOSED):
        raise HearingsError(
            _("Recommendations can be entered while the consultation is open or closed, before the outcome."),
            409,
        )
    if channel not in RECEIVED_CHANNELS:
        raise HearingsError(_("Choose one of the options listed."), field_name="channel")
    if received_on is None:
        raise HearingsError(_("Give the day it was received."), field_name="received_on")
    if received_on > _local_day(now):
        raise HearingsError(_("The day received cannot be in the future."), field_name="received_on")
    if c.opens_at is not None and received_on < _local_day(c.opens_at):
        raise HearingsError(_("The consultation opened after that day."), field_name="received_on")
    if c.closes_at is not None and received_on > _local_day(c.closes_at):
        raise HearingsError(
            _(
                "The consultation had closed by that day: recommendations received later are not part of its register."
            ),
            field_name="received_on",
        )
    sender_name = (sender_name or "").strip()
    if not sender_name:
        raise HearingsError(_("Give the sender's name."), field_name="sender_name")
    limits = (("sender_name", sender_name, 120), ("organisation_name", organisation_name, 200))
    for field_name, value, n in (*limits, ("sender_contact", sender_contact, 300)):
        if len((value or "").strip()) > n:
            raise HearingsError(_("Use at most %(n)d characters.", n=n), field_name=field_name)
    body = (body or "").strip()
    limit = max(int(settings()["comment_max_length"]), MAX_LETTER)
    if not body:
        raise HearingsError(_("Write the text of the recommendation."), field_name="body")
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
    if article_id is not None:
        article = db.session.execute(
            sa.select(Article).where(
                Article.id == article_id, Article.consultation_id == c.id, Article.version == c.version
            )
        ).scalar_one_or_none()
        if article is None:
            raise HearingsError(_("This article is not part of the current draft."), 404, "article_id")
    lock_register(c)
    comment = Comment(
        consultation_id=c.id,
        article_id=article_id,
        version=c.version,
        account_id=None,
        author_name=sender_name,
        organisation_name=(organisation_name or "").strip() or None,
        body=body,
        created_at=now,
        channel=channel,
        received_on=received_on,
        sender_contact=(sender_contact or "").strip(),
        entered_by_id=by.id if by else None,
    )
    db.session.add(comment)
    db.session.flush()
    if scan is not None and scan[0]:
        add_scan(scan[0], scan[1], consultation_id=c.id, comment_id=comment.id)
    return comment


# --- the exports in the legal form -----------------------------------------------------------

#: The columns of every export, by stable code.
COLUMNS = (
    "number",
    "date",
    "sender",
    "organisation",
    "channel",
    "article",
    "reply_to",
    "status",
    "text",
    "answer",
    "reasoning",
)


def column_labels() -> dict[str, str]:
    return {
        "number": _("No."),
        "date": _("Date received"),
        "sender": _("Sender"),
        "organisation": _("Organisation"),
        "channel": _("How it was received"),
        "article": _("Article"),
        "reply_to": _("In reply to no."),
        "status": _("Status"),
        "text": _("Proposal, suggestion or opinion"),
        "answer": _("Answer"),
        "reasoning": _("Reasons (for those not accepted)"),
    }


def _status_labels() -> dict[str, str]:
    return {"published": _("Published"), "hidden": _("Hidden by the moderators"), "withdrawn": _("Withdrawn")}


def _answer_labels() -> dict[str, str]:
    return {
        Outcome.ACCEPTED.value: _("Accepted"),
        Outcome.PARTLY.value: _("Partly accepted"),
        Outcome.NOT_ACCEPTED.value: _("Not accepted"),
        Outcome.OUT_OF_SCOPE.value: _("Out of scope"),
        "": _("Not answered yet"),
    }


def _channel_labels() -> dict[str, str]:
    return {ch.value: channel_label(ch.value) for ch in Channel}


def report(c: Consultation, show_answers: bool = False) -> dict[str, Any]:
    """The register in the rule set's legal form: title, consultation, columns and rows, each
    coded value with its label (the same data for the page, the CSV and the JSON)."""
    rules = law.rule_set()
    show_answers = show_answers or answers_public(c)
    numbers = {
        a.id: a.number
        for a in db.session.execute(sa.select(Article).where(Article.consultation_id == c.id)).scalars()
    }
    comments = comments_for(c)
    by_id = {cm.id: cm for cm in comments}
    statuses, answers, channels = _status_labels(), _answer_labels(), _channel_labels()
    rows = []
    for cm in sorted(comments, key=lambda cm: (cm.register_number or 0, cm.created_at)):
        status = "withdrawn" if cm.withdrawn_at else "hidden" if cm.hidden_at else "published"
        answer = (cm.outcome or "") if show_answers else ""
        day = cm.received_on or _local_day(cm.created_at)
        parent = by_id.get(cm.parent_id) if cm.parent_id else None
        rows.append(
            {
                "number": cm.register_number,
                "date": day.isoformat(),
                "sender": cm.author_name,
                "organisation": cm.organisation_name or "",
                "channel": {"code": cm.channel, "label": channels.get(cm.channel, cm.channel)},
                "article": numbers.get(cm.article_id, "") if cm.article_id else "",
                "reply_to": parent.register_number if parent is not None else None,
                "status": {"code": status, "label": statuses[status]},
                "text": cm.body if status == "published" else "",
                "answer": {"code": answer, "label": answers.get(answer, answer)} if show_answers else None,
                "reasoning": (cm.outcome_reason or "") if show_answers else "",
            }
        )
    counted = [r for r in rows if r["status"]["code"] == "published"]
    totals = Counter(r["answer"]["code"] if r["answer"] else "" for r in counted)
    return {
        "form": rules.register_form,
        "title": str(REGISTER_FORMS[rules.register_form]),
        "rule_set": rules.code,
        "consultation": {
            "id": str(c.id),
            "title": c.title,
            "opens_at": to_local(c.opens_at).isoformat() if c.opens_at else None,
            "closes_at": to_local(c.closes_at).isoformat() if c.closes_at else None,
            "intended_adoption_on": c.intended_adoption_on.isoformat() if c.intended_adoption_on else None,
            "outcome_published_at": to_local(c.outcome_published_at).isoformat()
            if c.outcome_published_at
            else None,
        },
        "answers_shown": show_answers,
        "columns": [{"code": code, "label": label} for code, label in column_labels().items()],
        "rows": rows,
        "totals": {
            "received": len(rows),
            "published": len(counted),
            "by_channel": dict(Counter(r["channel"]["code"] for r in rows)),
            "accepted": totals.get(Outcome.ACCEPTED.value, 0),
            "partly": totals.get(Outcome.PARTLY.value, 0),
            "not_accepted": totals.get(Outcome.NOT_ACCEPTED.value, 0),
            "out_of_scope": totals.get(Outcome.OUT_OF_SCOPE.value, 0),
        },
    }


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("label", "")
    return "" if value is None else value


def csv_delimiter() -> str:
    """``;`` where the decimal mark is a comma (el, bg, ro: what their spreadsheets expect)."""
    return "," if str(get_locale() or "en").startswith("en") else ";"


def report_csv(c: Consultation, show_answers: bool = False) -> str:
    data = report(c, show_answers)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_delimiter(), quoting=csv.QUOTE_ALL)
    writer.writerow([col["label"] for col in data["columns"]])
    for row in data["rows"]:
        writer.writerow([csv_cell(_flat(row[col["code"]])) for col in data["columns"]])
    return "\ufeff" + out.getvalue()  # BOM: spreadsheets open UTF-8 (Greek, Cyrillic) correctly


def report_json(c: Consultation, show_answers: bool = False) -> str:
    return json.dumps(report(c, show_answers), ensure_ascii=False, indent=2)
