"""The NGO dashboard on the apex lists the open surveys addressed to the person's organisations,
across the municipalities where each is affiliated, and nothing else."""

import datetime as dt

from core.toolkit import Affiliation, Organisation, OrganisationMember, db, tenant_context
from tests.plugins.surveys.conftest import make_survey


def test_the_ngo_dashboard_lists_surveys_addressed_to_its_organisations(
    app, tenant_factory, account_factory, apex_client, sign_in
):
    a, b, pending = (tenant_factory(plugins=["surveys"]) for _ in range(3))
    member = account_factory(memberships={a: "member"})
    with app.app_context():
        ngo, other = Organisation(name="Solidarity Network"), Organisation(name="Another NGO")
        db.session.add_all([ngo, other])
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=ngo.id, account_id=member.id))
        for tenant, status in ((a, "approved"), (b, "approved"), (pending, "pending")):
            with tenant_context(tenant.id):
                db.session.add(Affiliation(organisation_id=ngo.id, status=status))
                db.session.flush()
        db.session.commit()
        ngo_id, other_id = ngo.id, other.id
        db.session.remove()
    make_survey(app, a, title="For our NGO in A", audience="organisations", organisation_ids=[ngo_id])
    make_survey(app, b, title="On behalf in B", audience="members", on_behalf=True)
    make_survey(app, a, title="For another NGO", audience="organisations", organisation_ids=[other_id])
    make_survey(app, a, title="For residents only", audience="members")
    make_survey(
        app,
        b,
        title="Closed in B",
        audience="members",
        on_behalf=True,
        opens=-dt.timedelta(days=9),
        closes=-dt.timedelta(days=1),
    )
    make_survey(app, pending, title="Pending affiliation", audience="members", on_behalf=True)
    page = sign_in(apex_client, member).get("/dashboard").get_data(as_text=True)
    assert "For our NGO in A" in page and "On behalf in B" in page
    for absent in ("For another NGO", "For residents only", "Closed in B", "Pending affiliation"):
        assert absent not in page, absent
