"""Fixtures for the hearings tests: two municipalities with the plugin on, people in each role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.consultations.services import articles_of, save_consultation
from plugins.hearings.meetings.services import save_meeting
from plugins.hearings.models import Consultation, Meeting


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    """These tests never sign in with a password: hash the test accounts' passwords cheaply
    (argon2id with minimal cost; ~1 s less per account on a shared CPU), restored afterwards."""
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


class World:
    """Two municipalities with hearings on; people in each role, created when first used
    (hashing a password is the slow part of a test's set-up)."""

    ROLES = {
        "admin": ("Ada Admin", "admin"),
        "staff": ("Stavros Staff", "staff"),
        "moderator": ("Maria Moderator", "moderator"),
        "member": ("Nikos Member", "member"),
        "outsider": ("Olga Outsider", None),  # an account with no membership in the tenant
    }

    def __init__(self, tenant: Any, other: Any, account_factory: Any):
        self.tenant, self.other, self._factory, self._made = tenant, other, account_factory, {}

    def __getattr__(self, name: str) -> Any:
        if name not in World.ROLES:
            raise AttributeError(name)
        if name not in self._made:
            display, role = World.ROLES[name]
            memberships = (
                {self.tenant: role, self.other: role}
                if role in ("staff", "member")
                else ({self.tenant: role} if role else {})
            )
            self._made[name] = self._factory(name=display, memberships=memberships)
        return self._made[name]


def set_hearings_settings(app, tenant, **values) -> None:
    """Save hearings settings of ``tenant`` (committed), over what it has."""
    from core.plugin_state import plugin_settings, set_plugin_settings

    with app.app_context():
        current = dict(plugin_settings("hearings", tenant.id))
        set_plugin_settings(tenant.id, "hearings", {**current, **values})
        db.session.commit()
        db.session.remove()


@pytest.fixture
def world(app, tenant_factory, account_factory) -> World:
    """Two Greek municipalities (the rules of the law tests are elsewhere): their shortest
    consultation is one day, so these tests choose their windows freely."""
    tenant = tenant_factory(plugins=["hearings"], timezone="Europe/Athens")
    other = tenant_factory(plugins=["hearings"], timezone="Europe/Bucharest")
    for t in (tenant, other):
        set_hearings_settings(app, t, consultation_minimum_days=1)
    return World(tenant, other, account_factory)


DRAFT = """Preamble of the plan.

## Article 1. Purpose

The plan sets out **social action** for 2027.

## Article 2. Measures

1. Soup kitchen
2. Home help
"""


def make_consultation(
    app,
    tenant,
    *,
    status: str = "open",
    opens_in: dt.timedelta = dt.timedelta(days=-1),
    closes_in: dt.timedelta = dt.timedelta(days=7),
    title: str = "Local social action plan",
    draft: str = DRAFT,
) -> dict[str, Any]:
    """A consultation made through the services, its window set as given whatever the rule set
    (the law's own tests go through the services); returns its id and article ids."""
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow()
        c = save_consultation(
            None,
            account=None,
            title=title,
            summary="Summary",
            tags="social, plan",
            opens_at=None,
            closes_at=None,
            draft=draft,
        )
        c.opens_at, c.closes_at = now + opens_in, now + closes_in
        c.status = status
        db.session.commit()
        articles = [a.id for a in articles_of(c)]
        cid = c.id
        db.session.remove()
    return {"id": cid, "articles": articles}


def make_meeting(app, tenant, *, capacity: int | None = 2, starts_in=dt.timedelta(days=3), **extra) -> Any:
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow()
        m = save_meeting(
            None,
            kind=extra.pop("kind", "workshop"),
            title=extra.pop("title", "Workshop on home help"),
            description=extra.pop("description", ""),
            starts_at=now + starts_in,
            ends_at=now + starts_in + dt.timedelta(hours=2),
            place=extra.pop("place", "Town hall, room 2"),
            online_url="",
            capacity=capacity,
            registration_opens_at=extra.pop("registration_opens_at", None),
            registration_closes_at=extra.pop("registration_closes_at", None),
            agenda=extra.pop("agenda", "1. Welcome\n2. Discussion"),
            **extra,
        )
        db.session.commit()
        mid = m.id
        db.session.remove()
    return mid


def load(app, tenant, model, id_):
    with app.app_context(), tenant_context(tenant.id):
        obj = db.session.get(model, (tenant.id, id_))
        db.session.expunge(obj)
        db.session.remove()
    return obj


__all__ = ["Consultation", "Meeting", "World", "load", "make_consultation", "make_meeting"]
