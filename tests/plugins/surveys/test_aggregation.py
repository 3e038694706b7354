"""On PostgreSQL the results are grouped by the database (``jsonb_each``), not counted in Python:
they must be the very counts the Python pass gives (the demo's SQLite still uses it), for every
question type, "other" answers, conditions, moderation and the listing limit of written answers;
and the statements must not grow with the answers."""

import random

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from core.toolkit import db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Kind, Response
from tests.plugins.surveys.conftest import QUESTIONS, make_survey

EVERY = QUESTIONS + [
    (Kind.SINGLE, "Where do you live?", {"options": ["Centre", "Village"], "allow_other": True}),
    (Kind.RATING10, "Would you recommend it?", {}),
    (Kind.SHORT_TEXT, "One word", {}),
]


@pytest.fixture
def ctx(app, town):
    with app.app_context(), tenant_context(town.id):
        yield
        db.session.rollback()
        db.session.remove()


def _answers(rng: random.Random, qs) -> dict:
    by = {q.prompt: str(q.id) for q in qs}
    out = {}
    out[by["Do you use the community centre?"]] = rng.choice(["Yes", "No"])
    if out[by["Do you use the community centre?"]] == "No":
        out[by["Why not?"]] = rng.choice(["Too far", "Closed at night", "Too far"])
    out[by["How satisfied are you?"]] = rng.randint(1, 5)
    if rng.random() < 0.8:
        out[by["What do you need?"]] = rng.sample(
            ["Transport", "Childcare", "Bikes", "Shade"], rng.randint(1, 3)
        )
    out[by["Do you agree?"]] = {
        r: rng.choice(["Disagree", "Agree"]) for r in ("It is near", "It is open late")
    }
    out[by["Rank these"]] = rng.sample(["Parks", "Roads", "Schools"], 3)
    if rng.random() < 0.5:
        out[by["How many children?"]] = rng.choice([0, 1, 2, 2.5, 7])
    out[by["When did you last visit?"]] = rng.choice(["2026-01-02", "2026-03-04"])
    out[by["Where do you live?"]] = rng.choice(["Centre", "Village", "Up the hill", "Κάτω Πόλη"])
    out[by["Would you recommend it?"]] = rng.randint(0, 10)
    if rng.random() < 0.7:
        out[by["One word"]] = rng.choice(["ok", "=SUM(A1)", "καλό", 'he said "yes"'])
    return out


def _plain(tally) -> dict:
    return {
        "total": tally.total,
        "counts": {k: dict(v) for k, v in tally.counts.items() if v},
        "answered": dict(tally.answered),
        "sums": {k: pytest.approx(v) for k, v in tally.sums.items()},
        "texts": {k: [(t.response_id, t.text, t.published) for t in v] for k, v in tally.texts.items() if v},
        "written": dict(tally.written),
    }


def test_the_database_counts_exactly_what_python_counts(app, town, ctx, monkeypatch):
    ids = make_survey(app, town, questions=EVERY)
    survey = services.get_survey(ids["survey"])
    qs = [q for q in services.questions_of(survey) if q.kind != Kind.SECTION]
    rng = random.Random(18)
    for _ in range(120):
        db.session.add(Response(survey_id=survey.id, answers=_answers(rng, qs)))
    db.session.flush()
    one_word = next(q for q in qs if q.prompt == "One word")
    written = db.session.execute(sa.select(Response.id, Response.answers)).all()
    for response_id, answers in written[:9]:
        if str(one_word.id) in answers:
            services.publish_text(survey, response_id, one_word.id, publish=True)
    monkeypatch.setattr(services, "TEXTS_LISTED", 7)  # the page lists a few; all are counted
    shown = services.published_texts(survey)
    assert shown
    for public in (False, True):
        by_sql = services._tally_sql(qs, survey, shown, public)
        by_python = services._tally_python(qs, survey, shown, public)
        assert _plain(by_sql) == _plain(by_python), public
        assert by_sql.total == 120
        assert by_sql.written[str(one_word.id)] > 7 if not public else by_sql.written[str(one_word.id)] <= 9
        assert all(len(v) <= 7 for v in by_sql.texts.values())
    other = next(q for q in qs if q.prompt == "Where do you live?")
    assert by_sql.counts[str(other.id)][services.OTHER] > 0  # answers outside the options: "other"


def _count(fn) -> int:
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_results_and_the_cross_table_take_the_same_statements_for_5_or_500_answers(app, town, ctx):
    ids = make_survey(app, town, questions=EVERY)
    survey = services.get_survey(ids["survey"])
    qs = [q for q in services.questions_of(survey) if q.kind != Kind.SECTION]
    single, rating = str(qs[0].id), str(qs[2].id)
    rng = random.Random(5)
    counts = []
    for n in (5, 500):
        db.session.execute(sa.delete(Response).where(Response.survey_id == survey.id))
        db.session.execute(
            sa.insert(Response),
            [
                {
                    "tenant_id": town.id,
                    "survey_id": survey.id,
                    "answers": _answers(rng, qs),
                    "id": services.uuid.uuid4(),
                }
                for _ in range(n)
            ],
        )
        db.session.expire_all()
        counts.append(
            (
                _count(lambda: services.results(survey, public=False)),
                _count(lambda: services.results(survey, public=True)),
                _count(lambda: services.crosstab(survey, single, rating, public=True)),
            )
        )
        table = services.crosstab(survey, single, rating, public=False)
        assert table.total == n and sum(map(sum, table.cells)) == n
    assert counts[0] == counts[1], counts


def test_results_kept_between_requests_follow_every_new_answer_publication_and_question(app, town, ctx):
    ids = make_survey(app, town, questions=[QUESTIONS[0], (Kind.SHORT_TEXT, "An idea?", {})])
    survey = services.get_survey(ids["survey"])
    single, idea = (str(i) for i in ids["questions"])
    for i in range(6):
        db.session.add(Response(survey_id=survey.id, answers={single: "Yes", idea: f"Idea {i}"}))
    db.session.flush()
    total, staff = services.results(survey, public=False)
    assert total == 6 and [b.count for b in staff[0].bars] == [6, 0]
    assert _count(lambda: services.results(survey, public=False)) < _count(
        lambda: services.results(survey, public=True)
    )  # the second reading is kept; the public view is a tally of its own
    db.session.add(Response(survey_id=survey.id, answers={single: "No"}))
    db.session.flush()
    total, staff = services.results(survey, public=False)
    assert total == 7 and [b.count for b in staff[0].bars] == [6, 1]
    _total, public = services.results(survey, public=True)
    assert public[1].texts == []
    services.publish_text(survey, staff[1].texts[2].response_id, idea, publish=True)
    _total, public = services.results(survey, public=True)
    assert [str(t) for t in public[1].texts] == ["Idea 2"]
    question = services.get_question(survey, ids["questions"][0])
    services.save_question(
        survey, question, kind=Kind.SINGLE, prompt=question.prompt, options=["Yes", "Maybe"]
    )
    _total, staff = services.results(survey, public=False)
    assert [(b.label, b.count) for b in staff[0].bars] == [("Yes", 6), ("Maybe", 0), (services.OTHER, 1)]
