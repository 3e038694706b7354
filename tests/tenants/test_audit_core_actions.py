"""Administrative actions taken in the core reach the audit log kept by ``tenants`` (hook)."""

import sqlalchemy as sa

from core.accounts.models import Affiliation, Organisation
from core.db import tenant_context
from core.extensions import db
from tenants.models import AuditEvent


def test_affiliation_decision_is_audited_with_actor_and_municipality(
    app, tenant_factory, account_factory, tenant_client, sign_in
):
    tenant = tenant_factory()
    admin = account_factory()
    municipality_admin = account_factory(memberships={tenant: "admin"})
    with app.app_context():
        org = Organisation(name="River Friends")
        db.session.add(org)
        db.session.flush()
        with tenant_context(tenant.id):
            affiliation = Affiliation(organisation_id=org.id, requested_by_id=admin.id)
            db.session.add(affiliation)
            db.session.flush()
            affiliation_id, org_id = affiliation.id, org.id
        db.session.commit()

    client = sign_in(tenant_client(tenant), municipality_admin)
    response = client.post(f"/admin/affiliations/{affiliation_id}/reject")
    assert response.status_code == 302

    with app.app_context():
        events = (
            db.session.execute(
                sa.select(AuditEvent).where(
                    AuditEvent.subject_tenant_id == tenant.id, AuditEvent.action.like("affiliation.%")
                )
            )
            .scalars()
            .all()
        )
        assert [(e.action, e.actor_id, e.details) for e in events] == [
            ("affiliation.rejected", municipality_admin.id, {"organisation_id": org_id})
        ]
        assert events[0].ip == "127.0.0.1"
        db.session.remove()

    # deciding the same again changes nothing and records nothing
    client.post(f"/admin/affiliations/{affiliation_id}/reject")
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.subject_tenant_id == tenant.id, AuditEvent.action.like("affiliation.%"))
        ).scalar_one()
        db.session.remove()
    assert count == 1
