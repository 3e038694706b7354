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


def test_make_demo_shows_the_registry_in_three_languages(make_app, tmp_path):
    """The real demo on SQLite (as ``make demo`` runs it): entries in each municipality's
    language and an aggregate run over the three countries for the observatory."""
    from core.tenancy import Tenant  # the test reads the core's table, as the demo test does

    lite = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db",
        MIGRATIONS_DATABASE_URI=None,
        APP_DB_ROLE=None,
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    result = lite.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, (result.output, result.exception)
    with lite.app_context():
        names = {}
        for slug, tenant_id in db.session.execute(sa.select(Tenant.slug, Tenant.id)).all():
            with tenant_context(tenant_id):
                names[slug] = db.session.execute(sa.select(Entry.name)).scalars().all()
        run = aggregates.latest_run()
        countries = {a for a, _n in aggregates.areas(run.id, "country")}
        db.session.remove()
    assert any("Ορεστιάδας" in n for n in names["orestiada"])
    assert any("Хасково" in n for n in names["haskovo"])
    assert any("Sector 3" in n for n in names["sector3"])
    assert countries == {"EL", "BG", "RO"}
