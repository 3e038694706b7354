"""The demo seeds each municipality in its language, once, and leaves an aggregate run that
the observatory shows."""

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.registry import aggregates, demo
from plugins.registry.models import Entry, EntryVersion


def test_demo_seeds_in_each_language_once(app, tenant_factory, account_factory):
    made = {}
    for locale, country in (("el", "GR"), ("bg", "BG"), ("ro", "RO")):
        town = tenant_factory(plugins=["registry"], locale=locale, country=country)
        account_factory(memberships={town: "admin"})
        with app.app_context(), tenant_context(town.id):
            demo.seed(town)
            db.session.commit()  # the aggregate run it queued runs after this commit
            demo.seed(town)  # idempotent
            db.session.commit()
            made[locale] = db.session.execute(sa.select(Entry.name)).scalars().all()
            assert db.session.execute(sa.select(sa.func.count()).select_from(EntryVersion)).scalar() == len(
                made[locale]
            )
            db.session.remove()
    assert any("Ορεστιάδας" in n for n in made["el"]) and len(made["el"]) == 7
    assert any("Хасково" in n for n in made["bg"])
    assert any("Sector 3" in n for n in made["ro"])
    with app.app_context():
        run = aggregates.latest_run()
        assert {a for a, _n in aggregates.areas(run.id, "country")} >= {"EL", "BG", "RO"}
        db.session.remove()
