"""The demo seeds volunteering in each demo municipality, in its language, with sign-ups (one on
behalf of the demo NGO) and hours already recorded."""

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context
from plugins.volunteers import services
from plugins.volunteers.models import Task

EXPECTED = {
    "orestiada": "Διανομή τροφίμων στο Κοινωνικό Παντοπωλείο",
    "haskovo": "Раздаване на храна в Социалния магазин",
    "sector3": "Distribuire de alimente la Magazinul social",
}


def test_demo_tasks_in_three_languages(app, client_for):
    from core.tenancy import Tenant  # (test-only: the demo municipalities by slug)
    from tenants.demo import seed_demo  # the platform's demo seed (test-only import)

    with app.app_context():
        seed_demo()  # a no-op when another test of this session seeded it already
        db.session.commit()
        slugs = dict(
            db.session.execute(sa.select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(EXPECTED))).all()
        )
        ngo = db.session.execute(sa.select(Account).where(Account.email == "ngo@example.org")).scalar_one()
        for slug, title in EXPECTED.items():
            with tenant_context(slugs[slug]):
                titles = set(db.session.execute(sa.select(Task.title)).scalars())
                assert title in titles, (slug, titles)
                history = services.history(ngo)
                assert history["total_hours"] > 0, slug
                assert any(r.organisation == "Solidarity Network Balkans" for r in history["rows"]), slug
        db.session.remove()
    page = client_for("haskovo.localhost").get("/volunteers/").get_data(as_text=True)
    assert EXPECTED["haskovo"] in page and "Доброволчество" in page
