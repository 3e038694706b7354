"""Against PostgreSQL, each attempt in a transaction of its own, all released at once: two admins
of one organisation nominate at the same moment (one candidate stands), an organisation's ballot
is sent twice (counted once), a member's vote is sent twice (recorded once)."""

import datetime as dt
import threading

import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context, utcnow_aware
from plugins.councils import services
from plugins.councils.models import Ballot, Nomination, Vote
from tests.plugins.councils.conftest import DECLARATION, make_call, make_council, make_organisation


def _race(app, tenant, attempts):
    """Run each callable (given the session's objects) in its own thread and transaction."""
    start = threading.Barrier(len(attempts))
    outcomes = []

    def run(attempt):
        with app.app_context(), tenant_context(tenant.id):
            prepared = attempt()
            db.session.commit()
            start.wait(timeout=30)
            try:
                prepared()
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation as exc:
                db.session.rollback()
                outcomes.append(exc.code or str(exc.status))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def _count(app, tenant, model):
    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        db.session.remove()
    return n


def test_two_admins_nominate_for_one_organisation_at_once(app, town, account_factory):
    first = account_factory(memberships={town: "member"})
    second = account_factory(memberships={town: "member"})
    org = make_organisation(app, town, first)
    with app.app_context():
        from core.toolkit import OrganisationMember

        db.session.add(OrganisationMember(organisation_id=org, account_id=second.id, role="admin"))
        db.session.commit()
        db.session.remove()
    call = make_call(app, town, make_council(app, town)["council"])

    def attempt(person, name):
        def prepare():
            account, found = db.session.get(Account, person.id), services.get_call(call)
            return lambda: services.nominate(found, account, organisation_id=org, candidate_name=name)

        return prepare

    assert _race(app, town, [attempt(first, "A"), attempt(second, "B")]) == ["already_nominated", "ok"]
    assert _count(app, town, Nomination) == 1


def test_a_ballot_sent_twice_at_once_counts_once(app, town, account_factory):
    admins = [account_factory(memberships={town: "member"}) for _ in range(2)]
    orgs = [make_organisation(app, town, a, name=f"NGO {i}") for i, a in enumerate(admins)]
    council = make_council(app, town)["council"]
    with app.app_context(), tenant_context(town.id):
        now = utcnow_aware()
        call = services.save_call(
            None,
            services.get_council(council),
            title="Election",
            category="ngo",
            seats=1,
            method="election",
            opens_at=now - dt.timedelta(days=5),
            closes_at=now + dt.timedelta(minutes=1),
            voting_closes_at=now + dt.timedelta(days=5),
            status="published",
        )
        noms = [
            services.nominate(
                call,
                db.session.get(Account, a.id),
                organisation_id=o,
                candidate_name=f"C{i}",
                declaration=DECLARATION,
            )
            for i, (a, o) in enumerate(zip(admins, orgs, strict=True))
        ]
        for n in noms:
            services.screen(
                n,
                admit=True,
                reason="ok",
                staff=db.session.get(Account, admins[0].id),
                now=now + dt.timedelta(minutes=2),
            )
        db.session.commit()
        call_id, target = call.id, noms[1].id
        db.session.remove()
    voting = utcnow_aware() + dt.timedelta(minutes=2)

    def attempt():
        account, found = db.session.get(Account, admins[0].id), services.get_call(call_id)
        return lambda: services.cast_ballot(
            found, account, organisation_id=orgs[0], nomination_ids=[target], now=voting
        )

    assert _race(app, town, [attempt, attempt]) == ["already_voted", "ok"]
    assert _count(app, town, Ballot) == 1


def test_a_vote_sent_twice_at_once_is_recorded_once(app, town):
    ids = make_council(app, town, seats={"ngo": (1, 0)}, members=[("Ana", "ngo", "member", None)])
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]), None, title="S", starts_at=utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"]), by=None)
        item_id = services.agenda(meeting)[0].id
        db.session.commit()
        db.session.remove()

    def attempt():
        item, _m = services.get_item(item_id)
        member = services.get_member(ids["members"][0])
        return lambda: services.cast_vote(item, member, "for", by=None)

    assert _race(app, town, [attempt, attempt]) == ["already_voted", "ok"]
    assert _count(app, town, Vote) == 1


def test_a_member_pressing_vote_on_two_devices_at_once_votes_once(
    app, town, account_factory, tenant_client, sign_in
):
    """The member's own button, sent from a phone and a laptop at the same moment, over HTTP."""
    person = account_factory(memberships={town: "member"})
    ids = make_council(
        app,
        town,
        seats={"ngo": (1, 0)},
        members=[("Ana", "ngo", "member", person.id)],
    )
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]), None, title="S", starts_at=utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"]), by=None)
        item_id = services.agenda(meeting)[0].id
        db.session.commit()
        db.session.remove()
    devices = [sign_in(tenant_client(town), person) for _ in range(2)]
    start = threading.Barrier(2)
    statuses = []

    def press(client, choice):
        start.wait(timeout=30)
        statuses.append(client.post(f"/councils/items/{item_id}/votes", data={"choice": choice}).status_code)

    threads = [
        threading.Thread(target=press, args=(c, ch))
        for c, ch in zip(devices, ("for", "against"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [302, 409]
    assert _count(app, town, Vote) == 1
