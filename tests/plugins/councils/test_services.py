"""The rules a municipality relies on: the seat plan and terms, the call's window in the
municipality's zone, nominations on behalf of organisations with the declaration, screening,
an election counted with its ties, quorum and conflicts in a roll call, answers to opinions."""

import datetime as dt
import zoneinfo

import pytest

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.councils import services
from plugins.councils.models import Choice, NominationStatus
from tests.plugins.councils.conftest import DECLARATION, make_organisation

SOFIA = zoneinfo.ZoneInfo("Europe/Sofia")


@pytest.fixture
def ctx(app, town):
    with app.app_context(), tenant_context(town.id):
        yield
        db.session.rollback()
        db.session.remove()


def _code(call):
    with pytest.raises(RuleViolation) as caught:
        call()
    return caught.value.code or caught.value.status


def test_the_seat_plan_limits_seats_and_the_composition_follows_the_dates(app, town, ctx):
    council = services.save_council(None, name="Youth council", seats={"citizen": (2, 1)}, term_months=12)
    start = dt.date(2026, 1, 1)
    ana = services.add_member(council, name="Ana", category="citizen", term_start=start)
    assert ana.term_end == dt.date(2026, 12, 31)  # the council's term length
    services.add_member(council, name="Boris", category="citizen", term_start=start)
    assert _code(
        lambda: services.add_member(council, name="Cveta", category="citizen", term_start=start)
    ) == ("no_free_seat")
    assert _code(lambda: services.add_member(council, name="Dora", category="expert", term_start=start)) == (
        "no_free_seat"
    )
    assert (
        _code(
            lambda: services.add_member(
                council, name="Dora", category="citizen", term_start=start, organisation_id=10**9
            )
        )
        == 409
    )
    alt = services.add_member(
        council, name="Emil", category="citizen", position="alternate", term_start=start
    )
    services.end_member(ana, on=dt.date(2026, 6, 1), reason="resigned")
    promoted = services.promote_alternate(alt, on=dt.date(2026, 6, 1))
    assert promoted.position == "member" and promoted.term_end == alt.term_end
    assert {m.name for m in services.composition(council, dt.date(2026, 5, 31))} == {"Ana", "Boris", "Emil"}
    june = services.composition(council, dt.date(2026, 6, 1))
    assert sorted((m.name, m.position) for m in june) == [("Boris", "member"), ("Emil", "member")]
    assert services.composition(council, dt.date(2027, 1, 1)) == []
    assert len(services.member_history(council)) == 4  # every term stays on record


def test_consecutive_terms_are_limited(app, town, ctx):
    council = services.save_council(
        None, name="Committee", seats={"expert": (1, 0)}, term_months=12, max_consecutive_terms=2
    )
    for year in (2024, 2025):
        services.add_member(council, name="Ivan Petrov", category="expert", term_start=dt.date(year, 1, 1))
    assert _code(
        lambda: services.add_member(
            council, name="ivan petrov", category="expert", term_start=dt.date(2026, 1, 1)
        )
    ) == ("term_limit")
    # after a break the count starts again
    services.add_member(council, name="Ivan Petrov", category="expert", term_start=dt.date(2027, 1, 1))


def test_quorum_by_majority_or_number(app, town, ctx):
    council = services.save_council(None, name="A", seats={"ngo": (5, 2), "expert": (2, 0)})
    assert services.quorum_needed(council) == 4  # 7 seats: a majority is 4; alternates do not count
    fixed = services.save_council(
        None, name="B", seats={"ngo": (9, 0)}, quorum_rule="number", quorum_number=3
    )
    assert services.quorum_needed(fixed) == 3


def test_the_call_window_is_open_from_opening_to_closing_in_the_municipalitys_zone(
    app, town, account_factory, ctx
):
    admin = account_factory(memberships={town: "member"})
    org = make_organisation(app, town, admin)
    council = services.save_council(None, name="Public council", seats={"ngo": (3, 0)})
    opens = dt.datetime(2030, 3, 1, 9, 0, tzinfo=SOFIA)
    closes = dt.datetime(2030, 3, 31, 17, 0, tzinfo=SOFIA)  # 17:00 in Haskovo is 15:00 UTC
    call = services.save_call(
        None,
        council,
        title="NGOs",
        category="ngo",
        seats=2,
        opens_at=opens,
        closes_at=closes,
        status="published",
    )
    assert call.closes_at.astimezone(dt.UTC).hour == 14  # summer time (EEST, UTC+3) from 30 March
    account = db.session.get(Account, admin.id)
    tick = dt.timedelta(microseconds=1)
    assert (
        _code(
            lambda: services.nominate(
                call, account, organisation_id=org, candidate_name="X", now=opens - tick
            )
        )
        == "call_not_open"
    )
    assert (
        _code(lambda: services.nominate(call, account, organisation_id=org, candidate_name="X", now=closes))
        == "call_not_open"
    )
    made = services.nominate(call, account, organisation_id=org, candidate_name="Mila", now=closes - tick)
    assert made.status == NominationStatus.SUBMITTED and made.declared_at is None


def test_only_an_admin_of_an_affiliated_organisation_nominates_once(app, town, account_factory, ctx):
    admin = account_factory(memberships={town: "member"})
    outsider = account_factory(memberships={town: "member"})
    pending_admin = account_factory(memberships={town: "member"})
    org = make_organisation(app, town, admin)
    pending = make_organisation(app, town, pending_admin, approved=False, name="Pending NGO")
    council = services.save_council(None, name="Public council", seats={"ngo": (3, 0)})
    now = services.utcnow_aware()
    call = services.save_call(
        None,
        council,
        title="NGOs",
        category="ngo",
        seats=2,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
        status="published",
    )
    get = lambda a: db.session.get(Account, a.id)  # noqa: E731
    assert (
        _code(lambda: services.nominate(call, get(outsider), organisation_id=org, candidate_name="X")) == 403
    )
    assert (
        _code(
            lambda: services.nominate(call, get(pending_admin), organisation_id=pending, candidate_name="X")
        )
        == 403
    )
    assert _code(lambda: services.nominate(call, get(outsider), organisation_id=None)) == "no_self_nomination"
    services.nominate(call, get(admin), organisation_id=org, candidate_name="Mila", declaration=DECLARATION)
    assert (
        _code(lambda: services.nominate(call, get(admin), organisation_id=org, candidate_name="Other"))
        == "already_nominated"
    )


def _election(app, town, account_factory, n_orgs=5, seats=2):
    """A closed election with three admitted candidates and ``n_orgs`` voting organisations."""
    now = services.utcnow_aware()
    admins = [account_factory(memberships={town: "member"}) for _ in range(n_orgs)]
    orgs = [make_organisation(app, town, a, name=f"NGO {i}") for i, a in enumerate(admins)]
    council = services.save_council(None, name="Elected council", seats={"ngo": (5, 0)})
    call = services.save_call(
        None,
        council,
        title="Election",
        category="ngo",
        seats=seats,
        method="election",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=1),
        voting_closes_at=now + dt.timedelta(days=5),
        status="published",
        objection_days=3,
    )
    staff = db.session.get(Account, admins[0].id)
    noms = []
    for i in range(3):
        nom = services.nominate(
            call,
            db.session.get(Account, admins[i].id),
            organisation_id=orgs[i],
            candidate_name=f"Candidate {i}",
            declaration=DECLARATION,
            now=now - dt.timedelta(days=5),
        )
        noms.append(nom)
    after_close = now + dt.timedelta(days=2)
    for nom in noms:
        services.screen(nom, admit=True, reason="Meets the criteria", staff=staff, now=after_close)
    return call, noms, admins, orgs, after_close


def test_an_election_is_counted_with_ties_broken_by_the_published_lot(app, town, account_factory, ctx):
    call, noms, admins, orgs, voting = _election(app, town, account_factory)
    a, b, c = (n.id for n in noms)
    ballots = {0: [a, b], 1: [a], 2: [b, c], 3: [c], 4: [a]}  # a: 3, b: 2, c: 2 (a tie for the second seat)
    for i, chosen in ballots.items():
        services.cast_ballot(
            call,
            db.session.get(Account, admins[i].id),
            organisation_id=orgs[i],
            nomination_ids=chosen,
            now=voting,
        )
    assert (
        _code(
            lambda: services.cast_ballot(
                call,
                db.session.get(Account, admins[4].id),
                organisation_id=orgs[4],
                nomination_ids=[b],
                now=voting,
            )
        )
        == "already_voted"
    )
    standings = services.count(call)
    assert [(s.nomination.id, s.votes) for s in standings][0] == (a, 3)
    tied = sorted([b, c], key=lambda n: services.lot(call.id, n))
    assert [s.nomination.id for s in standings[1:]] == tied and all(s.tied for s in standings[1:])
    # anyone can recount from the published ballots and the published lot rule
    import hashlib
    from collections import Counter

    published = Counter(x.nomination_id for x in services.ballots(call))
    recount = sorted(
        published, key=lambda n: (-published[n], hashlib.sha256(f"{call.id}:{n}".encode()).hexdigest())
    )
    assert recount == [s.nomination.id for s in standings]
    staff = db.session.get(Account, admins[0].id)
    assert _code(lambda: services.decide(call, reasoning="Counted", staff=staff, now=voting)) == "too_early"
    chosen = services.decide(call, reasoning="Counted", staff=staff, now=voting + dt.timedelta(days=4))
    assert [n.id for n in chosen] == [a, tied[0]]
    assert _code(lambda: services.seat_selected(call, now=voting + dt.timedelta(days=5))) == "objections_open"
    seated = services.seat_selected(call, now=voting + dt.timedelta(days=8))
    assert sorted(m.name for m in seated) == sorted(n.candidate_name for n in noms if n.id in (a, tied[0]))


def test_screening_needs_the_declaration_and_a_reason(app, town, account_factory, ctx):
    admin = account_factory(memberships={town: "member"})
    org = make_organisation(app, town, admin)
    council = services.save_council(None, name="C", seats={"ngo": (2, 0)})
    now = services.utcnow_aware()
    call = services.save_call(
        None,
        council,
        title="Call",
        category="ngo",
        seats=1,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=1),
        status="published",
    )
    person = db.session.get(Account, admin.id)
    nom = services.nominate(call, person, organisation_id=org, candidate_name="Mila")
    later = now + dt.timedelta(days=2)
    assert (
        _code(lambda: services.screen(nom, admit=True, reason="ok", staff=person, now=now))
        == "call_still_open"
    )
    assert _code(lambda: services.screen(nom, admit=True, reason="ok", staff=person, now=later)) == (
        "no_declaration"
    )
    assert _code(lambda: services.screen(nom, admit=False, reason="  ", staff=person, now=later)) == 409
    assert _code(
        lambda: services.declare(nom, person, roles="none", related_entities="", municipal_funding="x")
    ) == (409)
    services.declare(nom, person, **DECLARATION)
    services.screen(nom, admit=True, reason="Meets every criterion", staff=person, now=later)
    chosen = services.decide(
        call, reasoning="The mayor's order 12", staff=person, selected=[nom.id], now=later
    )
    assert [n.candidate_name for n in chosen] == ["Mila"] and call.status == "decided"


def _meeting(council, members_present):
    meeting = services.save_meeting(
        council, None, title="Session", starts_at=services.utcnow_aware(), items=["Budget", "Parks"]
    )
    services.record_attendance(meeting, {m.id for m in members_present}, by=None)
    return meeting, services.agenda(meeting)


def test_votes_need_quorum_presence_and_no_conflict(app, town, ctx):
    council = services.save_council(None, name="C", seats={"ngo": (5, 0)})
    start = services.local_today() - dt.timedelta(days=10)
    people = [services.add_member(council, name=f"M{i}", category="ngo", term_start=start) for i in range(5)]
    meeting, (budget, parks) = _meeting(council, people[:2])
    assert not services.quorum(meeting).reached  # 2 of 5, 3 needed
    assert _code(lambda: services.cast_vote(budget, people[0], Choice.FOR, by=None)) == "no_quorum"
    services.record_attendance(meeting, {m.id for m in people[:3]}, by=None)
    assert services.quorum(meeting).reached
    assert _code(lambda: services.cast_vote(budget, people[4], Choice.FOR, by=None)) == "not_present"
    services.declare_conflict(budget, people[2], reason="My NGO receives a grant in this budget")
    assert _code(lambda: services.cast_vote(budget, people[2], Choice.FOR, by=None)) == "conflict"
    services.cast_vote(parks, people[2], Choice.AGAINST, by=None)  # the conflict is on one item only
    services.cast_vote(budget, people[0], Choice.FOR, by=None)
    services.cast_vote(budget, people[1], Choice.ABSTAIN, by=None)
    assert _code(lambda: services.cast_vote(budget, people[1], Choice.FOR, by=None)) == "already_voted"
    assert services.tally(services.votes_of([budget.id])[budget.id]) == {"for": 1, "against": 0, "abstain": 1}
    opinion = services.issue_opinion(
        council,
        title="On the budget",
        text="We support it.",
        item_id=budget.id,
        issued_on=dt.date(2030, 1, 10),
    )
    assert (opinion.votes_for, opinion.votes_against, opinion.votes_abstain) == (1, 0, 1)
    assert opinion.answer_due == dt.date(2030, 2, 9)  # 30 days by default


def test_answers_are_due_and_overdue_ones_are_listed(app, town, ctx):
    council = services.save_council(None, name="C", seats={"ngo": (3, 0)})
    issued = dt.date(2030, 1, 1)
    late = services.issue_opinion(council, title="Late", text="t", issued_on=issued, answer_days=10)
    answered = services.issue_opinion(council, title="Answered", text="t", issued_on=issued, answer_days=10)
    services.answer_opinion(answered, answer="partly", reasoning="Half of it is in the budget.", by=None)
    assert not services.is_overdue(late, dt.date(2030, 1, 11))  # the due day itself is in time
    assert services.is_overdue(late, dt.date(2030, 1, 12))
    assert [o.title for o in services.list_opinions(overdue_only=True, today=dt.date(2030, 1, 12))] == [
        "Late"
    ]
    assert _code(lambda: services.answer_opinion(answered, answer="accepted", reasoning="x", by=None)) == (
        "already_answered"
    )
    assert _code(lambda: services.answer_opinion(late, answer="accepted", reasoning=" ", by=None)) == 409


def test_other_plugins_can_link_to_an_opinion(app, town, ctx):
    from core.toolkit import Reference, reference_link, resolve_references

    council = services.save_council(None, name="C", seats={"ngo": (3, 0)})
    opinion = services.issue_opinion(council, title="On the budget", text="t", issued_on=dt.date(2030, 1, 1))
    services.answer_opinion(opinion, answer="partly", reasoning="Some of it.", by=None)
    db.session.flush()
    ref = Reference("councils", "opinion", str(opinion.id))
    gone = Reference("councils", "opinion", "01932c4e-0000-7000-8000-000000000000")
    with app.test_request_context(headers={"Host": town.primary_host}):
        resolved = resolve_references([ref, gone], town)
        assert resolved[ref].url == f"/councils/opinions/{opinion.id}" and gone not in resolved
        assert "On the budget" in str(reference_link(ref, resolved=resolved))
