"""Demonstration content for ``make demo``, from the source documents: in Haskovo a survey of the
NGOs' needs and attitudes with 60 answers and published results; in Sector 3 the satisfaction
survey after a workshop, closed, with its results; in Orestiada the needs assessment for its social action plan, open."""

import datetime as dt
import random

import sqlalchemy as sa

from core.toolkit import db, utcnow_aware
from plugins.surveys import services
from plugins.surveys.models import Kind, Response, Survey

PLAN = {
    # locale: (template, answers, days since it opened, days it stays open, results public)
    "bg": ("ngo_needs", 60, 20, 40, True),
    "ro": ("satisfaction", 24, 30, 14, True),
    "el": ("social_needs", 12, 3, 30, False),
}


def _fake_answer(rng: random.Random, questions) -> dict:
    clean: dict = {}
    for q in questions:
        key = str(q.id)
        if q.kind == Kind.SINGLE:
            clean[key] = rng.choices(q.options, weights=range(len(q.options), 0, -1))[0]
        elif q.kind == Kind.MULTIPLE:
            clean[key] = rng.sample(q.options, rng.randint(1, 2))
        elif q.kind == Kind.RATING5:
            clean[key] = rng.choices(range(1, 6), weights=(1, 2, 4, 6, 4))[0]
        elif q.kind == Kind.RATING10:
            clean[key] = rng.choices(range(0, 11), weights=(1, 1, 1, 2, 2, 4, 5, 7, 8, 5, 3))[0]
        elif q.kind == Kind.LIKERT:
            clean[key] = {row: rng.choices(q.options, weights=(1, 3, 4, 5, 2))[0] for row in q.rows}
        elif q.kind == Kind.RANKING:
            clean[key] = rng.sample(q.options, len(q.options))
        elif q.kind == Kind.NUMBER:
            clean[key] = rng.randint(5, 400)
    return clean


def seed(tenant) -> None:
    plan = PLAN.get(tenant.default_locale)
    if plan is None:
        return
    key, count, since, length, public = plan
    from plugins.surveys.starters import STARTERS, text

    title = text(STARTERS[key]["title"], tenant.default_locale)
    if db.session.execute(sa.select(Survey.id).where(Survey.title == title)).first() is not None:
        return  # seeded already
    now = utcnow_aware()
    opens = (now - dt.timedelta(days=since)).replace(minute=0, second=0, microsecond=0)
    survey = services.create_from_starter(
        key,
        tenant.default_locale,
        account=None,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=length),
        audience="public",
        published=True,
        results_public=public,
    )
    questions = services.questions_of(survey)
    rng = random.Random(f"{tenant.slug}-{key}")
    for i in range(count):
        typed = services.typed_from_clean(questions, _fake_answer(rng, questions))
        answers = services.validate_answers(questions, typed)
        db.session.add(
            Response(
                survey_id=survey.id,
                answers=answers,
                submitted_at=opens + dt.timedelta(hours=3 + i * (min(since, length) * 24 - 6) / count),
            )
        )
    db.session.flush()
