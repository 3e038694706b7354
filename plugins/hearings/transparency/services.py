"""The annual report on decisional transparency (Romania, Law 52/2003 art. 13(1)): generated for
a year from the consultations, the register, the meetings and the debate requests, with what only
the municipality can say (its own assessment, meetings that were not public, legal actions)
entered by staff. The same data feeds the printable page, the CSV and the JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import sqlalchemy as sa

from core.toolkit import db, utcnow
from core.toolkit import gettext as _
from plugins.hearings.common import HearingsError, tenant_zone, to_local, to_utc
from plugins.hearings.law import services as law
from plugins.hearings.models import (
    Channel,
    Comment,
    Consultation,
    DebateRequest,
    DebateStatus,
    LegalAction,
    Meeting,
    Outcome,
    Registration,
    RegistrationStatus,
    Status,
    TransparencyYear,
)
from plugins.hearings.outcomes.services import csv_cell
from plugins.hearings.register.services import csv_delimiter

FIRST_YEAR = 2003  # the law's own year: nothing earlier is asked for


def require_procedure() -> None:
    if not law.rule_set().debates:
        raise HearingsError(
            _(
                "The annual report on decisional transparency is asked by Romanian law (Law 52/2003); it does not apply here."
            ),
            404,
        )


def current_year() -> int:
    return to_local(utcnow()).year


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= current_year():
        raise HearingsError(_("There is no report for this year."), 404)


def _bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = tenant_zone()
    return to_utc(dt.datetime(year, 1, 1), zone), to_utc(dt.datetime(year + 1, 1, 1), zone)


def notes(year: int) -> TransparencyYear | None:
    return db.session.execute(
        sa.select(TransparencyYear).where(TransparencyYear.year == year)
    ).scalar_one_or_none()


def save_notes(
    year: int, *, self_assessment: str, closed_meetings: int | None, closed_meetings_reasons: str
) -> None:
    require_procedure()
    check_year(year)
    closed = closed_meetings or 0
    if closed < 0:
        raise HearingsError(_("Give a number of 0 or more."), field_name="closed_meetings")
    if closed and not (closed_meetings_reasons or "").strip():
        raise HearingsError(
            _("Say why the meetings were not public (art. 13(1)(g))."), field_name="closed_meetings_reasons"
        )
    row = notes(year)
    if row is None:
        row = TransparencyYear(year=year)
        db.session.add(row)
    row.self_assessment = (self_assessment or "").strip()[:20000]
    row.closed_meetings = closed
    row.closed_meetings_reasons = (closed_meetings_reasons or "").strip()[:20000]
    row.updated_at = utcnow()
    db.session.flush()


def add_legal_action(
    *, filed_on: dt.date | None, claimant: str, subject: str, court: str = "", outcome: str = ""
) -> LegalAction:
    require_procedure()
    if filed_on is None:
        raise HearingsError(_("Give the day the action was filed."), field_name="filed_on")
    if filed_on > to_local(utcnow()).date():
        raise HearingsError(_("The day cannot be in the future."), field_name="filed_on")
    claimant, subject = (claimant or "").strip(), (subject or "").strip()
    if not claimant:
        raise HearingsError(_("Give who brought the action."), field_name="claimant")
    if not subject:
        raise HearingsError(_("Say what the action is about."), field_name="subject")
    action = LegalAction(
        filed_on=filed_on,
        claimant=claimant[:300],
        subject=subject[:20000],
        court=(court or "").strip()[:300],
        outcome=(outcome or "").strip()[:20000],
    )
    db.session.add(action)
    db.session.flush()
    return action


def legal_actions(year: int) -> list[LegalAction]:
    return list(
        db.session.execute(
            sa.select(LegalAction)
            .where(
                LegalAction.filed_on >= dt.date(year, 1, 1), LegalAction.filed_on < dt.date(year + 1, 1, 1)
            )
            .order_by(LegalAction.filed_on)
        ).scalars()
    )


def _count(q) -> int:
    return int(db.session.execute(q).scalar_one())


def annual_report(year: int) -> dict[str, Any]:
    """The indicators of art. 13(1) for ``year`` (the municipality's calendar year), each with a
    stable code and a label."""
    require_procedure()
    check_year(year)
    start, end = _bounds(year)
    now = utcnow()
    consultations = _count(
        sa.select(sa.func.count())
        .select_from(Consultation)
        .where(
            Consultation.status != Status.DRAFT.value,
            Consultation.opens_at >= start,
            Consultation.opens_at < end,
        )
    )
    online_in_year = sa.and_(
        Comment.channel == Channel.ONLINE.value, Comment.created_at >= start, Comment.created_at < end
    )
    received_in_year = sa.and_(
        Comment.channel != Channel.ONLINE.value,
        Comment.received_on >= dt.date(year, 1, 1),
        Comment.received_on < dt.date(year + 1, 1, 1),
    )
    counted = sa.and_(
        sa.or_(online_in_year, received_in_year), Comment.withdrawn_at.is_(None), Comment.hidden_at.is_(None)
    )
    by_channel = dict(
        db.session.execute(
            sa.select(Comment.channel, sa.func.count()).where(counted).group_by(Comment.channel)
        ).all()
    )
    received = sum(by_channel.values())
    taken_up = _count(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(counted, Comment.outcome.in_([Outcome.ACCEPTED.value, Outcome.PARTLY.value]))
    )
    held = sa.and_(Meeting.starts_at >= start, Meeting.starts_at < end, Meeting.starts_at <= now)
    meetings_held = _count(sa.select(sa.func.count()).select_from(Meeting).where(held))
    participants = _count(
        sa.select(sa.func.count())
        .select_from(Registration)
        .join(
            Meeting,
            sa.and_(Meeting.id == Registration.meeting_id, Meeting.tenant_id == Registration.tenant_id),
        )
        .where(held, Registration.status == RegistrationStatus.CONFIRMED.value)
    )
    debates = _count(
        sa.select(sa.func.count()).select_from(Meeting).where(held, Meeting.consultation_id.is_not(None))
    )
    requests = dict(
        db.session.execute(
            sa.select(DebateRequest.status, sa.func.count())
            .where(
                DebateRequest.received_on >= dt.date(year, 1, 1),
                DebateRequest.received_on < dt.date(year + 1, 1, 1),
            )
            .group_by(DebateRequest.status)
        ).all()
    )
    actions = legal_actions(year)
    extra = notes(year)
    indicators = [
        ("consultations", _("Draft normative acts put up for consultation"), consultations),
        ("recommendations_received", _("a) Recommendations received"), received),
        ("recommendations_online", _("of which online"), by_channel.get(Channel.ONLINE.value, 0)),
        (
            "recommendations_outside",
            _("of which on paper, by e-mail or at the registry"),
            received - by_channel.get(Channel.ONLINE.value, 0),
        ),
        ("recommendations_taken_up", _("b) Recommendations included in the drafts and decisions"), taken_up),
        ("participants", _("c) Participants in public meetings (confirmed registrations)"), participants),
        ("meetings_held", _("Public meetings held"), meetings_held),
        ("public_debates", _("d) Public debates organised on draft normative acts"), debates),
        ("debate_requests", _("Requests for a public debate received"), sum(requests.values())),
        ("debate_requests_accepted", _("of which accepted"), requests.get(DebateStatus.ACCEPTED.value, 0)),
        ("debate_requests_refused", _("of which refused"), requests.get(DebateStatus.REFUSED.value, 0)),
        ("legal_actions", _("e) Court actions against the municipality under this law"), len(actions)),
        ("closed_meetings", _("g) Meetings that were not public"), extra.closed_meetings if extra else 0),
    ]
    return {
        "year": year,
        "law": "Legea nr. 52/2003, art. 13",
        "indicators": [{"code": code, "label": label, "value": value} for code, label, value in indicators],
        "legal_actions": [
            {
                "filed_on": a.filed_on.isoformat(),
                "claimant": a.claimant,
                "subject": a.subject,
                "court": a.court,
                "outcome": a.outcome,
            }
            for a in actions
        ],
        "self_assessment": extra.self_assessment if extra else "",
        "closed_meetings_reasons": extra.closed_meetings_reasons if extra else "",
    }


def report_csv(year: int) -> str:
    data = annual_report(year)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_delimiter(), quoting=csv.QUOTE_ALL)
    writer.writerow([_("Indicator"), _("Value")])
    for item in data["indicators"]:
        writer.writerow([csv_cell(item["label"]), item["value"]])
    writer.writerow(
        [
            _("f) The municipality's own assessment of its partnership with citizens and their associations"),
            csv_cell(data["self_assessment"]),
        ]
    )
    writer.writerow([_("Reasons the meetings were not public"), csv_cell(data["closed_meetings_reasons"])])
    for a in data["legal_actions"]:
        writer.writerow(
            [
                _("Court action"),
                csv_cell(
                    f"{a['filed_on']}: {a['claimant']}: {a['subject']} ({a['court']}) {a['outcome']}".strip()
                ),
            ]
        )
    return "\ufeff" + out.getvalue()


def report_json(year: int) -> str:
    return json.dumps(annual_report(year), ensure_ascii=False, indent=2)
