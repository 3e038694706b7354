"""The councils plugin's logic: pages, API and jobs call these and stay thin.

Services flush, never commit (the caller commits, so a failed request writes nothing and mail
leaves only after the commit). Every broken rule is a :class:`RuleViolation` with a translated
message (409; 403/404 where it is about who asks or what exists; 422 for bad values).
"""

import dataclasses
import datetime as dt
import hashlib
import re
import urllib.parse
import uuid
from collections import Counter
from typing import Any

import icalendar
import markdown as md
import nh3
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import Markup

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Attachment,
    Linkable,
    Mail,
    Membership,
    NotificationKind,
    Organisation,
    OrganisationMember,
    Reference,
    RuleViolation,
    active_tenant_id,
    db,
    external_url,
    gettext,
    lazy_gettext,
    notify,
    plugin_settings,
    resolve_references,
    send_mail,
    tenant_info,
    to_local,
    utcnow_aware,
)
from plugins.councils import ranked
from plugins.councils.labels import ANSWERS, CHOICES
from plugins.councils.models import (
    Addressee,
    AgendaItem,
    Answer,
    Attendance,
    Ballot,
    Call,
    CallStatus,
    Category,
    Choice,
    Conflict,
    Council,
    Dissent,
    EndReason,
    Kind,
    Meeting,
    MeetingStatus,
    Member,
    Method,
    Nomination,
    NominationStatus,
    Objection,
    ObjectionOutcome,
    Opinion,
    Position,
    Quorum,
    Seat,
    Vote,
    VotingMethod,
)

PLUGIN = "councils"


def settings() -> dict[str, Any]:
    return plugin_settings(PLUGIN)


def render_markdown(text: str) -> Markup:
    """Remit, criteria, minutes, opinions: Markdown, sanitised by nh3."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S704 (sanitised by nh3)


def _tenant() -> Any:
    return tenant_info(active_tenant_id())


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the municipality's zone (terms and due dates are calendar days there)."""
    return to_local(now or utcnow_aware(), _tenant()).date()


def _text(value: str | None, field: str, message: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RuleViolation(message, field=field)
    return value


def _check_year(value: dt.date | dt.datetime | None, field: str) -> None:
    """Dates outside 2000-2099 are a typo (and would overflow the term arithmetic)."""
    if value is not None and not 2000 <= value.year <= 2099:
        raise RuleViolation(gettext("Give a date between 2000 and 2099."), field=field)


def _one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field=field)
    return value


# --- councils and seat plans --------------------------------------------------------------------


def save_council(
    council: Council | None,
    *,
    name: str,
    kind: str = Kind.OTHER,
    remit: str = "",
    founding_decision: str = "",
    term_months: int = 24,
    max_consecutive_terms: int = 2,
    quorum_rule: str = Quorum.MAJORITY,
    quorum_number: int | None = None,
    public_sessions: bool = True,
    seats: dict[str, tuple[int, int]] | None = None,
) -> Council:
    """Create or change a council and, when given, its seat plan (category -> seats, alternates)."""
    name = _text(name, "name", gettext("Give the council a name."))
    _one_of(kind, Kind.ALL, "kind")
    _one_of(quorum_rule, Quorum.ALL, "quorum_rule")
    if not 1 <= int(term_months) <= 120:
        raise RuleViolation(gettext("A term lasts from 1 to 120 months."), status=422, field="term_months")
    if not 1 <= int(max_consecutive_terms) <= 10:
        raise RuleViolation(
            gettext("Allow from 1 to 10 consecutive terms."), status=422, field="max_consecutive_terms"
        )
    plan = {c: (int(s), int(a)) for c, (s, a) in (seats or {}).items()}
    for category, (count, alternates) in plan.items():
        _one_of(category, Category.ALL, "seats")
        if not (0 <= count <= 200 and 0 <= alternates <= 200):
            raise RuleViolation(gettext("Give from 0 to 200 seats."), status=422, field="seats")
    if quorum_rule == Quorum.NUMBER:
        total = sum(s for s, _a in plan.values()) if seats is not None else None
        if not quorum_number or quorum_number < 1 or (total is not None and quorum_number > total):
            raise RuleViolation(
                gettext("A quorum by number needs a number from 1 to the seats of the plan."),
                field="quorum_number",
            )
    else:
        quorum_number = None
    if council is None:
        council = Council()
        db.session.add(council)
    council.name, council.kind, council.remit = name, kind, remit or ""
    council.founding_decision = (founding_decision or "").strip()
    council.term_months, council.max_consecutive_terms = int(term_months), int(max_consecutive_terms)
    council.quorum_rule, council.quorum_number, council.public_sessions = (
        quorum_rule,
        quorum_number,
        public_sessions,
    )
    db.session.flush()
    if seats is not None:
        current = {s.category: s for s in seat_plan(council)}
        for category, row in current.items():
            if category not in plan:
                db.session.delete(row)
        for category, (count, alternates) in plan.items():
            row = current.get(category) or Seat(council_id=council.id, category=category)
            row.seats, row.alternates = count, alternates
            db.session.add(row)
        db.session.flush()
    return council


def list_councils() -> list[Council]:
    return list(db.session.execute(sa.select(Council).order_by(Council.name)).scalars())


def get_council(council_id: uuid.UUID) -> Council:
    council = db.session.execute(sa.select(Council).where(Council.id == council_id)).scalar_one_or_none()
    if council is None:
        raise RuleViolation(gettext("This council does not exist."), status=404)
    return council


def seat_plan(council: Council) -> list[Seat]:
    order = sa.case({c: i for i, c in enumerate(Category.ALL)}, value=Seat.category)
    return list(
        db.session.execute(sa.select(Seat).where(Seat.council_id == council.id).order_by(order)).scalars()
    )


def total_seats(council: Council) -> int:
    return sum(s.seats for s in seat_plan(council))


def quorum_needed(council: Council, seats: int | None = None) -> int:
    """Members present needed for the council to decide: a majority of the seats, or a number."""
    if council.quorum_rule == Quorum.NUMBER and council.quorum_number:
        return council.quorum_number
    return (total_seats(council) if seats is None else seats) // 2 + 1


# --- members and terms --------------------------------------------------------------------------


def _active(on: dt.date) -> Any:
    return sa.and_(
        Member.term_start <= on,
        Member.term_end >= on,
        sa.or_(Member.ended_on.is_(None), Member.ended_on > on),
    )


def composition(council: Council, on: dt.date | None = None) -> list[Member]:
    """Who sits on the council on a date (today in the municipality by default)."""
    on = on or local_today()
    order = sa.case({p: i for i, p in enumerate(Position.ALL)}, value=Member.position)
    return list(
        db.session.execute(
            sa.select(Member).where(Member.council_id == council.id, _active(on)).order_by(order, Member.name)
        ).scalars()
    )


def member_history(council: Council) -> list[Member]:
    """Every term ever served, latest first: the whole history is public."""
    return list(
        db.session.execute(
            sa.select(Member)
            .where(Member.council_id == council.id)
            .order_by(Member.term_start.desc(), Member.name)
        ).scalars()
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _same_person(account_id: int | None, name: str) -> Any:
    if account_id is not None:
        return Member.account_id == account_id
    return sa.and_(Member.account_id.is_(None), sa.func.lower(Member.name) == name.lower())


def _held(council: Council, category: str, *, alternate: bool, on: dt.date) -> int:
    positions = (Position.ALTERNATE,) if alternate else Position.SEATED
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Member)
        .where(
            Member.council_id == council.id,
            Member.category == category,
            Member.position.in_(positions),
            _active(on),
        )
    ).scalar_one()


def add_member(
    council: Council,
    *,
    name: str,
    category: str,
    position: str = Position.MEMBER,
    term_start: dt.date,
    term_end: dt.date | None = None,
    account_id: int | None = None,
    organisation_id: int | None = None,
    nomination_id: uuid.UUID | None = None,
) -> Member:
    """Seat someone for a term (the council's term length unless given). Refused when the seat plan
    has no free seat of the category that day, or the person would exceed the consecutive terms."""
    name = _text(name, "name", gettext("Give the member's name."))
    _one_of(category, Category.ALL, "category")
    _one_of(position, Position.ALL, "position")
    _check_year(term_start, "term_start")
    _check_year(term_end, "term_end")
    term_end = term_end or _add_months(term_start, council.term_months) - dt.timedelta(days=1)
    if term_end <= term_start:
        raise RuleViolation(gettext("The term must end after it starts."), field="term_end")
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        raise RuleViolation(gettext("This organisation does not exist."), field="organisation_id")
    if account_id is not None and db.session.get(Account, account_id) is None:
        raise RuleViolation(gettext("This account does not exist."), field="account_id")
    _lock_council(council.id)
    plan = {s.category: s for s in seat_plan(council)}
    alternate = position == Position.ALTERNATE
    limit = (
        plan[category].alternates
        if alternate and category in plan
        else (plan[category].seats if category in plan else 0)
    )
    if _held(council, category, alternate=alternate, on=term_start) >= limit:
        raise RuleViolation(
            gettext("The seat plan has no free seat of this category on that date."),
            code="no_free_seat",
            field="category",
        )
    previous = list(
        db.session.execute(
            sa.select(Member)
            .where(
                Member.council_id == council.id,
                _same_person(account_id, name),
                Member.term_start < term_start,
            )
            .order_by(Member.term_start.desc())
        ).scalars()
    )
    consecutive, start = 0, term_start
    for row in previous:  # terms that follow each other without a gap count as consecutive
        ended = row.ended_on or row.term_end
        if ended < start - dt.timedelta(days=1):
            break
        if row.end_reason != EndReason.PROMOTED:
            consecutive += 1
        start = row.term_start
    if consecutive >= council.max_consecutive_terms:
        raise RuleViolation(
            gettext("This person has already served the most consecutive terms the council allows."),
            code="term_limit",
        )
    member = Member(
        council_id=council.id,
        name=name,
        category=category,
        position=position,
        term_start=term_start,
        term_end=term_end,
        account_id=account_id,
        organisation_id=organisation_id,
        nomination_id=nomination_id,
    )
    db.session.add(member)
    db.session.flush()
    return member


def get_member(member_id: uuid.UUID) -> Member:
    member = db.session.execute(sa.select(Member).where(Member.id == member_id)).scalar_one_or_none()
    if member is None:
        raise RuleViolation(gettext("This member does not exist."), status=404)
    return member


def end_member(member: Member, *, on: dt.date, reason: str) -> Member:
    """End a term early (resigned, replaced) or record that it is over."""
    _one_of(reason, EndReason.ALL, "reason")
    if member.ended_on is not None:
        raise RuleViolation(gettext("This term has already ended."), code="already_ended")
    if not member.term_start <= on <= member.term_end:  # (the term's years are checked)
        raise RuleViolation(gettext("Give a date within the term."), field="on")
    member.ended_on, member.end_reason = on, reason
    db.session.flush()
    return member


def promote_alternate(alternate: Member, *, on: dt.date) -> Member:
    """An alternate takes a vacant seat of their category for the rest of their term."""
    if alternate.position != Position.ALTERNATE or alternate.ended_on is not None:
        raise RuleViolation(gettext("Only a sitting alternate can be promoted."), code="not_alternate")
    council = get_council(alternate.council_id)
    end_member(alternate, on=on, reason=EndReason.PROMOTED)
    if on >= alternate.term_end:
        raise RuleViolation(gettext("Give a date within the term."), field="on")
    return add_member(
        council,
        name=alternate.name,
        category=alternate.category,
        position=Position.MEMBER,
        term_start=on,
        term_end=alternate.term_end,
        account_id=alternate.account_id,
        organisation_id=alternate.organisation_id,
        nomination_id=alternate.nomination_id,
    )


def terms_ending(today: dt.date, days: int) -> list[Member]:
    """Sitting members whose term ends exactly ``days`` days after ``today`` (the reminders)."""
    return list(
        db.session.execute(
            sa.select(Member).where(
                Member.ended_on.is_(None), Member.term_end == today + dt.timedelta(days=days)
            )
        ).scalars()
    )


def _staff_accounts() -> list[Account]:
    return list(
        db.session.execute(
            sa.select(Account)
            .join(Membership, Membership.account_id == Account.id)
            .where(Membership.role.in_(("staff", "admin")))
            .order_by(Account.id)
        ).scalars()
    )


def send_term_reminders(today: dt.date | None = None) -> int:
    """Tell the municipality's staff, 60 and 30 days ahead, whose terms end (run daily)."""
    today = today or local_today()
    ending = [(d, m) for d in (60, 30) for m in terms_ending(today, d)]
    if not ending:
        return 0
    councils = {c.id: c for c in list_councils()}
    sent = 0
    for account in _staff_accounts():
        if not account.email:
            continue
        with force_locale(mail_locale(account)):
            lines = [
                gettext(
                    "%(name)s (%(council)s): the term ends on %(day)s, in %(days)d days.",
                    name=m.name,
                    council=councils[m.council_id].name,
                    day=m.term_end.isoformat(),
                    days=d,
                )
                for d, m in ending
            ]
            sent += _send(
                account, gettext("Terms ending on the municipality's councils"), lines, kind=TERM_REMINDER
            )
    return sent


# --- calls for nominations ----------------------------------------------------------------------


def save_call(
    call: Call | None,
    council: Council,
    *,
    title: str,
    category: str,
    seats: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    criteria: str = "",
    documents: str = "",
    method: str = Method.APPOINTMENT,
    self_nomination: bool = False,
    voting_closes_at: dt.datetime | None = None,
    voting_method: str = VotingMethod.APPROVAL,
    objection_days: int = 7,
    status: str = CallStatus.DRAFT,
) -> Call:
    """A call for nominations; published, its criteria and window can no longer change."""
    title = _text(title, "title", gettext("Give the call a title."))
    _one_of(category, Category.ALL, "category")
    _one_of(method, Method.ALL, "method")
    _one_of(voting_method, VotingMethod.ALL, "voting_method")
    _one_of(status, (CallStatus.DRAFT, CallStatus.PUBLISHED), "status")
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValueError("aware datetimes (to_utc() what a person typed)")
    for name, value in (
        ("opens_at", opens_at),
        ("closes_at", closes_at),
        ("voting_closes_at", voting_closes_at),
    ):
        _check_year(value, name)
    if closes_at <= opens_at:
        raise RuleViolation(gettext("The call must close after it opens."), field="closes_at")
    if not 1 <= int(seats) <= 200:
        raise RuleViolation(gettext("Give from 1 to 200 seats."), status=422, field="seats")
    if method == Method.ELECTION:
        if voting_closes_at is None or voting_closes_at <= closes_at:
            raise RuleViolation(
                gettext("An election needs a voting deadline after the nominations close."),
                field="voting_closes_at",
            )
    else:
        voting_closes_at, voting_method = None, VotingMethod.APPROVAL
    if call is not None and call.status != CallStatus.DRAFT:
        raise RuleViolation(gettext("A published call can no longer be changed."), code="call_published")
    if call is None:
        call = Call(council_id=council.id)
        db.session.add(call)
    call.title, call.category, call.seats, call.criteria, call.documents = (
        title,
        category,
        int(seats),
        criteria or "",
        documents or "",
    )
    call.opens_at, call.closes_at, call.method, call.self_nomination = (
        opens_at,
        closes_at,
        method,
        self_nomination,
    )
    call.voting_closes_at, call.objection_days, call.status = voting_closes_at, int(objection_days), status
    call.voting_method = voting_method
    db.session.flush()
    return call


def get_call(call_id: uuid.UUID, *, include_drafts: bool = False) -> Call:
    call = db.session.execute(sa.select(Call).where(Call.id == call_id)).scalar_one_or_none()
    if call is None or (call.status == CallStatus.DRAFT and not include_drafts):
        raise RuleViolation(gettext("This call does not exist."), status=404)
    return call


def list_calls(council: Council | None = None, *, include_drafts: bool = False) -> list[Call]:
    query = sa.select(Call).order_by(Call.opens_at.desc())
    if council is not None:
        query = query.where(Call.council_id == council.id)
    if not include_drafts:
        query = query.where(Call.status != CallStatus.DRAFT)
    return list(db.session.execute(query).scalars())


def call_phase(call: Call, now: dt.datetime | None = None) -> str:
    """draft, upcoming, open (nominations), screening, voting, decided, seated."""
    now = now or utcnow_aware()
    if call.status == CallStatus.DRAFT:
        return "draft"
    if call.status == CallStatus.DECIDED:
        return "objections" if now < objection_deadline(call) else "decided"
    if now < call.opens_at:
        return "upcoming"
    if now < call.closes_at:
        return "open"
    if call.method == Method.ELECTION and call.voting_closes_at and now < call.voting_closes_at:
        return "voting"
    return "screening"


def objection_deadline(call: Call) -> dt.datetime:
    return (call.decided_at or utcnow_aware()) + dt.timedelta(days=call.objection_days)


def _lock_call(call_id: uuid.UUID) -> Call:
    return db.session.execute(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _lock_council(council_id: uuid.UUID) -> None:
    db.session.execute(sa.select(Council.id).where(Council.id == council_id).with_for_update())


def organisations_i_admin(account: Any) -> list[Organisation]:
    """Organisations ``account`` administers that are affiliated (approved) with this municipality:
    a nomination or a ballot is made on behalf of the organisation, by its admins."""
    if account is None:
        return []
    mine = [m.organisation_id for m in organisations_of_admin(account)]
    if not mine:
        return []
    approved = (
        sa.select(Affiliation.organisation_id)
        .where(Affiliation.organisation_id.in_(mine), Affiliation.status == AffiliationStatus.APPROVED.value)
        .scalar_subquery()
    )
    found = db.session.execute(sa.select(Organisation).where(Organisation.id.in_(approved))).scalars()
    return sorted(found, key=lambda o: o.name.casefold())


def organisations_of_admin(account: Any) -> list[OrganisationMember]:
    return list(
        db.session.execute(
            sa.select(OrganisationMember).where(
                OrganisationMember.account_id == account.id, OrganisationMember.role == "admin"
            )
        ).scalars()
    )


@dataclasses.dataclass
class MyNomination:
    nomination: Nomination
    call: Call
    council: Council
    organisation: str
    seated: bool


def my_nominations(account: Any) -> list[MyNomination]:
    """The nominations made on behalf of the organisations ``account`` administers, here, latest
    first, with their call, council and whether the candidate now sits (an NGO admin's view)."""
    if account is None:
        return []
    org_ids = [m.organisation_id for m in organisations_of_admin(account)]
    if not org_ids:
        return []
    names = dict(
        db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        ).all()
    )
    rows = db.session.execute(
        sa.select(Nomination, Call, Council)
        .join(Call, sa.and_(Call.tenant_id == Nomination.tenant_id, Call.id == Nomination.call_id))
        .join(Council, sa.and_(Council.tenant_id == Call.tenant_id, Council.id == Call.council_id))
        .where(Nomination.organisation_id.in_(org_ids), Call.status != CallStatus.DRAFT)
        .order_by(Nomination.submitted_at.desc())
    ).all()
    seated = set(
        db.session.execute(
            sa.select(Member.nomination_id).where(Member.nomination_id.in_([n.id for n, _c, _k in rows]))
        ).scalars()
    )
    return [MyNomination(n, c, k, names.get(n.organisation_id, ""), n.id in seated) for n, c, k in rows]


def _check_org(account: Any, organisation_id: int) -> None:
    if organisation_id not in {o.id for o in organisations_i_admin(account)}:
        raise RuleViolation(
            gettext("Only an admin of an organisation affiliated with the municipality can act for it."),
            status=403,
            field="organisation_id",
        )


def nominate(
    call: Call,
    account: Any,
    *,
    organisation_id: int | None,
    candidate_name: str = "",
    candidate_account_id: int | None = None,
    statement: str = "",
    declaration: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Nomination:
    """Nominate a candidate on behalf of an organisation (its admins), or oneself where the call
    allows, while the call is open; one candidate per organisation and call."""
    now = now or utcnow_aware()
    call = _lock_call(call.id)
    if call.status != CallStatus.PUBLISHED or not call.opens_at <= now < call.closes_at:
        raise RuleViolation(gettext("This call is not open for nominations."), code="call_not_open")
    if organisation_id is not None:
        _check_org(account, organisation_id)
        candidate_name = _text(candidate_name, "candidate_name", gettext("Give the candidate's name."))
        taken = db.session.execute(
            sa.select(Nomination.id).where(
                Nomination.call_id == call.id, Nomination.organisation_id == organisation_id
            )
        ).first()
        if taken:
            raise RuleViolation(
                gettext("This organisation has already nominated a candidate for this call."),
                code="already_nominated",
            )
    else:
        if not call.self_nomination:
            raise RuleViolation(
                gettext("This call takes nominations from organisations only."), code="no_self_nomination"
            )
        candidate_name, candidate_account_id = account.display_name, account.id
        taken = db.session.execute(
            sa.select(Nomination.id).where(
                Nomination.call_id == call.id,
                Nomination.organisation_id.is_(None),
                Nomination.candidate_account_id == account.id,
            )
        ).first()
        if taken:
            raise RuleViolation(
                gettext("You have already nominated yourself for this call."), code="already_nominated"
            )
    nomination = Nomination(
        call_id=call.id,
        organisation_id=organisation_id,
        nominated_by_id=account.id,
        candidate_name=candidate_name,
        candidate_account_id=candidate_account_id,
        statement=statement or "",
        submitted_at=now,
    )
    db.session.add(nomination)
    db.session.flush()
    if declaration is not None:
        declare(nomination, account, now=now, **declaration)
    return nomination


def get_nomination(nomination_id: uuid.UUID) -> Nomination:
    found = db.session.execute(
        sa.select(Nomination).where(Nomination.id == nomination_id)
    ).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("This nomination does not exist."), status=404)
    return found


def declare(
    nomination: Nomination,
    account: Any,
    *,
    roles: str,
    related_entities: str,
    municipal_funding: str,
    now: dt.datetime | None = None,
) -> Nomination:
    """The candidate's conflict-of-interest declaration (roles held, related entities, funding from
    the municipality): "none" is an answer, a blank is not. Until it is made the nomination does
    not count."""
    if account is None or account.id not in (nomination.nominated_by_id, nomination.candidate_account_id):
        raise RuleViolation(gettext("This nomination does not exist."), status=404)
    values = {}
    for field, value in (
        ("roles", roles),
        ("related_entities", related_entities),
        ("municipal_funding", municipal_funding),
    ):
        values[field] = (value or "").strip()
        if not values[field]:
            raise RuleViolation(
                gettext("Answer every question of the declaration (write “none” where nothing applies)."),
                field=field,
            )
    nomination.declared_roles = values["roles"]
    nomination.declared_related_entities = values["related_entities"]
    nomination.declared_municipal_funding = values["municipal_funding"]
    nomination.declared_at = now or utcnow_aware()
    db.session.flush()
    return nomination


def nominations(call: Call) -> list[Nomination]:
    return list(
        db.session.execute(
            sa.select(Nomination)
            .where(Nomination.call_id == call.id)
            .order_by(Nomination.submitted_at, Nomination.id)
        ).scalars()
    )


def screen(
    nomination: Nomination, *, admit: bool, reason: str, staff: Any, now: dt.datetime | None = None
) -> Nomination:
    """Staff admit or reject a nomination once the call has closed, always with a reason."""
    now = now or utcnow_aware()
    call = _lock_call(nomination.call_id)
    reason = _text(reason, "reason", gettext("Give the reason for the decision: it is published."))
    if now < call.closes_at:
        raise RuleViolation(
            gettext("Nominations are screened after the call closes."), code="call_still_open"
        )
    if call.status == CallStatus.DECIDED:
        raise RuleViolation(gettext("The selection has already been decided."), code="decided")
    if admit and nomination.declared_at is None:
        raise RuleViolation(
            gettext("The candidate has not made the conflict-of-interest declaration yet."),
            code="no_declaration",
        )
    nomination.status = NominationStatus.ADMITTED if admit else NominationStatus.REJECTED
    nomination.screening_reason, nomination.screened_by_id, nomination.screened_at = reason, staff.id, now
    db.session.flush()
    _mail_screened(nomination, call)
    return nomination


def _mail_screened(nomination: Nomination, call: Call) -> None:
    """Who nominated (and the candidate, if they have an account) learn the decision and its
    reason: a decision on their own application, so transactional (always sent)."""
    ids = dict.fromkeys(i for i in (nomination.nominated_by_id, nomination.candidate_account_id) if i)
    for account_id in ids:
        account = db.session.get(Account, account_id)
        if account is None or not account.email or account.erased_at is not None:
            continue
        with force_locale(mail_locale(account)):
            if nomination.status == NominationStatus.ADMITTED:
                subject = gettext("Nomination admitted: %(name)s", name=nomination.candidate_name)
            else:
                subject = gettext("Nomination not admitted: %(name)s", name=nomination.candidate_name)
            lines = [
                gettext(
                    "The municipality has screened the nomination of %(name)s to the call “%(call)s”.",
                    name=nomination.candidate_name,
                    call=call.title,
                ),
                gettext("Reason: %(reason)s", reason=nomination.screening_reason),
                _link(f"/councils/calls/{call.id}"),
            ]
            _send(account, subject, lines, kind=None)


def cast_ballot(
    call: Call,
    account: Any,
    *,
    organisation_id: int,
    nomination_ids: list[uuid.UUID],
    now: dt.datetime | None = None,
) -> list[Ballot]:
    """One organisation's ballot in an election, once (parallel requests for the same
    organisation: the call's row lock lets one through): approval, up to as many candidates as
    seats; ranked choice, ``nomination_ids`` in the order of preference (any number of them)."""
    now = now or utcnow_aware()
    call = _lock_call(call.id)
    if call.method != Method.ELECTION or call.status != CallStatus.PUBLISHED:
        raise RuleViolation(gettext("This call is not decided by election."), code="not_election")
    if not call.closes_at <= now < (call.voting_closes_at or call.closes_at):
        raise RuleViolation(gettext("Voting is not open for this call."), code="voting_not_open")
    _check_org(account, organisation_id)
    ranked = call.voting_method == VotingMethod.RANKED
    chosen = list(dict.fromkeys(nomination_ids))
    if ranked:
        if not chosen or len(chosen) != len(nomination_ids):
            raise RuleViolation(
                gettext("Rank at least one candidate, each with a different number."), field="nomination_ids"
            )
    elif not 1 <= len(chosen) <= call.seats:
        raise RuleViolation(
            gettext("Approve from 1 to %(n)d candidates.", n=call.seats), field="nomination_ids"
        )
    admitted = {n.id for n in nominations(call) if n.status == NominationStatus.ADMITTED}
    if not set(chosen) <= admitted:
        raise RuleViolation(gettext("Vote only for admitted candidates."), field="nomination_ids")
    voted = db.session.execute(
        sa.select(Ballot.id).where(Ballot.call_id == call.id, Ballot.organisation_id == organisation_id)
    ).first()
    if voted:
        raise RuleViolation(gettext("This organisation has already voted."), code="already_voted")
    rows = [
        Ballot(
            call_id=call.id,
            organisation_id=organisation_id,
            nomination_id=n,
            rank=i + 1 if ranked else None,
            cast_by_id=account.id,
            cast_at=now,
        )
        for i, n in enumerate(chosen)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def ballots(call: Call) -> list[Ballot]:
    return list(
        db.session.execute(
            sa.select(Ballot)
            .where(Ballot.call_id == call.id)
            .order_by(Ballot.organisation_id, Ballot.rank, Ballot.nomination_id)
        ).scalars()
    )


def lot(call_id: uuid.UUID, nomination_id: uuid.UUID) -> str:
    """The published tie-break: candidates with equal votes are ordered by this hash, which anyone
    can recompute from the call's and the nomination's ids."""
    return hashlib.sha256(f"{call_id}:{nomination_id}".encode()).hexdigest()


@dataclasses.dataclass
class Standing:
    nomination: Nomination
    votes: int
    lot: str
    rank: int
    tied: bool


def _candidates(call: Call) -> list[Nomination]:
    return [
        n
        for n in nominations(call)
        if n.status in (NominationStatus.ADMITTED, NominationStatus.SELECTED, NominationStatus.NOT_SELECTED)
    ]


def ranked_ballots(cast: list[Ballot]) -> dict[int, list[uuid.UUID]]:
    """Each organisation's preferences, first to last (as published)."""
    out: dict[int, list[uuid.UUID]] = {}
    for b in sorted(cast, key=lambda b: (b.organisation_id, b.rank or 0)):
        out.setdefault(b.organisation_id, []).append(b.nomination_id)
    return out


def ranked_count(call: Call, cast: list[Ballot] | None = None) -> tuple[list[Standing], list[ranked.Round]]:
    """A ranked-choice election's result: sequential instant-runoff over the published ballots
    (see :mod:`plugins.councils.ranked`), every candidate ordered as they would be elected (the
    first ``seats`` are), with the rounds of the seats in play. ``votes`` are first preferences."""
    cast = ballots(call) if cast is None else cast
    candidates = _candidates(call)
    by_id = {n.id: n for n in candidates}
    prefs = [[n for n in p if n in by_id] for p in ranked_ballots(cast).values()]
    order, rounds = ranked.sequential_irv(
        sorted(by_id, key=lambda i: lot(call.id, i)), prefs, len(by_id), lambda i: lot(call.id, i)
    )
    first = Counter(p[0] for p in prefs if p)
    by_lot = {c for r in rounds if r.seat <= call.seats and r.by_lot for c in r.tied}
    standings = [
        Standing(by_id[i], first[i], lot(call.id, i), rank + 1, i in by_lot) for rank, i in enumerate(order)
    ]
    return standings, [r for r in rounds if r.seat <= call.seats]


def count(call: Call, cast: list[Ballot] | None = None) -> list[Standing]:
    """The election's result from the ballots: most approvals first, ties by the published lot;
    a ranked-choice election by :func:`ranked_count`."""
    if call.voting_method == VotingMethod.RANKED and call.method == Method.ELECTION:
        return ranked_count(call, cast)[0]
    admitted = _candidates(call)
    tally = Counter(b.nomination_id for b in (ballots(call) if cast is None else cast))
    ordered = sorted(admitted, key=lambda n: (-tally[n.id], lot(call.id, n.id)))
    ties = Counter(tally[n.id] for n in admitted)
    return [
        Standing(n, tally[n.id], lot(call.id, n.id), i + 1, ties[tally[n.id]] > 1)
        for i, n in enumerate(ordered)
    ]


def decide(
    call: Call,
    *,
    reasoning: str,
    staff: Any,
    selected: list[uuid.UUID] | None = None,
    now: dt.datetime | None = None,
) -> list[Nomination]:
    """Publish the result with its reasoning: the mayor's or council's choice among the admitted
    candidates (appointment), or the top of the count (election). The objection window opens."""
    now = now or utcnow_aware()
    call = _lock_call(call.id)
    reasoning = _text(reasoning, "reasoning", gettext("Give the reasoning of the result: it is published."))
    if call.status != CallStatus.PUBLISHED:
        raise RuleViolation(gettext("The selection has already been decided."), code="decided")
    closes = call.voting_closes_at if call.method == Method.ELECTION else call.closes_at
    if now < closes:
        raise RuleViolation(
            gettext("The result can be decided once the call (and any vote) is over."), code="too_early"
        )
    listed = nominations(call)
    if any(n.status == NominationStatus.SUBMITTED and n.declared_at is not None for n in listed):
        raise RuleViolation(gettext("Screen every nomination first."), code="not_screened")
    admitted = {n.id: n for n in listed if n.status == NominationStatus.ADMITTED}
    if call.method == Method.ELECTION:
        chosen = [s.nomination.id for s in count(call)[: call.seats]]
    else:
        chosen = list(dict.fromkeys(selected or []))
        if not chosen or len(chosen) > call.seats or not set(chosen) <= set(admitted):
            raise RuleViolation(
                gettext("Choose from 1 to %(n)d of the admitted candidates.", n=call.seats), field="selected"
            )
    for n in admitted.values():
        n.status = NominationStatus.SELECTED if n.id in chosen else NominationStatus.NOT_SELECTED
    call.status, call.result_reasoning, call.decided_at = CallStatus.DECIDED, reasoning, now
    db.session.flush()
    return [admitted[i] for i in chosen]


def lodge_objection(
    call: Call,
    account: Any,
    *,
    reasons: str,
    organisation_id: int | None = None,
    now: dt.datetime | None = None,
) -> Objection:
    """An objection to the published result, while the objection period runs: by a signed-in
    person, for themselves or for an organisation they administer, with its reasons."""
    now = now or utcnow_aware()
    if account is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    if call.status != CallStatus.DECIDED or now >= objection_deadline(call):
        raise RuleViolation(
            gettext("Objections can be lodged only while the objection period runs."),
            code="objections_closed",
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise RuleViolation(gettext("Give the reasons of the objection."), status=422, field="reasons")
    if organisation_id is not None:
        _check_org(account, organisation_id)
    row = Objection(
        call_id=call.id,
        account_id=account.id,
        organisation_id=organisation_id,
        reasons=reasons,
        submitted_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def objections(call: Call) -> list[Objection]:
    return list(
        db.session.execute(
            sa.select(Objection).where(Objection.call_id == call.id).order_by(Objection.submitted_at)
        ).scalars()
    )


def get_objection(objection_id: uuid.UUID) -> Objection:
    row = db.session.execute(sa.select(Objection).where(Objection.id == objection_id)).scalar_one_or_none()
    if row is None:
        raise RuleViolation(gettext("This objection does not exist."), status=404)
    return row


def answer_objection(
    objection: Objection, *, outcome: str, reason: str, staff: Any, now: dt.datetime | None = None
) -> Objection:
    """Staff's reasoned answer (upheld or dismissed), published beside the objection; once."""
    _one_of(outcome, ObjectionOutcome.ALL, "outcome")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            gettext("Give the reasons of the answer: they are published."), status=422, field="answer"
        )
    objection = db.session.execute(
        sa.select(Objection)
        .where(Objection.id == objection.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if objection.outcome is not None:
        raise RuleViolation(gettext("This objection has already been answered."), code="already_answered")
    objection.outcome, objection.answer = outcome, reason
    objection.answered_by_id, objection.answered_at = staff.id if staff else None, now or utcnow_aware()
    db.session.flush()
    return objection


def seat_selected(call: Call, *, now: dt.datetime | None = None) -> list[Member]:
    """After the objection window, and once every objection is answered, the selected
    candidates take their seats from that day."""
    now = now or utcnow_aware()
    call = _lock_call(call.id)
    if call.status != CallStatus.DECIDED:
        raise RuleViolation(gettext("The selection has not been decided yet."), code="not_decided")
    if now < objection_deadline(call):
        raise RuleViolation(
            gettext("Members are seated once the objection period is over."), code="objections_open"
        )
    if any(o.outcome is None for o in objections(call)):
        raise RuleViolation(
            gettext("Answer every objection before seating the members."), code="objections_unanswered"
        )
    council = get_council(call.council_id)
    seated = []
    existing = {
        m.nomination_id
        for m in db.session.execute(sa.select(Member).where(Member.council_id == council.id)).scalars()
    }
    for n in nominations(call):
        if n.status == NominationStatus.SELECTED and n.id not in existing:
            seated.append(
                add_member(
                    council,
                    name=n.candidate_name,
                    category=call.category,
                    term_start=local_today(now),
                    account_id=n.candidate_account_id,
                    organisation_id=n.organisation_id,
                    nomination_id=n.id,
                )
            )
    return seated


# --- meetings, attendance, quorum and votes -----------------------------------------------------


REFERENCE_PATH = re.compile(r"/([a-z][a-z0-9_]*)/(?:[a-z0-9_]+/)*([a-z][a-z0-9_]*?)s/([0-9a-fA-F-]{36})/?$")


def parse_agenda_line(line: str) -> tuple[str, Reference | None]:
    """``Title`` or ``Title | link``: the link is another plugin's object as a reference
    (``hearings:consultation:<id>``) or its page's address here (``…/hearings/consultations/<id>``)."""
    title, _sep, link = line.partition("|")
    title, link = " ".join(title.split()), link.strip()
    if not link:
        return title, None
    try:
        if link.count(":") >= 2 and "/" not in link:
            return title, Reference.parse(link)
        found = REFERENCE_PATH.search(urllib.parse.urlsplit(link).path)
        if found:
            return title, Reference(found.group(1), found.group(2), found.group(3))
    except ValueError:
        pass
    raise RuleViolation(
        gettext("“%(link)s” is not the address of an item of the platform.", link=link[:100]), field="agenda"
    )


def save_meeting(
    council: Council,
    meeting: Meeting | None,
    *,
    title: str,
    starts_at: dt.datetime,
    place: str = "",
    items: list[str] | None = None,
) -> Meeting:
    """Schedule a meeting; ``items`` (one line each, see :func:`parse_agenda_line`) become its
    agenda, in order. A linked item must exist, in a plugin this municipality has on."""
    title = _text(title, "title", gettext("Give the meeting a title."))
    if starts_at.tzinfo is None:
        raise ValueError("aware datetimes")
    _check_year(starts_at, "starts_at")
    parsed = [parse_agenda_line(x) for x in (items or [])]
    parsed = [(t, r) for t, r in parsed if t]
    links = [r for _t, r in parsed if r is not None]
    if links:
        resolved = resolve_references(links)
        missing = [r for r in links if r not in resolved]
        if missing:
            raise RuleViolation(
                gettext("“%(link)s” is not the address of an item of the platform.", link=str(missing[0])),
                field="agenda",
            )
    if meeting is None:
        meeting = Meeting(council_id=council.id)
        db.session.add(meeting)
    meeting.title, meeting.starts_at, meeting.place = title, starts_at, (place or "").strip()
    db.session.flush()
    if items is not None:
        for old in agenda(meeting):
            db.session.delete(old)
        db.session.flush()
        for i, (text, ref) in enumerate(parsed):
            db.session.add(
                AgendaItem(
                    meeting_id=meeting.id, position=i + 1, title=text[:300], reference=str(ref) if ref else ""
                )
            )
        db.session.flush()
    return meeting


def item_reference(item: AgendaItem) -> Reference | None:
    return Reference.parse(item.reference) if item.reference else None


def get_meeting(meeting_id: uuid.UUID) -> Meeting:
    found = db.session.execute(sa.select(Meeting).where(Meeting.id == meeting_id)).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("This meeting does not exist."), status=404)
    return found


def meetings_of(council: Council, *, limit: int | None = None, offset: int = 0) -> list[Meeting]:
    """The council's meetings, latest first (a page of them with ``limit``)."""
    query = (
        sa.select(Meeting)
        .where(Meeting.council_id == council.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id)
        .offset(offset)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def count_meetings(council: Council) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Meeting).where(Meeting.council_id == council.id)
    ).scalar_one()


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(
        db.session.execute(
            sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
        ).scalars()
    )


def get_item(item_id: uuid.UUID) -> tuple[AgendaItem, Meeting]:
    row = db.session.execute(
        sa.select(AgendaItem, Meeting)
        .join(
            Meeting, sa.and_(Meeting.tenant_id == AgendaItem.tenant_id, Meeting.id == AgendaItem.meeting_id)
        )
        .where(AgendaItem.id == item_id)
    ).first()
    if row is None:
        raise RuleViolation(gettext("This agenda item does not exist."), status=404)
    return row[0], row[1]


def meeting_members(meeting: Meeting) -> list[Member]:
    """The members sitting on the day of the meeting (who is invited and counted for quorum)."""
    council = get_council(meeting.council_id)
    return [m for m in composition(council, local_today(meeting.starts_at)) if m.position in Position.SEATED]


def record_attendance(meeting: Meeting, present: set[uuid.UUID], *, by: Any) -> None:
    """The secretary's record: every sitting member present or not."""
    members = {m.id for m in meeting_members(meeting)}
    if not set(present) <= members:
        raise RuleViolation(gettext("Only members of the council can be recorded present."), field="present")
    current = {
        a.member_id: a
        for a in db.session.execute(
            sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
        ).scalars()
    }
    for member_id in members:
        row = current.get(member_id) or Attendance(meeting_id=meeting.id, member_id=member_id)
        row.present, row.recorded_by_id = member_id in present, by.id if by is not None else None
        db.session.add(row)
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
    db.session.flush()


def present_ids(meeting: Meeting) -> set[uuid.UUID]:
    return set(
        db.session.execute(
            sa.select(Attendance.member_id).where(
                Attendance.meeting_id == meeting.id, Attendance.present.is_(True)
            )
        ).scalars()
    )


@dataclasses.dataclass
class QuorumState:
    present: int
    needed: int

    @property
    def reached(self) -> bool:
        return self.present >= self.needed


def quorum(meeting: Meeting) -> QuorumState:
    council = get_council(meeting.council_id)
    return QuorumState(len(present_ids(meeting)), quorum_needed(council))


def live_state(meeting: Meeting) -> dict[str, Any]:
    """What the meeting page refreshes while the secretary records attendance: who is present
    against the quorum (names are public: attendance is published)."""
    members = meeting_members(meeting)
    present = present_ids(meeting)
    state = QuorumState(len(present), quorum_needed(get_council(meeting.council_id)))
    cast = votes_of([i.id for i in agenda(meeting)])
    return {
        "tallies": {
            str(item_id): " · ".join(
                f"{label}: {sum(1 for v in votes if v.choice == choice)}" for choice, label in CHOICES.items()
            )
            for item_id, votes in cast.items()
            if votes
        },
        "present": state.present,
        "needed": state.needed,
        "reached": state.reached,
        "present_names": [m.name for m in members if m.id in present],
        "message": (
            gettext(
                "Quorum reached: %(present)d present, %(needed)d needed.",
                present=state.present,
                needed=state.needed,
            )
            if state.reached
            else gettext(
                "No quorum: %(present)d present, %(needed)d needed.",
                present=state.present,
                needed=state.needed,
            )
        ),
    }


def declare_conflict(item: AgendaItem, member: Member, *, reason: str = "") -> Conflict:
    """A member declares a conflict of interest on an item; they cannot vote on it then."""
    existing = db.session.execute(
        sa.select(Conflict).where(Conflict.item_id == item.id, Conflict.member_id == member.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if db.session.execute(
        sa.select(Vote.id).where(Vote.item_id == item.id, Vote.member_id == member.id)
    ).first():
        raise RuleViolation(gettext("This member has already voted on this item."), code="already_voted")
    row = Conflict(item_id=item.id, member_id=member.id, reason=(reason or "").strip())
    db.session.add(row)
    db.session.flush()
    return row


def conflicts(item: AgendaItem) -> list[Conflict]:
    return list(db.session.execute(sa.select(Conflict).where(Conflict.item_id == item.id)).scalars())


def cast_vote(
    item: AgendaItem, member: Member, choice: str, *, by: Any, now: dt.datetime | None = None
) -> Vote:
    """A roll-call vote: only a present member, without a declared conflict, once, with quorum."""
    _one_of(choice, Choice.ALL, "choice")
    db.session.execute(sa.select(AgendaItem.id).where(AgendaItem.id == item.id).with_for_update())
    _item, meeting = get_item(item.id)
    if member.council_id != meeting.council_id:
        raise RuleViolation(gettext("This member does not exist."), status=404)
    if member.id not in present_ids(meeting):
        raise RuleViolation(gettext("Only members recorded present can vote."), code="not_present")
    if any(c.member_id == member.id for c in conflicts(item)):
        raise RuleViolation(
            gettext("This member declared a conflict of interest on this item and cannot vote on it."),
            code="conflict",
        )
    state = quorum(meeting)
    if not state.reached:
        raise RuleViolation(
            gettext(
                "There is no quorum: %(present)d present, %(needed)d needed.",
                present=state.present,
                needed=state.needed,
            ),
            code="no_quorum",
        )
    if db.session.execute(
        sa.select(Vote.id).where(Vote.item_id == item.id, Vote.member_id == member.id)
    ).first():
        raise RuleViolation(gettext("This member has already voted on this item."), code="already_voted")
    vote = Vote(
        item_id=item.id,
        member_id=member.id,
        choice=choice,
        entered_by_id=by.id if by else None,
        cast_at=now or utcnow_aware(),
    )
    db.session.add(vote)
    db.session.flush()
    return vote


def votes_of(item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Vote]]:
    found: dict[uuid.UUID, list[Vote]] = {i: [] for i in item_ids}
    if item_ids:
        for v in db.session.execute(sa.select(Vote).where(Vote.item_id.in_(item_ids))).scalars():
            found[v.item_id].append(v)
    return found


def tally(votes: list[Vote]) -> dict[str, int]:
    counted = Counter(v.choice for v in votes)
    return {c: counted.get(c, 0) for c in Choice.ALL}


@dataclasses.dataclass
class MeetingDetails:
    """Agendas, votes, conflicts and attendance of many meetings, read in a fixed number of queries."""

    items: dict[uuid.UUID, list[AgendaItem]]
    votes: dict[uuid.UUID, list[Vote]]
    conflicts: dict[uuid.UUID, list[Conflict]]
    present: dict[uuid.UUID, int]


def meeting_details(meetings: list[Meeting]) -> MeetingDetails:
    ids = [m.id for m in meetings]
    items: dict[uuid.UUID, list[AgendaItem]] = {i: [] for i in ids}
    present: dict[uuid.UUID, int] = dict.fromkeys(ids, 0)
    if ids:
        for item in db.session.execute(
            sa.select(AgendaItem).where(AgendaItem.meeting_id.in_(ids)).order_by(AgendaItem.position)
        ).scalars():
            items[item.meeting_id].append(item)
        present.update(
            db.session.execute(
                sa.select(Attendance.meeting_id, sa.func.count())
                .where(Attendance.meeting_id.in_(ids), Attendance.present.is_(True))
                .group_by(Attendance.meeting_id)
            ).all()
        )
    item_ids = [i.id for group in items.values() for i in group]
    found: dict[uuid.UUID, list[Conflict]] = {i: [] for i in item_ids}
    if item_ids:
        for c in db.session.execute(sa.select(Conflict).where(Conflict.item_id.in_(item_ids))).scalars():
            found[c.item_id].append(c)
    return MeetingDetails(items, votes_of(item_ids), found, present)


def my_member(council_id: uuid.UUID, account: Any, on: dt.date | None = None) -> Member | None:
    if account is None:
        return None
    council = get_council(council_id)
    return next((m for m in composition(council, on) if m.account_id == account.id), None)


def is_secretary_of(council_id: uuid.UUID, account: Any) -> bool:
    """The council's own secretary (a sitting member with that position) runs its meetings."""
    member = my_member(council_id, account)
    return member is not None and member.position in (Position.SECRETARY, Position.CHAIR)


def publish_minutes(meeting: Meeting, text: str, *, now: dt.datetime | None = None) -> Meeting:
    if not (text or "").strip():
        raise RuleViolation(gettext("Write the minutes first."), field="minutes")
    meeting.minutes = text.strip()
    meeting.minutes_published_at = now or utcnow_aware()
    db.session.flush()
    return meeting


def invitation_ics(meeting: Meeting, council: Council, *, with_place: bool = True) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sympraxis//councils//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"{meeting.id}@councils.sympraxis")
    event.add("summary", f"{council.name}: {meeting.title}")
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + dt.timedelta(hours=2))
    event.add("dtstamp", utcnow_aware())
    if meeting.place and with_place:
        event.add("location", meeting.place)
    cal.add_component(event)
    return cal.to_ical()


def send_invitations(meeting: Meeting, *, now: dt.datetime | None = None) -> int:
    """Mail every sitting member with an account the agenda and an ``.ics`` (after commit)."""
    council = get_council(meeting.council_id)
    ics = invitation_ics(meeting, council)
    items = agenda(meeting)
    sent = 0
    for member in meeting_members(meeting):
        account = db.session.get(Account, member.account_id) if member.account_id else None
        if account is None or not account.email:
            continue
        with force_locale(mail_locale(account)):
            lines = [
                gettext(
                    "You are invited to the meeting of %(council)s: %(title)s.",
                    council=council.name,
                    title=meeting.title,
                ),
                meeting.place,
                gettext("Agenda:"),
                "\n".join(f"{i.position}. {i.title}" for i in items),
                _link(f"/councils/meetings/{meeting.id}"),
            ]
            sent += _send(
                account,
                gettext("Invitation: %(title)s", title=meeting.title),
                lines,
                [Attachment("meeting.ics", ics, "text/calendar")],
                kind=MEETING_INVITATION,
            )
    meeting.invitations_sent_at = now or utcnow_aware()
    db.session.flush()
    return sent


# --- opinions and answers -----------------------------------------------------------------------


def issue_opinion(
    council: Council,
    *,
    title: str,
    text: str,
    addressed_to: str = "mayor",
    item_id: uuid.UUID | None = None,
    dissent: str = "",
    issued_on: dt.date | None = None,
    answer_days: int | None = None,
) -> Opinion:
    """A formal opinion, published; the vote is the roll call of its agenda item when given. The
    municipality's answer is due ``answer_days`` (the municipality's setting) after it is issued."""
    title = _text(title, "title", gettext("Give the opinion a title."))
    if not (text or "").strip():
        raise RuleViolation(gettext("Write the text of the opinion."), field="text")
    _one_of(addressed_to, Addressee.ALL, "addressed_to")
    issued_on = issued_on or local_today()
    counts = dict.fromkeys(Choice.ALL, 0)
    if item_id is not None:
        item, meeting = get_item(item_id)
        if meeting.council_id != council.id:
            raise RuleViolation(gettext("This agenda item does not exist."), status=404)
        counts = tally(votes_of([item.id])[item.id])
    days = settings()["answer_days"] if answer_days is None else answer_days
    opinion = Opinion(
        council_id=council.id,
        item_id=item_id,
        title=title,
        text=text.strip(),
        dissent=(dissent or "").strip(),
        addressed_to=addressed_to,
        votes_for=counts[Choice.FOR],
        votes_against=counts[Choice.AGAINST],
        votes_abstain=counts[Choice.ABSTAIN],
        issued_on=issued_on,
        answer_due=issued_on + dt.timedelta(days=days),
    )
    db.session.add(opinion)
    db.session.flush()
    return opinion


def get_opinion(opinion_id: uuid.UUID) -> Opinion:
    found = db.session.execute(sa.select(Opinion).where(Opinion.id == opinion_id)).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("This opinion does not exist."), status=404)
    return found


def answer_opinion(
    opinion: Opinion, *, answer: str, reasoning: str, by: Any, now: dt.datetime | None = None
) -> Opinion:
    """The municipality's reasoned answer: accepted, partly accepted or not accepted."""
    _one_of(answer, Answer.ALL, "answer")
    reasoning = (reasoning or "").strip()
    if not reasoning:
        raise RuleViolation(gettext("Give the reasons of the answer: they are published."), field="reasoning")
    if opinion.answer is not None:
        raise RuleViolation(gettext("This opinion has already been answered."), code="already_answered")
    opinion.answer, opinion.answer_reasoning = answer, reasoning
    opinion.answered_at, opinion.answered_by_id = now or utcnow_aware(), by.id if by else None
    db.session.flush()
    return opinion


def dissents(opinion: Opinion) -> list[tuple[Dissent, str]]:
    """The members' own dissenting opinions, with the member's name as published, oldest first."""
    return [
        (d, name)
        for d, name in db.session.execute(
            sa.select(Dissent, Member.name)
            .join(Member, sa.and_(Member.tenant_id == Dissent.tenant_id, Member.id == Dissent.member_id))
            .where(Dissent.opinion_id == opinion.id)
            .order_by(Dissent.submitted_at)
        ).all()
    ]


def dissenter(opinion: Opinion, account: Any) -> Member | None:
    """The account's member record that voted against the opinion's item, if it has none yet
    written (who may add a dissent now)."""
    if account is None or opinion.item_id is None:
        return None
    member = db.session.execute(
        sa.select(Member)
        .join(Vote, sa.and_(Vote.tenant_id == Member.tenant_id, Vote.member_id == Member.id))
        .where(
            Member.account_id == account.id,
            Member.council_id == opinion.council_id,
            Vote.item_id == opinion.item_id,
            Vote.choice == Choice.AGAINST,
        )
    ).scalar_one_or_none()
    if member is None:
        return None
    written = db.session.execute(
        sa.select(Dissent.id).where(Dissent.opinion_id == opinion.id, Dissent.member_id == member.id)
    ).first()
    return None if written else member


def add_dissent(opinion: Opinion, account: Any, text: str, *, now: dt.datetime | None = None) -> Dissent:
    """A member who voted against the opinion adds their dissent, once (the unique key stops a
    second sent at the same moment)."""
    if account is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    text = (text or "").strip()
    if not text:
        raise RuleViolation(gettext("Write the text of your dissenting opinion."), status=422, field="text")
    db.session.execute(sa.select(Opinion.id).where(Opinion.id == opinion.id).with_for_update())
    member = dissenter(opinion, account)
    if member is None:
        raise RuleViolation(
            gettext("Only a member who voted against this opinion can add a dissenting opinion, once."),
            status=403,
        )
    row = Dissent(opinion_id=opinion.id, member_id=member.id, text=text, submitted_at=now or utcnow_aware())
    db.session.add(row)
    db.session.flush()
    return row


def is_overdue(opinion: Opinion, today: dt.date | None = None) -> bool:
    return opinion.answer is None and (today or local_today()) > opinion.answer_due


def _opinions_query(council: Council | None, overdue_only: bool, today: dt.date | None) -> Any:
    query = sa.select(Opinion)
    if council is not None:
        query = query.where(Opinion.council_id == council.id)
    if overdue_only:
        query = query.where(Opinion.answer.is_(None), Opinion.answer_due < (today or local_today()))
    return query


def list_opinions(
    council: Council | None = None,
    *,
    overdue_only: bool = False,
    today: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Opinion]:
    """The register, latest first (a page of it with ``limit``)."""
    query = _opinions_query(council, overdue_only, today).order_by(Opinion.issued_on.desc(), Opinion.id)
    return list(db.session.execute(query.offset(offset).limit(limit)).scalars())


def count_opinions(
    council: Council | None = None, *, overdue_only: bool = False, today: dt.date | None = None
) -> int:
    query = _opinions_query(council, overdue_only, today).with_only_columns(sa.func.count()).order_by(None)
    return db.session.execute(query).scalar_one()


# --- links from other plugins ------------------------------------------------------------------


def linkables(kind: str, ids: list[str]) -> dict[str, Any]:
    """Title, address and state of councils, meetings and opinions other plugins refer to."""
    models = {"council": Council, "meeting": Meeting, "opinion": Opinion}
    model = models.get(kind)
    wanted = []
    for ident in ids:
        try:
            wanted.append(uuid.UUID(str(ident)))
        except ValueError:
            continue
    if model is None or not wanted:
        return {}
    found = {}
    for row in db.session.execute(sa.select(model).where(model.id.in_(wanted))).scalars():
        if kind == "council":
            found[str(row.id)] = Linkable(title=row.name, url=f"/councils/{row.id}")
        elif kind == "meeting":
            found[str(row.id)] = Linkable(title=row.title, url=f"/councils/meetings/{row.id}")
        else:
            status = str(ANSWERS[row.answer]) if row.answer else ""
            found[str(row.id)] = Linkable(title=row.title, url=f"/councils/opinions/{row.id}", status=status)
    return found


# --- annual report ------------------------------------------------------------------------------


def annual_report(council: Council, year: int) -> dict[str, Any]:
    """Meetings, attendance per member, opinions issued and answers received in a calendar year."""
    tenant = _tenant()
    held = [
        m
        for m in meetings_of(council)
        if to_local(m.starts_at, tenant).year == year and m.status == MeetingStatus.HELD
    ]
    ids = [m.id for m in held]
    present = Counter()
    if ids:
        present.update(
            db.session.execute(
                sa.select(Attendance.member_id).where(
                    Attendance.meeting_id.in_(ids), Attendance.present.is_(True)
                )
            ).scalars()
        )
    members = [
        m for m in member_history(council) if m.term_start.year <= year <= (m.ended_on or m.term_end).year
    ]
    opinions = [o for o in list_opinions(council) if o.issued_on.year == year]
    return {
        "council": council.name,
        "year": year,
        "meetings": len(held),
        "attendance": [
            {"member": m.name, "position": m.position, "present": present.get(m.id, 0)} for m in members
        ],
        "opinions": len(opinions),
        "answers": Counter(o.answer or "pending" for o in opinions),
    }


# --- mail ---------------------------------------------------------------------------------------


def _link(path: str) -> str:
    return external_url(_tenant().primary_host, path)


def mail_locale(account: Any) -> str:
    tenant = _tenant()
    return account.locale if account.locale in tenant.locales else tenant.default_locale


#: Notifications (the person's settings decide: now, in the daily digest, or off). A meeting's
#: invitation to a sitting member is one (the member did not just ask for it); a screening
#: decision on a nomination is transactional (a decision on the organisation's own application).
TERM_REMINDER = "councils.term_reminder"
MEETING_INVITATION = "councils.meeting_invitation"
NOTIFICATION_KINDS = (
    NotificationKind(
        TERM_REMINDER,
        lazy_gettext("Terms ending on the councils (staff)"),
        lazy_gettext("60 and 30 days before a council member's term ends."),
    ),
    NotificationKind(
        MEETING_INVITATION,
        lazy_gettext("Invitations to the meetings of my councils"),
        lazy_gettext("The agenda and the calendar file when a meeting of a council you sit on is convened."),
    ),
)


def _send(
    account: Account,
    subject: str,
    lines: list[str],
    attachments: list[Attachment] | None = None,
    *,
    kind: str | None,
) -> bool:
    """Mail ``account`` (in the language forced around the call) as a notification of ``kind``
    (False if their settings turned it off), or, ``kind`` None, as transactional mail."""
    tenant = _tenant()
    paragraphs = [
        gettext("Hello %(name)s,", name=account.display_name),
        *(p for p in lines if p),
        tenant.name,
    ]
    mail = Mail(
        to=[account.email],
        subject=f"{subject} · {tenant.name}",
        text="\n\n".join(paragraphs),
        attachments=attachments or [],
    )
    if kind is None:
        send_mail(mail)
        return True
    return notify(account.id, kind, mail) != "off"


# --- personal data ------------------------------------------------------------------------------


def export_personal_data(account: Any) -> dict[str, Any] | None:
    """Terms served, nominations made or received (with the declaration), ballots cast, votes."""
    members = list(db.session.execute(sa.select(Member).where(Member.account_id == account.id)).scalars())
    noms = list(
        db.session.execute(
            sa.select(Nomination).where(
                sa.or_(
                    Nomination.nominated_by_id == account.id, Nomination.candidate_account_id == account.id
                )
            )
        ).scalars()
    )
    member_ids = [m.id for m in members]
    votes = (
        list(db.session.execute(sa.select(Vote).where(Vote.member_id.in_(member_ids))).scalars())
        if member_ids
        else []
    )
    ballots_cast = list(
        db.session.execute(sa.select(Ballot).where(Ballot.cast_by_id == account.id)).scalars()
    )
    lodged = list(
        db.session.execute(sa.select(Objection).where(Objection.account_id == account.id)).scalars()
    )
    written = (
        list(db.session.execute(sa.select(Dissent).where(Dissent.member_id.in_(member_ids))).scalars())
        if member_ids
        else []
    )
    if not (members or noms or votes or ballots_cast or lodged):
        return None
    return {
        "terms": [
            {
                "name": m.name,
                "category": m.category,
                "position": m.position,
                "term_start": m.term_start.isoformat(),
                "term_end": m.term_end.isoformat(),
                "ended_on": m.ended_on.isoformat() if m.ended_on else None,
                "end_reason": m.end_reason,
            }
            for m in members
        ],
        "nominations": [
            {
                "candidate": n.candidate_name,
                "status": n.status,
                "statement": n.statement,
                "declared_roles": n.declared_roles,
                "declared_related_entities": n.declared_related_entities,
                "declared_municipal_funding": n.declared_municipal_funding,
                "screening_reason": n.screening_reason,
            }
            for n in noms
        ],
        "votes": [{"item_id": str(v.item_id), "choice": v.choice} for v in votes],
        "dissents": [{"opinion_id": str(d.opinion_id), "text": d.text} for d in written],
        "ballots_cast": len(ballots_cast),
        "objections": [
            {
                "call_id": str(o.call_id),
                "reasons": o.reasons,
                "submitted_at": o.submitted_at.isoformat(),
                "outcome": o.outcome,
                "answer": o.answer,
            }
            for o in lodged
        ],
    }


def erase_personal_data(account: Any) -> None:
    """Forget the account here. The composition of a public body, the published candidates with
    their declarations and screening, the election ballots and the roll-call votes are public
    record (BG0060; Law 3852/2010 art. 76): they stay, under the name as published, without the
    link to the account. A nomination still in screening is withdrawn."""
    quiet = {"synchronize_session": False}
    db.session.execute(
        sa.update(Nomination)
        .where(Nomination.candidate_account_id == account.id, Nomination.status == NominationStatus.SUBMITTED)
        .values(status=NominationStatus.WITHDRAWN)
        .execution_options(**quiet)
    )
    for model, column in (
        (Member, Member.account_id),
        (Nomination, Nomination.candidate_account_id),
        (Nomination, Nomination.nominated_by_id),
        (Nomination, Nomination.screened_by_id),
        (Ballot, Ballot.cast_by_id),
        (Attendance, Attendance.recorded_by_id),
        (Vote, Vote.entered_by_id),
        (Opinion, Opinion.answered_by_id),
        (Objection, Objection.account_id),
        (Objection, Objection.answered_by_id),
    ):
        db.session.execute(
            sa.update(model).where(column == account.id).values({column.key: None}).execution_options(**quiet)
        )
    db.session.expire_all()
