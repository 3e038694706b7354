"""Fixtures for the councils tests: a municipality with the plugin on, a council with a seat plan,
and organisations with an admin, all made through the plugin's services."""

import datetime as dt

import pytest

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    db,
    tenant_context,
    utcnow_aware,
)
from plugins.councils import services

API = "/api/v1/councils"


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(
        plugins=["councils"], locale="bg", locales=["bg", "en", "el", "ro"], timezone="Europe/Sofia"
    )


def make_council(app, tenant, *, name="Public Council", seats=None, members=(), **extra):
    """A council (seats: category -> (seats, alternates)) with members seated 30 days ago
    (``members``: (name, category, position, account_id)); returns ids."""
    with app.app_context(), tenant_context(tenant.id):
        council = services.save_council(
            None, name=name, seats=seats or {"ngo": (3, 1), "expert": (2, 0)}, **extra
        )
        start = services.local_today() - dt.timedelta(days=30)
        made = [
            services.add_member(council, name=n, category=c, position=p, term_start=start, account_id=a).id
            for n, c, p, a in members
        ]
        db.session.commit()
        ids = {"council": council.id, "members": made}
        db.session.remove()
    return ids


def make_call(app, tenant, council_id, *, opens=-1, closes=10, **extra):
    """A published call, ``opens``/``closes`` days from now."""
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow_aware()
        call = services.save_call(
            None,
            services.get_council(council_id),
            title=extra.pop("title", "Call for NGO representatives"),
            category=extra.pop("category", "ngo"),
            seats=extra.pop("seats", 2),
            opens_at=now + dt.timedelta(days=opens),
            closes_at=now + dt.timedelta(days=closes),
            status="published",
            **extra,
        )
        db.session.commit()
        call_id = call.id
        db.session.remove()
    return call_id


def make_organisation(app, tenant, admin, *, approved=True, name="Green Haskovo"):
    with app.app_context():
        org = Organisation(name=name, kind="ngo")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=admin.id, role="admin"))
        with tenant_context(tenant.id):
            status = AffiliationStatus.APPROVED if approved else AffiliationStatus.PENDING
            db.session.add(Affiliation(organisation_id=org.id, status=status.value, requested_by_id=admin.id))
            db.session.flush()
        db.session.commit()
        org_id = org.id
        db.session.remove()
    return org_id


DECLARATION = {"roles": "none", "related_entities": "none", "municipal_funding": "none"}


def bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}


@pytest.fixture
def ranked_call(app, town, account_factory):
    """A closed ranked-choice election, one seat, three admitted candidates, five organisations."""
    admins = [account_factory(memberships={town: "member"}, locale="en") for _ in range(5)]
    orgs = [make_organisation(app, town, a, name=f"NGO {i}") for i, a in enumerate(admins)]
    with app.app_context(), tenant_context(town.id):
        now = services.utcnow_aware()
        council = services.save_council(None, name="Youth council", seats={"ngo": (3, 0)})
        call = services.save_call(
            None,
            council,
            title="Election",
            category="ngo",
            seats=1,
            method="election",
            voting_method="ranked",
            opens_at=now - dt.timedelta(days=10),
            closes_at=now - dt.timedelta(days=2),
            voting_closes_at=now + dt.timedelta(days=5),
            status="published",
            objection_days=0,
        )
        noms = [
            services.nominate(
                call,
                db.session.get(Account, admins[i].id),
                organisation_id=orgs[i],
                candidate_name=f"Candidate {'ABC'[i]}",
                declaration=DECLARATION,
                now=now - dt.timedelta(days=5),
            )
            for i in range(3)
        ]
        for n in noms:
            services.screen(n, admit=True, reason="ok", staff=db.session.get(Account, admins[0].id), now=now)
        db.session.commit()
        out = {"call": call.id, "noms": [n.id for n in noms], "admins": admins, "orgs": orgs}
        db.session.remove()
    return out
