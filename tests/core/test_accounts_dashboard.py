"""The NGO dashboard on the apex, organisations and affiliations (DESIGN §4)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from core.accounts.models import Account, Affiliation, Organisation, OrganisationMember
from core.accounts.services.common import AccountError
from core.accounts.services.organisations import (
    create_organisation,
    decide_affiliation,
    find_affiliation,
    request_affiliation,
)
from core.db import tenant_context
from core.extensions import db


def affiliation_of(app, tenant, org_id: int) -> dict | None:
    with app.app_context():
        with tenant_context(tenant.id):
            row = db.session.execute(
                sa.select(Affiliation).where(Affiliation.organisation_id == org_id)
            ).scalar_one_or_none()
            out = (
                None if row is None else {"id": row.id, "status": row.status, "decided_by": row.decided_by_id}
            )
        db.session.remove()
    return out


def make_org(app, admin, name: str | None = None, members: tuple = ()) -> int:
    with app.app_context():
        org = create_organisation(db.session.get(Account, admin.id), name or f"NGO {uuid.uuid4().hex[:6]}")
        for m in members:
            db.session.add(OrganisationMember(organisation_id=org.id, account_id=m.id, role="member"))
        db.session.commit()
        return org.id


def test_organisation_admin_requests_affiliation_and_sees_its_state(
    app, apex_client, tenant_factory, account_factory, sign_in
):
    tenant = tenant_factory(name="Orestiada Test")
    admin = account_factory()
    sign_in(apex_client, admin)
    # no organisation yet: sent to create one
    response = apex_client.get("/affiliations/request")
    assert response.status_code == 302 and response.location.endswith("/organisations/new")
    name = f"Friends of the River {uuid.uuid4().hex[:6]}"
    response = apex_client.post("/organisations/new", data={"name": name, "kind": "ngo", "website": ""})
    assert response.status_code == 302
    with app.app_context():
        org_id = db.session.execute(sa.select(Organisation.id).where(Organisation.name == name)).scalar_one()

    page = apex_client.get("/affiliations/request")
    assert page.status_code == 200 and tenant.name.encode() in page.data
    response = apex_client.post(
        "/affiliations/request",
        data={"organisation_id": org_id, "tenant_slug": tenant.slug, "message": "We run the river clean-up."},
    )
    assert response.status_code == 302
    assert affiliation_of(app, tenant, org_id)["status"] == "pending"

    dashboard = apex_client.get("/dashboard")
    assert dashboard.status_code == 200
    assert name.encode() in dashboard.data and b"Orestiada Test" in dashboard.data
    assert b"status-pending" in dashboard.data
    # pending is not "active": no link into the municipality yet
    assert b"/auth/go?host=" not in dashboard.data

    # message boundary: 1000 characters at most, nothing written beyond
    other_tenant = tenant_factory()
    response = apex_client.post(
        "/affiliations/request",
        data={"organisation_id": org_id, "tenant_slug": other_tenant.slug, "message": "m" * 1001},
    )
    assert response.status_code == 422
    assert affiliation_of(app, other_tenant, org_id) is None


def test_non_admin_of_an_organisation_cannot_request_affiliation(
    app, apex_client, tenant_factory, account_factory, sign_in
):
    tenant = tenant_factory()
    admin, member = account_factory(), account_factory()
    org_id = make_org(app, admin, members=(member,))
    with app.app_context():
        with pytest.raises(AccountError):
            request_affiliation(db.session.get(Account, member.id), org_id, tenant.id)
        db.session.rollback()

    sign_in(apex_client, member)
    response = apex_client.post(
        "/affiliations/request", data={"organisation_id": org_id, "tenant_slug": tenant.slug}
    )
    assert response.status_code == 302 and response.location.endswith("/organisations/new")
    assert affiliation_of(app, tenant, org_id) is None


def test_municipality_admin_approves_and_rejects_with_mail(
    app, apex_client, tenant_factory, tenant_client, account_factory, sign_in, mail_outbox
):
    tenant = tenant_factory(name="Haskovo Test")
    other_tenant = tenant_factory()
    ngo_admin = account_factory()
    muni_admin = account_factory(memberships={tenant: "admin", other_tenant: "admin"})
    staff = account_factory(memberships={tenant: "staff"})
    org_a = make_org(app, ngo_admin, "Org Approved")
    org_b = make_org(app, ngo_admin, "Org Rejected")
    with app.app_context():
        acc = db.session.get(Account, ngo_admin.id)
        request_affiliation(acc, org_a, tenant.id)
        request_affiliation(acc, org_b, tenant.id)
        db.session.commit()
    # the municipality's admins hear of each request, with the page to decide on
    asks = mail_outbox.wait_for(lambda m: muni_admin.email in m["To"] and "Org Approved asks" in m["Subject"])
    assert f"{tenant.primary_host}/admin/affiliations" in mail_outbox.body(asks)
    assert mail_outbox.to(staff.email) == []
    aff_a = affiliation_of(app, tenant, org_a)["id"]
    aff_b = affiliation_of(app, tenant, org_b)["id"]

    # a staff member (not admin) is refused
    as_staff = sign_in(tenant_client(tenant), staff)
    assert as_staff.get("/admin/affiliations").status_code == 403
    assert as_staff.post(f"/admin/affiliations/{aff_a}/approve").status_code == 403
    assert affiliation_of(app, tenant, org_a)["status"] == "pending"

    as_admin = sign_in(tenant_client(tenant), muni_admin)
    page = as_admin.get("/admin/affiliations")
    assert page.status_code == 200 and b"Org Approved" in page.data and b"Org Rejected" in page.data

    assert as_admin.post(f"/admin/affiliations/{aff_a}/approve").status_code == 302
    assert as_admin.post(f"/admin/affiliations/{aff_b}/reject").status_code == 302
    approved = affiliation_of(app, tenant, org_a)
    assert approved["status"] == "approved" and approved["decided_by"] == muni_admin.id
    assert affiliation_of(app, tenant, org_b)["status"] == "rejected"

    told = mail_outbox.wait_for(
        lambda m: ngo_admin.email in m["To"] and "Org Approved is now affiliated" in m["Subject"]
    )
    assert "/dashboard" in mail_outbox.body(told)
    mail_outbox.wait_for(
        lambda m: ngo_admin.email in m["To"] and "declined the affiliation of Org Rejected" in m["Subject"]
    )

    # the same admin, on another municipality's host, cannot reach this one's affiliation
    # deciding again what is decided changes nothing and mails nobody
    mail_outbox.clear()
    assert as_admin.post(f"/admin/affiliations/{aff_a}/approve").status_code == 302
    assert mail_outbox.to(ngo_admin.email) == []
    elsewhere = sign_in(tenant_client(other_tenant), muni_admin)
    assert elsewhere.post(f"/admin/affiliations/{aff_b}/approve").status_code == 404
    assert affiliation_of(app, tenant, org_b)["status"] == "rejected"
    assert elsewhere.post(f"/admin/affiliations/{uuid.uuid4()}/approve").status_code == 404


def test_dashboard_lists_active_municipalities_with_links_that_arrive_signed_in(
    app, apex_client, client_for, tenant_factory, tenant_client, account_factory, sign_in
):
    by_membership = tenant_factory(name="Member Town")
    by_affiliation = tenant_factory(name="Affiliated City")
    pending_only = tenant_factory(name="Pending Village")
    tenant_factory(name="Unrelated Borough")  # exists, but the account has nothing there
    account = account_factory(memberships={by_membership: "staff"})
    org_id = make_org(app, account, "Helping Hands")
    with app.app_context():
        acc = db.session.get(Account, account.id)
        request_affiliation(acc, org_id, by_affiliation.id)
        request_affiliation(acc, org_id, pending_only.id)
        with tenant_context(by_affiliation.id):
            decide_affiliation(acc, find_affiliation(affiliation_of_id(by_affiliation, org_id)), True)
        db.session.commit()

    sign_in(apex_client, account)
    page = apex_client.get("/dashboard")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Member Town" in html and "Affiliated City" in html
    assert "Unrelated Borough" not in html
    assert html.count("/auth/go?host=") == 2
    assert "Pending Village" in html  # listed among the requests, with its state
    assert "status-approved" in html and "status-pending" in html

    # follow the link into the affiliated municipality: apex -> tenant sign-in -> hand-off -> redeem
    on_tenant = tenant_client(by_affiliation)
    go = apex_client.get(f"/auth/go?host={by_affiliation.primary_host}")
    assert go.status_code == 302 and urlsplit(go.location).netloc == by_affiliation.primary_host
    start = on_tenant.get(urlsplit(go.location).path + "?" + urlsplit(go.location).query)
    handoff = urlsplit(start.location)
    assert handoff.netloc == "localhost"
    redeem = urlsplit(apex_client.get(f"{handoff.path}?{handoff.query}").location)
    assert redeem.netloc == by_affiliation.primary_host
    arrived = on_tenant.get(f"{redeem.path}?{redeem.query}")
    assert arrived.status_code == 302
    assert on_tenant.get("/api/v1/me").json["email"] == account.email

    # /auth/go only leads to our own verified hosts
    assert apex_client.get("/auth/go?host=evil.example.com").status_code == 404


def affiliation_of_id(tenant, org_id: int):
    with tenant_context(tenant.id):
        return db.session.execute(
            sa.select(Affiliation.id).where(Affiliation.organisation_id == org_id)
        ).scalar_one()


def test_dashboard_requires_sign_in(apex_client, tenant_factory, tenant_client):
    response = apex_client.get("/dashboard")
    assert response.status_code == 302 and urlsplit(response.location).path == "/auth/signin"
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/dashboard?"]
    assert tenant_client(tenant_factory()).get("/dashboard").status_code == 404
