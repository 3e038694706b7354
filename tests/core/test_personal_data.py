""" "Download my data" and "delete my account" through the plugins' export and erasure hooks."""

from __future__ import annotations

import json

import sqlalchemy as sa

from core.accounts.models import (
    Account,
    HandoffCode,
    Membership,
    OrganisationMember,
    PersonalAccessToken,
)
from core.accounts.services.common import find_account
from core.accounts.services.handoff import issue_handoff_code
from core.accounts.services.organisations import (
    create_organisation,
    is_organisation_admin,
    request_affiliation,
)
from core.db import cross_tenant_read
from core.extensions import db


def memberships_of(app, account_id: int) -> int:
    with app.app_context():
        with cross_tenant_read():
            n = db.session.execute(
                sa.select(sa.func.count())
                .select_from(Membership)
                .where(Membership.account_id == account_id)
                .execution_options(all_tenants=True)
            ).scalar_one()
        db.session.remove()
    return n


def test_download_my_data_is_one_json_with_each_plugins_section(
    app, apex_client, tenant_factory, account_factory, sign_in, access_token
):
    tenant_a = tenant_factory(plugins=["testplugin"])
    tenant_b = tenant_factory()
    account = account_factory(name="Nikos", memberships={tenant_a: "staff", tenant_b: "member"})
    access_token(account, None)
    with app.app_context():
        org = create_organisation(db.session.get(Account, account.id), "Green Neighbours")
        request_affiliation(db.session.get(Account, account.id), org.id, tenant_b.id, "Hello")
        db.session.commit()
    sign_in(apex_client, account)

    response = apex_client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["format"] == "sympraxis-personal-data/1"
    assert data["account"]["email"] == account.email and data["account"]["display_name"] == "Nikos"
    assert [o["name"] for o in data["organisations"]] == ["Green Neighbours"]
    assert data["organisations"][0]["role"] == "admin"
    assert len(data["access_tokens"]) == 1 and "token_hash" not in data["access_tokens"][0]
    assert [(r["municipality"], r["status"], r["message"]) for r in data["affiliation_requests"]] == [
        (tenant_b.name, "pending", "Hello")
    ]
    by_slug = {m["slug"]: m for m in data["municipalities"]}
    assert set(by_slug) == {tenant_a.slug, tenant_b.slug}
    assert by_slug[tenant_a.slug]["role"] == "staff"
    # the test plugin's export hook ran inside each municipality's context
    assert by_slug[tenant_a.slug]["plugins"]["testplugin"] == {"tenant": tenant_a.slug, "notes": []}
    assert by_slug[tenant_b.slug]["plugins"]["testplugin"]["tenant"] == tenant_b.slug
    # no secrets in the document
    assert b"$argon2id$" not in response.data and b"token_hash" not in response.data


def test_delete_my_account_anonymises_through_the_erasure_hook(
    app, apex_client, client_for, tenant_factory, tenant_client, account_factory, sign_in, access_token
):
    from sympraxis_testplugin.plugin import EVENTS

    tenant = tenant_factory(plugins=["testplugin"])
    account = account_factory(memberships={tenant: "member"})
    secret = access_token(account, tenant)
    on_tenant = sign_in(tenant_client(tenant), account)
    sign_in(apex_client, account)
    with app.app_context():
        issue_handoff_code(db.session.get(Account, account.id), tenant.primary_host, "n")
        db.session.commit()
    EVENTS.clear()

    # without ticking the box, or without the right password, nothing happens
    response = apex_client.post("/account/delete", data={"password": account.password})
    assert response.status_code == 422
    response = apex_client.post("/account/delete", data={"confirm": "y", "password": "not my password"})
    assert response.status_code == 422 and b"The password is not right." in response.data
    assert memberships_of(app, account.id) == 1
    assert EVENTS == []

    response = apex_client.post("/account/delete", data={"confirm": "y", "password": account.password})
    assert response.status_code == 302
    assert ("erased", tenant.id) in EVENTS

    with app.app_context():
        row = db.session.get(Account, account.id)
        assert row.email is None and row.password_hash is None and row.totp_secret is None
        assert row.display_name != account.display_name and row.erased_at is not None
        for model in (PersonalAccessToken, HandoffCode, OrganisationMember):
            count = db.session.execute(
                sa.select(sa.func.count()).select_from(model).where(model.account_id == account.id)
            ).scalar_one()
            assert count == 0, model
        db.session.remove()
    assert memberships_of(app, account.id) == 0
    # signed out everywhere, the token dead, and no way back in
    assert apex_client.get("/api/v1/me").status_code == 401
    assert on_tenant.get("/api/v1/me").status_code == 401
    headers = {"Authorization": f"Bearer {secret}"}
    assert client_for(tenant.primary_host).get("/api/v1/me", headers=headers).status_code == 401
    response = client_for("localhost").post(
        "/auth/signin", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 401
    # the address is free again: a new person can sign up with it
    response = client_for("localhost").post(
        "/auth/signup", data={"display_name": "New", "email": account.email, "password": "another passphrase"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert find_account(account.email).id != account.id
        db.session.remove()


def test_sole_admin_of_an_organisation_with_members_cannot_delete(app, apex_client, account_factory, sign_in):
    admin, member = account_factory(), account_factory()
    with app.app_context():
        org = create_organisation(db.session.get(Account, admin.id), "Solo Admins")
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=member.id, role="member"))
        db.session.commit()
        org_id = org.id
    sign_in(apex_client, admin)
    response = apex_client.post("/account/delete", data={"confirm": "y", "password": admin.password})
    assert response.status_code == 409
    assert b"only administrator of an organisation with other members" in response.data
    with app.app_context():
        row = db.session.get(Account, admin.id)
        assert row.email == admin.email and row.erased_at is None
        assert is_organisation_admin(row, org_id)
        db.session.remove()
    assert apex_client.get("/api/v1/me").status_code == 200

    # once someone else is an administrator too, deletion goes through
    with app.app_context():
        db.session.get(OrganisationMember, (org_id, member.id)).role = "admin"
        db.session.commit()
    assert (
        apex_client.post("/account/delete", data={"confirm": "y", "password": admin.password}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Account, admin.id).erased_at is not None
        assert is_organisation_admin(db.session.get(Account, member.id), org_id)
        db.session.remove()
