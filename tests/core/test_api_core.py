"""The core API: /api/v1/me, problem+json, and why cookies alone never write (DESIGN §6)."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_me_shows_the_account_and_its_memberships(
    app, client_for, tenant_factory, account_factory, access_token
):
    from core.accounts.models import Account
    from core.accounts.services.organisations import (
        create_organisation,
        decide_affiliation,
        request_affiliation,
    )

    tenant_a = tenant_factory(name="Alpha Town")
    tenant_b = tenant_factory(name="Beta City")
    tenant_c = tenant_factory(name="Gamma Village")
    account = account_factory(name="Maria", memberships={tenant_a: "staff"})
    with app.app_context():  # an organisation approved in B: B counts too; pending in C does not
        acc = db.session.get(Account, account.id)
        org = create_organisation(acc, "Friends of the Park")
        request_affiliation(acc, org.id, tenant_b.id)
        request_affiliation(acc, org.id, tenant_c.id)
        from core.accounts.models import Affiliation
        from core.db import tenant_context

        with tenant_context(tenant_b.id):
            aff = db.session.execute(sa.select(Affiliation)).scalar_one()
            decide_affiliation(acc, aff, approve=True)
        db.session.commit()
        org_id = org.id

    secret = access_token(account, tenant_a)
    response = client_for(tenant_a.primary_host).get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    body = response.json
    assert body["email"] == account.email and body["display_name"] == "Maria"
    assert body["is_operator"] is False
    by_slug = {m["slug"]: m for m in body["memberships"]}
    assert set(by_slug) == {tenant_a.slug, tenant_b.slug}
    assert by_slug[tenant_a.slug]["role"] == "staff"
    assert by_slug[tenant_a.slug]["host"] == tenant_a.primary_host
    assert by_slug[tenant_b.slug]["role"] is None
    assert by_slug[tenant_b.slug]["organisation_ids"] == [org_id]


def test_me_without_credentials_is_problem_json(client_for, tenant_factory):
    tenant = tenant_factory()
    for host in ("localhost", tenant.primary_host):
        response = client_for(host).get("/api/v1/me")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 401 and response.json["title"]


def test_api_writes_need_a_bearer_token_not_a_cookie(
    app, client_for, tenant_factory, account_factory, sign_in, access_token, enable_plugin
):
    tenant = tenant_factory()
    enable_plugin(tenant, "testplugin")
    account = account_factory(memberships={tenant: "staff"})

    with_cookie = sign_in(client_for(tenant.primary_host), account)
    assert with_cookie.get("/api/v1/me").status_code == 200  # reads with a cookie are fine
    response = with_cookie.post("/api/v1/testplugin/notes", json={"title": "From a cookie"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "personal access token" in response.json["title"]
    listed = client_for(tenant.primary_host).get("/api/v1/testplugin/notes").json
    assert all(n["title"] != "From a cookie" for n in listed)

    secret = access_token(account, tenant)
    response = client_for(tenant.primary_host).post(
        "/api/v1/testplugin/notes", json={"title": "From a token"}, headers=bearer(secret)
    )
    assert response.status_code == 201, response.json
    listed = client_for(tenant.primary_host).get("/api/v1/testplugin/notes").json
    assert any(n["title"] == "From a token" for n in listed)


def test_html_forms_still_need_csrf_when_it_is_on(make_app, account_factory):
    from core.testing.pytest_plugin import HostClient

    strict = make_app(WTF_CSRF_ENABLED=True)
    strict.test_client_class = HostClient
    client = strict.test_client()
    account = account_factory()
    response = client.post("/auth/signin", data={"email": account.email, "password": account.password})
    assert response.status_code == 400
    page = client.get("/auth/signin")
    import re

    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
    response = client.post(
        "/auth/signin", data={"email": account.email, "password": account.password, "csrf_token": token}
    )
    assert response.status_code == 302
