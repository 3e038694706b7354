"""One answer per person or invitation under parallel submissions, against PostgreSQL: the same
person (a double click, two tabs) or the same invitation link submits from several threads at
once; one response is stored, the others are told they have answered."""

import threading

import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Invitation, Participation, Response
from tests.plugins.surveys.conftest import make_survey

ATTEMPTS = 6
QUESTION = [("rating5", "How was it?", {"required": True})]


def _race(app, tenant, survey_id, who_factory, typed):
    start = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []

    def attempt() -> None:
        with app.app_context(), tenant_context(tenant.id):
            survey = services.get_survey(survey_id)
            who = who_factory(survey)
            db.session.commit()  # the race starts with a fresh transaction
            start.wait(timeout=30)
            try:
                services.submit(survey, who, typed(survey))
                db.session.commit()
                outcomes.append("recorded")
            except RuleViolation as exc:
                db.session.rollback()
                outcomes.append(exc.code or str(exc.status))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def _typed(survey):
    (question,) = services.questions_of(survey)
    return {f"q-{question.id}": "4"}


def _count(app, tenant, model):
    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        db.session.remove()
    return n


def test_one_person_submitting_at_once_from_many_tabs_answers_once(app, town, account_factory):
    ids = make_survey(app, town, questions=QUESTION)
    person = account_factory(memberships={town: "member"}).id
    outcomes = _race(
        app, town, ids["survey"], lambda s: services.Respondent(db.session.get(Account, person)), _typed
    )
    assert sorted(outcomes) == ["answered"] * (ATTEMPTS - 1) + ["recorded"], outcomes
    assert _count(app, town, Response) == 1 and _count(app, town, Participation) == 1


def test_one_invitation_used_at_once_from_many_browsers_answers_once(app, town):
    ids = make_survey(app, town, questions=QUESTION, audience="invited")
    with app.app_context(), tenant_context(town.id):
        invitation = Invitation(survey_id=ids["survey"], email="ana@example.org", token_hash="x" * 64)
        db.session.add(invitation)
        db.session.commit()
        invitation_id = invitation.id
        db.session.remove()
    outcomes = _race(
        app,
        town,
        ids["survey"],
        lambda s: services.Respondent(None, services.invitation_for(s, invitation_id)),
        _typed,
    )
    assert outcomes.count("recorded") == 1, outcomes
    assert set(outcomes) <= {"recorded", "invitation_used", "answered"}, outcomes
    assert _count(app, town, Response) == 1
