"""Fixtures for the markets tests: a municipality with the plugin on, an approved producer with
products, and an open market day with slots and offers, made through the plugin's services."""

import datetime as dt

import pytest

from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.markets import services
from plugins.markets.models import DayStatus


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(
        plugins=["markets"], locale="el", locales=["el", "en", "bg", "ro"], timezone="Europe/Athens"
    )


def make_producer(
    app, tenant, account, *, name="Αγρόκτημα Βύσσας", approved=True, products=(("Σπαράγγια", "kg", "6.50"),)
):
    """An (approved) producer of ``account`` with products; returns the ids."""
    with app.app_context(), tenant_context(tenant.id):
        person = db.session.get(Account, account.id)
        producer = services.apply_producer(person, name=name, area="Έβρος")
        if approved:
            services.decide_producer(producer, None, status="approved", reason="")
        made = [services.save_product(producer, None, name=n, unit=u, price=p) for n, u, p in products]
        db.session.commit()
        ids = {"producer": producer.id, "products": [p.id for p in made]}
        db.session.remove()
    return ids


def make_day(
    app,
    tenant,
    product_ids,
    *,
    stock=10,
    slots=(5,),
    opens=-dt.timedelta(hours=1),
    closes=dt.timedelta(days=1),
    title="Λαϊκή Ορεστιάδας",
):
    """A published market day, its window around now, with slots (capacities) and one offer of
    ``stock`` per product; returns the ids."""
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow_aware()
        day = services.save_market_day(
            None,
            title=title,
            day_date=(now + dt.timedelta(days=3)).date(),
            opens_at=now + opens,
            closes_at=now + closes,
            place="Πλατεία",
            status=DayStatus.PUBLISHED,
        )
        made = [
            services.save_slot(
                day,
                None,
                starts_at=now + dt.timedelta(days=3, hours=i),
                ends_at=now + dt.timedelta(days=3, hours=i + 1),
                capacity=c,
            )
            for i, c in enumerate(slots)
        ]
        offers = [services.set_offer(day, services.get_product(p), stock) for p in product_ids]
        db.session.commit()
        ids = {"day": day.id, "slots": [s.id for s in made], "offers": [o.id for o in offers]}
        db.session.remove()
    return ids


def bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}
