"""Capacity under concurrency, against PostgreSQL: many people sign up for the same shift at the
same moment, each in a transaction of their own; never more sign-ups than places."""

import datetime as dt
import threading

import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.volunteers import services
from plugins.volunteers.models import Signup, SignupStatus
from tests.plugins.volunteers.conftest import make_task

PLACES = 3
PEOPLE = 10


def _race(app, tenant, shift_id, account_ids):
    """Each account signs up from a thread of its own, all released at once; the outcomes."""
    start = threading.Barrier(len(account_ids))
    outcomes: dict[int, str] = {}

    def attempt(account_id: int) -> None:
        with app.app_context(), tenant_context(tenant.id):
            account = db.session.get(Account, account_id)
            db.session.commit()  # the account is read; the race starts with a fresh transaction
            start.wait(timeout=30)
            try:
                services.sign_up(shift_id, account)
                db.session.commit()
                outcomes[account_id] = "signed_up"
            except RuleViolation as exc:
                db.session.rollback()
                outcomes[account_id] = exc.code or str(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in account_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_parallel_sign_ups_never_take_more_than_the_places(app, town, account_factory):
    shift = make_task(app, town, shifts=[(dt.timedelta(days=2), PLACES)])["shifts"][0]
    people = [account_factory(name=f"Racer {i}", memberships={town: "member"}).id for i in range(PEOPLE)]
    outcomes = _race(app, town, shift, people)
    assert len(outcomes) == PEOPLE, outcomes
    assert sorted(outcomes.values()).count("signed_up") == PLACES, outcomes
    assert set(outcomes.values()) == {"signed_up", "shift_full"}, outcomes
    with app.app_context(), tenant_context(town.id):
        held = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Signup)
            .where(Signup.shift_id == shift, Signup.status == SignupStatus.SIGNED_UP)
        ).scalar_one()
        db.session.remove()
    assert held == PLACES


def test_the_same_person_twice_at_once_holds_one_place(app, town, account_factory):
    """A double click: two sign-ups of one person race; one wins, the other is told so."""
    shift = make_task(app, town, shifts=[(dt.timedelta(days=2), 5)])["shifts"][0]
    person = account_factory(memberships={town: "member"}).id
    start = threading.Barrier(2)
    results = []

    def attempt() -> None:
        with app.app_context(), tenant_context(town.id):
            account = db.session.get(Account, person)
            db.session.commit()
            start.wait(timeout=30)
            try:
                services.sign_up(shift, account)
                db.session.commit()
                results.append("signed_up")
            except RuleViolation as exc:
                db.session.rollback()
                results.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["already_signed_up", "signed_up"]
