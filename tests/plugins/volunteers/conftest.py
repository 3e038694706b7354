"""Fixtures for the volunteers tests: a municipality with the plugin on, and tasks with shifts
made through the plugin's services (only ``core.toolkit`` and the kit, as a vendor's tests)."""

import datetime as dt

import pytest

from core.toolkit import (
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    db,
    tenant_context,
    utcnow_aware,
)
from plugins.volunteers import services


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
        plugins=["volunteers"], locale="el", locales=["el", "en", "bg", "ro"], timezone="Europe/Athens"
    )


def make_task(
    app, tenant, *, title="Food bank", status="published", shifts=((dt.timedelta(days=2), 3),), **extra
):
    """A task with shifts (start from now, places) made through the services; returns the ids."""
    with app.app_context(), tenant_context(tenant.id):
        task = services.save_task(
            None,
            account=None,
            title=title,
            status=status,
            place=extra.pop("place", "Town hall"),
            skills=extra.pop("skills", ["first aid"]),
            description=extra.pop("description", "Help **us**."),
        )
        now = utcnow_aware()
        made = [
            services.save_shift(
                task, None, starts_at=now + start, ends_at=now + start + dt.timedelta(hours=3), capacity=n
            )
            for start, n in shifts
        ]
        db.session.commit()
        ids = {"task": task.id, "shifts": [s.id for s in made]}
        db.session.remove()
    return ids


def make_organisation(app, tenant, member, *, approved=True, name="Red Cross Orestiada"):
    """An organisation with ``member`` in it, affiliated with ``tenant`` (approved or pending)."""
    with app.app_context():
        org = Organisation(name=name, kind="ngo")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=member.id, role="member"))
        with tenant_context(tenant.id):
            status = AffiliationStatus.APPROVED if approved else AffiliationStatus.PENDING
            db.session.add(
                Affiliation(organisation_id=org.id, status=status.value, requested_by_id=member.id)
            )
            db.session.flush()
        db.session.commit()
        org_id = org.id
        db.session.remove()
    return org_id


def bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}
