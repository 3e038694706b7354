"""Fixtures for the surveys tests: a municipality with the plugin on, and surveys made through the
plugin's services (only ``core.toolkit`` and the kit, as a vendor's tests)."""

import datetime as dt

import pytest

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.surveys import services
from plugins.surveys.models import Kind


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    """These tests sign in without passwords: hash the accounts' passwords cheaply (restored after)."""
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(
        plugins=["surveys"], locale="el", locales=["el", "en", "bg", "ro"], timezone="Europe/Athens"
    )


#: (kind, prompt, extra) of the survey most tests use
QUESTIONS = [
    (Kind.SINGLE, "Do you use the community centre?", {"options": ["Yes", "No"], "required": True}),
    (Kind.LONG_TEXT, "Why not?", {"show_if": (0, "No"), "required": True}),
    (Kind.RATING5, "How satisfied are you?", {"required": True}),
    (Kind.MULTIPLE, "What do you need?", {"options": ["Transport", "Childcare"], "allow_other": True}),
    (
        Kind.LIKERT,
        "Do you agree?",
        {"options": ["Disagree", "Agree"], "rows": ["It is near", "It is open late"]},
    ),
    (Kind.RANKING, "Rank these", {"options": ["Parks", "Roads", "Schools"]}),
    (Kind.NUMBER, "How many children?", {"min_value": 0, "max_value": 20}),
    (Kind.DATE, "When did you last visit?", {}),
]


def make_survey(
    app,
    tenant,
    *,
    title="Community needs",
    opens=-dt.timedelta(days=1),
    closes=dt.timedelta(days=7),
    questions=QUESTIONS,
    **fields,
):
    """A published survey (window relative to now) with questions; returns ids by position."""
    fields.setdefault("published", True)
    fields.setdefault("audience", "members")
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow_aware()
        survey = services.save_survey(
            None, account=None, title=title, opens_at=now + opens, closes_at=now + closes, **fields
        )
        made = []
        for kind, prompt, extra in questions:
            extra = dict(extra)
            condition = extra.pop("show_if", None)
            if condition:
                extra["show_if_id"], extra["show_if_value"] = made[condition[0]].id, condition[1]
            made.append(services.save_question(survey, None, kind=kind, prompt=prompt, **extra))
        db.session.commit()
        ids = {"survey": survey.id, "questions": [q.id for q in made]}
        db.session.remove()
    return ids


def field(ids, index, suffix=""):
    return f"q-{ids['questions'][index]}{suffix}"


def bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}
