"""Invitations: a new person sets a password; an existing account joins; links are single-use."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.accounts.models import Account, Membership
from core.db import tenant_context
from core.extensions import db


def _invite(admin_client, tenant, mail_outbox, email, role="staff"):
    client = admin_client(tenant)
    assert client.post("/admin/members", data={"email": email, "role": role}).status_code == 302
    msg = mail_outbox.wait_for(lambda m: email in m["To"])
    url = re.search(r"http://\S+/invitation/\S+", mail_outbox.body(msg)).group(0)
    return url.split("localhost", 1)[1]


def _role(app, tenant, email):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(
            sa.select(Membership.role)
            .join(Account, Account.id == Membership.account_id)
            .where(Account.email == email)
        ).scalar_one_or_none()


def test_new_person_sets_a_password(app, tenant_factory, admin_client, tenant_client, mail_outbox):
    t = tenant_factory()
    path = _invite(admin_client, t, mail_outbox, "fresh@example.org")
    client = tenant_client(t)
    assert client.get(path).status_code == 200
    r = client.post(path, data={"display_name": "Fresh Person", "password": "short"})
    assert r.status_code == 422 and _role(app, t, "fresh@example.org") is None
    r = client.post(path, data={"display_name": "Fresh Person", "password": "a long enough passphrase"})
    assert r.status_code == 302
    assert _role(app, t, "fresh@example.org") == "staff"
    assert client.get("/api/v1/me").json["email"] == "fresh@example.org"  # signed in on this host
    assert tenant_client(t).get(path).status_code == 404  # single use


def test_existing_account_joins_with_its_password(
    app, tenant_factory, admin_client, tenant_client, mail_outbox, account_factory
):
    t = tenant_factory()
    person = account_factory("known@example.org")
    path = _invite(admin_client, t, mail_outbox, "known@example.org", role="moderator")
    client = tenant_client(t)
    assert client.post(path, data={"password": "wrong password"}).status_code == 422
    assert client.post(path, data={"password": person.password}).status_code == 302
    assert _role(app, t, "known@example.org") == "moderator"


def test_invitation_is_bound_to_its_tenant(tenant_factory, admin_client, tenant_client, mail_outbox):
    t = tenant_factory()
    other = tenant_factory()
    path = _invite(admin_client, t, mail_outbox, "bound@example.org")
    assert tenant_client(other).get(path).status_code == 404
