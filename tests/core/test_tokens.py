"""Personal access tokens: created and revoked in the profile, hashed, scoped (DESIGN §6)."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from core.accounts.models import PersonalAccessToken
from core.extensions import db


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create_on_page(client, name: str, scope: str):
    response = client.post("/account/tokens", data={"name": name, "scope": scope})
    found = re.search(rb'data-testid="new-token">([^<]+)<', response.data)
    return response, (found.group(1).decode() if found else None)


def token_rows(app, account_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(PersonalAccessToken).where(PersonalAccessToken.account_id == account_id)
        ).scalars()
        out = [{c.key: getattr(r, c.key) for c in PersonalAccessToken.__table__.columns} for r in rows]
        db.session.remove()
    return out


def test_tokens_created_on_the_profile_page_are_stored_hashed(
    app, apex_client, tenant_factory, client_for, account_factory, sign_in
):
    tenant = tenant_factory()
    account = account_factory(memberships={tenant: "staff"})
    sign_in(apex_client, account)
    page = apex_client.get("/account/tokens")
    assert page.status_code == 200 and tenant.name.encode() in page.data

    response, secret = create_on_page(apex_client, "My script", str(tenant.id))
    assert response.status_code == 200 and secret and secret.startswith("spx_")
    # shown once: the next visit lists the token without its secret
    again = apex_client.get("/account/tokens")
    assert b"My script" in again.data and secret.encode() not in again.data

    rows = token_rows(app, account.id)
    assert len(rows) == 1
    row = rows[0]
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    assert row["scope_tenant_id"] == tenant.id
    # and the plaintext is nowhere in the table, whichever column one searches
    with app.app_context():
        dump = db.session.execute(sa.text("SELECT * FROM personal_access_tokens")).all()
        db.session.remove()
    assert all(secret not in str(r) for r in dump)

    on_tenant = client_for(tenant.primary_host)
    assert on_tenant.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_token_name_boundaries_and_scope_choices(app, apex_client, tenant_factory, account_factory, sign_in):
    stranger_tenant = tenant_factory()
    account = account_factory()
    sign_in(apex_client, account)
    response, secret = create_on_page(apex_client, "n" * 100, "apex")
    assert response.status_code == 200 and secret
    response, secret = create_on_page(apex_client, "n" * 101, "apex")
    assert response.status_code == 422 and secret is None
    # a municipality the account is not in is not a choice
    response, secret = create_on_page(apex_client, "sneaky", str(stranger_tenant.id))
    assert response.status_code == 422 and secret is None
    assert len(token_rows(app, account.id)) == 1


def test_token_scope_tenant_and_apex(client_for, tenant_factory, account_factory, access_token):
    tenant_a, tenant_b = tenant_factory(), tenant_factory()
    account = account_factory(memberships={tenant_a: "member", tenant_b: "member"})
    for_a = access_token(account, tenant_a)
    for_apex = access_token(account, None)

    on_a, on_b, apex = (
        client_for(tenant_a.primary_host),
        client_for(tenant_b.primary_host),
        client_for("localhost"),
    )
    assert on_a.get("/api/v1/me", headers=bearer(for_a)).status_code == 200
    assert on_b.get("/api/v1/me", headers=bearer(for_a)).status_code == 401
    assert apex.get("/api/v1/me", headers=bearer(for_a)).status_code == 401
    assert apex.get("/api/v1/me", headers=bearer(for_apex)).status_code == 200
    assert on_a.get("/api/v1/me", headers=bearer(for_apex)).status_code == 401
    # garbage and near-misses
    for bad in ("", "spx_", for_a[:-1], for_a + "x", "spx_" + "a" * 200, for_a.replace("spx_", "xxx_")):
        assert on_a.get("/api/v1/me", headers=bearer(bad)).status_code == 401


def test_revoked_token_is_rejected(app, apex_client, client_for, account_factory, sign_in):
    account = account_factory()
    other = account_factory()
    sign_in(apex_client, account)
    _response, secret = create_on_page(apex_client, "to revoke", "apex")
    api = client_for("localhost")
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token_id = token_rows(app, account.id)[0]["id"]

    # someone else cannot revoke it
    intruder = sign_in(client_for("localhost"), other)
    assert intruder.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    assert apex_client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert token_rows(app, account.id)[0]["revoked_at"] is not None
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert b"to revoke" not in apex_client.get("/account/tokens").data
    # revoking twice: not found
    assert apex_client.post(f"/account/tokens/{token_id}/revoke").status_code == 404


def test_token_of_an_erased_account_is_rejected(app, client_for, account_factory, access_token):
    from core.accounts.models import Account
    from core.accounts.personal_data import erase_account

    account = account_factory()
    secret = access_token(account, None)
    with app.app_context():
        erase_account(db.session.get(Account, account.id))
        db.session.commit()
    assert client_for("localhost").get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_token_use_is_recorded_even_on_a_read(app, client_for, account_factory, access_token):
    account = account_factory()
    secret = access_token(account, None)
    assert token_rows(app, account.id)[0]["last_used_at"] is None
    assert client_for("localhost").get("/api/v1/me", headers=bearer(secret)).status_code == 200
    first = token_rows(app, account.id)[0]["last_used_at"]
    assert first is not None
    # not rewritten on every call
    client_for("localhost").get("/api/v1/me", headers=bearer(secret))
    assert token_rows(app, account.id)[0]["last_used_at"] == first
