"""The demo seeds a solidarity market in each demo municipality, in its language, with an open
market day and a pre-order, and Sector 3's social grocery with eligible households, a referral
by the demo NGO and a donation."""

import sqlalchemy as sa

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.markets import grocery, services
from plugins.markets.models import Donation, EligibilityApplication, MarketDay, Order

EXPECTED = {
    "orestiada": ("Δημοτική Αλληλέγγυα Αγορά Ορεστιάδας", "Σπαράγγια"),
    "haskovo": ("Общински пазар на производителите – Хасково", "Липов мед"),
    "sector3": ("Piața solidară a Sectorului 3", "Cartofi"),
}


def test_demo_markets_in_three_languages(app, client_for):
    from core.tenancy import Tenant  # (test-only: the demo municipalities by slug)
    from tenants.demo import seed_demo  # the platform's demo seed (test-only import)

    with app.app_context():
        seed_demo()
        db.session.commit()
        slugs = dict(
            db.session.execute(sa.select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(EXPECTED))).all()
        )
        for slug, (title, product) in EXPECTED.items():
            with tenant_context(slugs[slug]):
                (day,) = db.session.execute(sa.select(MarketDay)).scalars()
                assert day.title == title
                assert services.window_open(day, utcnow_aware()), slug
                assert product in {v.product.name for v in services.offers_of(day)}
                assert db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one() == 1
        with tenant_context(slugs["sector3"]):
            statuses = sorted(db.session.execute(sa.select(EligibilityApplication.status)).scalars())
            assert statuses == ["approved", "approved", "submitted"]
            assert db.session.execute(sa.select(sa.func.count()).select_from(Donation)).scalar_one() == 3
            assert all(i.stock == 200 for i in grocery.items())
        db.session.remove()
    page = client_for("haskovo.localhost").get("/markets/").get_data(as_text=True)
    assert EXPECTED["haskovo"][0] in page and "Солидарен пазар" in page
