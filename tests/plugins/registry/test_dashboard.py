"""The NGO dashboard on the apex: the organisation's entries in every municipality, with the
years whose figures are still due."""

import datetime as dt

from core.toolkit import Affiliation, AffiliationStatus, db, tenant_context
from plugins.registry import services
from tests.plugins.registry.conftest import ENTRY, LAST_YEAR, Who, make_organisation


def test_the_ngo_dashboard_lists_entries_and_due_figures_across_municipalities(
    app, tenant_factory, account_factory, apex_client, sign_in
):
    one = tenant_factory(plugins=["registry"], locale="el", name="Δήμος Ένα")
    two = tenant_factory(plugins=["registry"], locale="el", name="Δήμος Δύο")
    admin = account_factory(memberships={one: "member", two: "member"})
    staff_one = account_factory(memberships={one: "staff"})
    org_id = make_organisation(app, one, admin)
    with app.app_context():
        with tenant_context(two.id):
            db.session.add(
                Affiliation(
                    organisation_id=org_id, status=AffiliationStatus.APPROVED.value, requested_by_id=admin.id
                )
            )
            db.session.flush()
        db.session.commit()
    with app.app_context(), tenant_context(one.id):
        version = services.submit(
            None, {**ENTRY, "name": "Κουζίνα Ένα"}, account=Who(admin), organisation_id=org_id
        )
        services.review(version, account=Who(staff_one), approve=True, document="doc", notify=False)
        services.open_year(LAST_YEAR, dt.date(LAST_YEAR + 1, 3, 31), account=Who(staff_one))
        db.session.commit()
        db.session.remove()
    with app.app_context(), tenant_context(two.id):
        services.submit(None, {**ENTRY, "name": "Κουζίνα Δύο"}, account=Who(admin), organisation_id=org_id)
        db.session.commit()
        db.session.remove()
    sign_in(apex_client, admin)
    answer = apex_client.get("/dashboard")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    items = page.split("</li>")
    line_one = next(item for item in items if "Κουζίνα Ένα" in item)
    line_two = next(item for item in items if "Κουζίνα Δύο" in item)
    assert "Δήμος Ένα" in line_one and str(LAST_YEAR) in line_one
    assert "Δήμος Δύο" in line_two and str(LAST_YEAR) not in line_two  # not verified: nothing due yet
