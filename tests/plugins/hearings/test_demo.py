"""The demo seeds hearings content in each demo municipality, in its language."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant
from plugins.hearings.models import Comment, Consultation, Meeting, Programme


def test_demo_content_in_three_languages(app, client_for):
    from tenants.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        tenants = {t.slug: t.id for t in db.session.execute(sa.select(Tenant)).scalars()}
        with tenant_context(tenants["orestiada"]):
            (c,) = db.session.execute(sa.select(Consultation)).scalars()
            assert c.status == "open" and "Κοινωνική Ένταξη" in c.title
            orgs = {cm.organisation_name for cm in db.session.execute(sa.select(Comment)).scalars()}
            assert "Solidarity Network Balkans" in orgs
        with tenant_context(tenants["haskovo"]):
            kinds = {m.kind for m in db.session.execute(sa.select(Meeting)).scalars()}
            assert kinds == {"forum", "hearing"}
        with tenant_context(tenants["sector3"]):
            (p,) = db.session.execute(sa.select(Programme)).scalars()
            workshops = (
                db.session.execute(sa.select(Meeting).where(Meeting.programme_id == p.id)).scalars().all()
            )
            assert len(workshops) == 4 and all(m.capacity for m in workshops)
        db.session.remove()
    page = client_for("sector3.localhost").get(f"/hearings/programmes/{p.id}").get_data(as_text=True)
    assert "Atelier: bugetare participativă" in page
