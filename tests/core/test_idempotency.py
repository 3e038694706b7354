"""``Idempotency-Key`` on API writes (issue 10 item 19)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from core.extensions import db


def _headers(secret: str, key: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def _titles(client) -> list[str]:
    return [n["title"] for n in client.get("/api/v1/testplugin/notes").json]


def test_a_retried_write_with_the_same_key_is_answered_not_redone(
    app, client_for, tenant_factory, account_factory, access_token
):
    """Issue 10 item 19: an API write retried after a lost answer was done twice (two notes,
    two comments). With the same Idempotency-Key and body the first answer is replayed; a
    different body with that key is refused (422 problem+json); keys are per account and
    municipality, and expire after a day."""
    from core.idempotency import IdempotencyRecord, purge

    tenant = tenant_factory(plugins=["testplugin"])
    other_tenant = tenant_factory(plugins=["testplugin"])
    staff = account_factory(memberships={tenant: "staff", other_tenant: "staff"})
    colleague = account_factory(memberships={tenant: "staff"})
    secret, colleague_secret = access_token(staff, tenant), access_token(colleague, tenant)
    client = client_for(tenant.primary_host)
    key = uuid.uuid4().hex
    title = f"Once {key[:6]}"

    first = client.post("/api/v1/testplugin/notes", json={"title": title}, headers=_headers(secret, key))
    assert first.status_code == 201
    again = client.post("/api/v1/testplugin/notes", json={"title": title}, headers=_headers(secret, key))
    assert again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert _titles(client).count(title) == 1

    changed = client.post("/api/v1/testplugin/notes", json={"title": "Other"}, headers=_headers(secret, key))
    assert changed.status_code == 422 and changed.mimetype == "application/problem+json"
    assert "Other" not in _titles(client)

    # another account's key, or the same account in another municipality, is another key
    theirs = client.post(
        "/api/v1/testplugin/notes", json={"title": title}, headers=_headers(colleague_secret, key)
    )
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    elsewhere = client_for(other_tenant.primary_host).post(
        "/api/v1/testplugin/notes",
        json={"title": title},
        headers=_headers(access_token(staff, other_tenant), key),
    )
    assert elsewhere.status_code == 201 and "Idempotent-Replayed" not in elsewhere.headers
    assert _titles(client).count(title) == 2

    # without a key, nothing changes; a malformed key is a clear 422
    assert (
        client.post(
            "/api/v1/testplugin/notes", json={"title": "no key"}, headers=_headers(secret, None)
        ).status_code
        == 201
    )
    bad = client.post("/api/v1/testplugin/notes", json={"title": "x"}, headers=_headers(secret, "k" * 300))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"

    # kept about a day: after that the key is free again
    with app.app_context():
        db.session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(created_at=IdempotencyRecord.created_at - dt.timedelta(hours=25))
        )
        db.session.commit()
        assert purge() >= 3
    fresh = client.post("/api/v1/testplugin/notes", json={"title": title}, headers=_headers(secret, key))
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
