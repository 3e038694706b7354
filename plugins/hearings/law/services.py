"""The checks of a consultation against its rule set, the exceptions recorded with a reason, and
the history of its dates.

A check raises :class:`HearingsError` with a message that says what the law asks and what the
earliest acceptable date is; where the law allows an exception, a reason given with the change is
recorded as a :class:`LawException` and published on the consultation page, and a later change
that stays within it needs no new reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.toolkit import db, get_locale, ngettext, utcnow
from core.toolkit import gettext as _
from plugins.hearings.common import HearingsError, local_text, tenant_zone, the_tenant, to_local, to_utc
from plugins.hearings.law.calendar import WorkingCalendar, parse_extra_days
from plugins.hearings.law.rules import RuleSet, document_label, rule_set_for
from plugins.hearings.models import (
    Attachment,
    Consultation,
    DateChange,
    LawException,
    StatusChange,
)
from plugins.hearings.settings import settings

MAX_REASON = 5000


def rule_set() -> RuleSet:
    """The current municipality's rule set: its country's, or the one its admin chose."""
    s = settings()
    choice = s.get("law_rule_set") or "country"
    tenant = the_tenant()
    code = (tenant.country if tenant else "") if choice == "country" else choice
    return rule_set_for(code, int(s.get("consultation_minimum_days") or 14))


def calendar() -> WorkingCalendar:
    """The working-day calendar of the rule set's country, with the municipality's extra days off."""
    try:
        extra = parse_extra_days(settings().get("extra_holidays") or "")
    except ValueError:  # settings are validated on save; an old stored value is ignored, not fatal
        extra = []
    locale = str(get_locale() or "en")
    return WorkingCalendar(rule_set().code, extra, language=locale if locale != "en" else "en_US")


def _local_date(d: dt.date) -> str:
    from babel.dates import format_date

    return format_date(d, "long", locale=str(get_locale() or "en"))


def _wall(utc: dt.datetime) -> dt.datetime:
    local = to_local(utc)
    assert local is not None
    return local.replace(tzinfo=None)


@dataclass
class Breach:
    """One rule a set of dates breaks: ``allowed`` with a reason, or not at all."""

    kind: str
    message: str
    field: str
    allowed: bool = False
    value: int | None = None
    detail: str = ""


def period_breaches(
    rules: RuleSet,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    adoption_on: dt.date | None,
    *,
    require_adoption: bool = False,
) -> list[Breach]:
    """What the dates break: the comment period, the notice before adoption, the order of dates.

    Periods are measured on the municipality's wall clock (a change of summer time changes
    nothing): ``closes_at`` must be at least ``min_days`` calendar days after ``opens_at``.
    Romania's notice counts the working days strictly between the announcement (the opening day)
    and the adoption day."""
    out: list[Breach] = []
    if opens_at is not None and closes_at is not None and closes_at > opens_at:
        start, end = _wall(opens_at), _wall(closes_at)
        minutes = int((end - start).total_seconds() // 60)
        need = start + dt.timedelta(days=rules.min_days)
        if end < need:
            floor = rules.exception_min_days
            allowed = floor is not None and end >= start + dt.timedelta(days=floor)
            earliest = local_text(to_utc(need, tenant_zone()))
            if rules.code == "RO":
                message = _(
                    "Law 52/2003 (art. 7) gives at least %(days)d calendar days for written recommendations: close on %(earliest)s or later.",
                    days=rules.min_days,
                    earliest=earliest,
                )
            elif rules.code == "BG":
                message = _(
                    "The Law on Normative Acts (art. 26(4)) gives at least %(days)d days for proposals, and at least %(floor)d days only in exceptional cases with the reasons stated: close on %(earliest)s or later.",
                    days=rules.min_days,
                    floor=floor or rules.min_days,
                    earliest=earliest,
                )
            else:
                message = ngettext(
                    "The municipality's shortest consultation is %(num)d day: close on %(earliest)s or later.",
                    "The municipality's shortest consultation is %(num)d days: close on %(earliest)s or later.",
                    rules.min_days,
                    earliest=earliest,
                )
            out.append(Breach("short_period", message, "closes_at", allowed=allowed, value=minutes))
    if adoption_on is not None and closes_at is not None and adoption_on <= _wall(closes_at).date():
        out.append(
            Breach(
                "adoption_order",
                _("The intended adoption date must come after the consultation closes."),
                "intended_adoption_on",
            )
        )
    if rules.notice_working_days:
        if adoption_on is None:
            if require_adoption:
                out.append(
                    Breach(
                        "adoption_missing",
                        _(
                            "Set the intended adoption date first: Law 52/2003 (art. 7) counts %(days)d working days back from it.",
                            days=rules.notice_working_days,
                        ),
                        "intended_adoption_on",
                    )
                )
        elif opens_at is not None:
            cal = calendar()
            announced = _wall(opens_at).date()
            have = cal.working_days_between(announced, adoption_on)
            if have < rules.notice_working_days:
                out.append(
                    Breach(
                        "adoption_notice",
                        _(
                            "Law 52/2003 (art. 7) asks for the announcement at least %(days)d working days before adoption: between %(announced)s and %(adoption)s there are %(have)d. The earliest adoption date is %(earliest)s.",
                            days=rules.notice_working_days,
                            announced=_local_date(announced),
                            adoption=_local_date(adoption_on),
                            have=have,
                            earliest=_local_date(cal.earliest_after(announced, rules.notice_working_days)),
                        ),
                        "intended_adoption_on",
                        allowed=rules.notice_exception,
                        value=have,
                    )
                )
    return out


def missing_documents(rules: RuleSet, c: Consultation) -> list[tuple[str, ...]]:
    """The required groups of documents of which no type is attached yet."""
    have = set(
        db.session.execute(
            sa.select(Attachment.document_type).where(
                Attachment.consultation_id == c.id,
                Attachment.comment_id.is_(None),
                Attachment.deleted_at.is_(None),
            )
        ).scalars()
    )
    return [group for group in rules.required_documents if not have.intersection(group)]


def document_breach(rules: RuleSet, c: Consultation) -> Breach | None:
    missing = missing_documents(rules, c)
    if not missing:
        return None
    names = "; ".join(" / ".join(document_label(t) for t in group) for group in missing)
    return Breach(
        "missing_documents",
        _(
            "Attach the documents the law requires before the consultation opens: %(documents)s.",
            documents=names,
        ),
        "documents",
        allowed=True,
        detail=",".join(sorted(t for group in missing for t in group)),
    )


def exceptions_of(c: Consultation) -> list[LawException]:
    return list(
        db.session.execute(
            sa.select(LawException).where(LawException.consultation_id == c.id).order_by(LawException.at)
        ).scalars()
    )


def _covered(b: Breach, recorded: list[LawException]) -> bool:
    for e in recorded:
        if e.kind != b.kind:
            continue
        if b.kind == "missing_documents" and set(b.detail.split(",")) <= set(e.detail.split(",")):
            return True
        if (
            b.kind != "missing_documents"
            and b.value is not None
            and e.value is not None
            and b.value >= e.value
        ):
            return True
    return False


def enforce(c: Consultation | None, breaches: list[Breach], reason: str, by: Any) -> list[LawException]:
    """Refuse what the law forbids; record, with ``reason``, what it allows with one.

    ``c`` None (a consultation being created): exceptions are recorded once it has an id, by
    :func:`record_pending`. Raises on the first breach that cannot pass; nothing is recorded then.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise HearingsError(_("Use at most %(n)d characters.", n=MAX_REASON), field_name="reason")
    for b in breaches:
        if not b.allowed:
            raise HearingsError(b.message, 422, b.field)
    recorded = exceptions_of(c) if c is not None and c.id is not None else []
    pending = [b for b in breaches if not _covered(b, recorded)]
    if pending and not reason:
        raise HearingsError(
            pending[0].message
            + " "
            + _(
                "The law allows this with a stated reason: give it below; it is published with the consultation."
            ),
            422,
            "reason",
        )
    code = rule_set().code
    return [
        LawException(
            kind=b.kind,
            rule_set=code,
            value=b.value,
            detail=b.detail,
            reason=reason,
            by_account_id=by.id if by else None,
        )
        for b in pending
    ]


def record_pending(c: Consultation, exceptions: list[LawException]) -> None:
    for e in exceptions:
        e.consultation_id = c.id
        db.session.add(e)
    db.session.flush()


DATE_FIELDS = ("opens_at", "closes_at", "intended_adoption_on")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def record_date_changes(c: Consultation, before: dict[str, Any], by: Any, reason: str = "", at=None) -> int:
    """One :class:`DateChange` per date that differs from ``before``; how many."""
    n = 0
    for name in DATE_FIELDS:
        old, new = before.get(name), getattr(c, name)
        if old != new:
            db.session.add(
                DateChange(
                    consultation_id=c.id,
                    field=name,
                    old_value=_iso(old),
                    new_value=_iso(new),
                    reason=(reason or "").strip()[:MAX_REASON],
                    by_account_id=by.id if by else None,
                    at=at or utcnow(),
                )
            )
            n += 1
    if n:
        db.session.flush()
    return n


def dates_of(c: Consultation) -> dict[str, Any]:
    return {name: getattr(c, name) for name in DATE_FIELDS}


@dataclass
class HistoryItem:
    at: dt.datetime
    kind: str  # "status" or "date"
    item: Any


def history(c: Consultation) -> list[HistoryItem]:
    """Status changes and date changes, oldest first."""
    items = [
        HistoryItem(s.at, "status", s)
        for s in db.session.execute(
            sa.select(StatusChange).where(StatusChange.consultation_id == c.id)
        ).scalars()
    ]
    items += [
        HistoryItem(d.at, "date", d)
        for d in db.session.execute(sa.select(DateChange).where(DateChange.consultation_id == c.id)).scalars()
    ]
    return sorted(items, key=lambda h: (h.at, h.kind))


def date_value_text(field: str, value: str | None) -> str:
    """A recorded date change's value as the reader reads dates."""
    if not value:
        return "—"
    if field == "intended_adoption_on":
        return _local_date(dt.date.fromisoformat(value))
    return local_text(dt.datetime.fromisoformat(value))


def check_before_opening(c: Consultation, by: Any, reason: str, opens_at: dt.datetime) -> None:
    """Everything the law asks before a consultation is announced: dates and documents."""
    rules = rule_set()
    breaches = period_breaches(rules, opens_at, c.closes_at, c.intended_adoption_on, require_adoption=True)
    doc = document_breach(rules, c)
    if doc is not None:
        breaches.append(doc)
    record_pending(c, enforce(c, breaches, reason, by))


def status_change_breaches(c: Consultation, action: str, now: dt.datetime) -> list[Breach]:
    """What opening (``"open"``) or closing (``"close"``) ``c`` at ``now`` would break, without
    recording anything: the confirmation page names them before staff confirm."""
    rules = rule_set()
    if action == "open":
        breaches = period_breaches(rules, now, c.closes_at, c.intended_adoption_on, require_adoption=True)
        doc = document_breach(rules, c)
        return breaches + ([doc] if doc is not None else [])
    return [b for b in period_breaches(rules, c.opens_at, now, None) if b.kind == "short_period"]


def check_closing(c: Consultation, by: Any, reason: str, now: dt.datetime) -> None:
    """Closing now must leave the period the law asks (or, where it allows, a stated reason)."""
    rules = rule_set()
    breaches = [b for b in period_breaches(rules, c.opens_at, now, None) if b.kind == "short_period"]
    record_pending(c, enforce(c, breaches, reason, by))


def adoption_deadline_notice(c: Consultation) -> str | None:
    """Bulgaria: the «справка» must be published before the adoption; a reminder until it is."""
    rules = rule_set()
    if rules.register_form != "bg_spravka" or c.intended_adoption_on is None:
        return None
    if c.outcome_published_at is not None:
        return None
    return _(
        "The summary of the proposals received, with the reasons for those not accepted, must be published before the adoption on %(date)s (Law on Normative Acts, art. 26(5)).",
        date=_local_date(c.intended_adoption_on),
    )
