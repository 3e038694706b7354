"""The demo seeds a council in each demo municipality's language: Haskovo's with a completed
selection (the demo NGO's candidate seated), a held meeting and an opinion; Sector 3's call open."""

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.councils import documents, services

EXPECTED = {
    "orestiada": "Δημοτική Επιτροπή Διαβούλευσης Δήμου Ορεστιάδας",
    "haskovo": "Обществен съвет към кмета на община Хасково",
    "sector3": "Consiliul consultativ pentru economie socială al Sectorului 3",
}


def test_demo_councils_in_three_languages(app, client_for):
    from core.tenancy import Tenant  # (test-only: the demo municipalities by slug)
    from tenants.demo import seed_demo  # the platform's demo seed (test-only import)

    with app.app_context():
        seed_demo()
        db.session.commit()
        slugs = dict(
            db.session.execute(sa.select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(EXPECTED))).all()
        )
        for slug, name in EXPECTED.items():
            with tenant_context(slugs[slug]):
                (council,) = [c for c in services.list_councils() if c.name == name]
                assert services.list_opinions(council), slug
                (founding,) = documents.documents_of(council, founding=True)
                assert founding.content_type == "application/pdf" and founding.content.startswith(b"%PDF-")
                phases = {services.call_phase(c) for c in services.list_calls(council)}
                if slug == "sector3":
                    assert phases == {"open"}
                else:
                    assert phases == {"decided"}
                    names = {m.name for m in services.composition(council)}
                    assert "Maria Ivanova" in names, (slug, names)
        db.session.remove()
    page = client_for("haskovo.localhost").get("/councils/").get_data(as_text=True)
    assert EXPECTED["haskovo"] in page and "Съвети и комисии" in page
