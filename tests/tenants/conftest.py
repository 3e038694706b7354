"""Fixtures for the tenants package: operators with two-step verification, their clients and tokens."""

from __future__ import annotations

import pytest


@pytest.fixture
def operator(app, account_factory):
    """An operator account with two-step verification on (as the console requires)."""
    from core.accounts.models import Account
    from core.extensions import db
    from core.tenancy import utcnow

    ref = account_factory(operator=True, name="Olga Operator")
    with app.app_context():
        account = db.session.get(Account, ref.id)
        account.totp_secret = "JBSWY3DPEHPK3PXP"
        account.totp_enabled_at = utcnow()
        db.session.commit()
    return ref


@pytest.fixture
def operator_client(apex_client, sign_in, operator):
    return sign_in(apex_client, operator)


@pytest.fixture
def operator_token(access_token, operator):
    return access_token(operator, None)


@pytest.fixture
def onboarding_form():
    """A valid onboarding form; pass overrides to change fields."""
    import uuid

    def make(**overrides):
        data = {
            "slug": f"dimos-{uuid.uuid4().hex[:8]}",
            "name": "Δήμος Δοκιμής",
            "country": "GR",
            "locales": ["el", "en"],
            "default_locale": "el",
            "timezone": "Europe/Athens",
            "plan": "starter",
            "allowed_plugins": ["testplugin"],
            "billing_name": "Finance department",
            "billing_email": "finance@dimos.example",
            "collection_method": "send_invoice",
            "days_until_due": "30",
            "admin_email": f"mayor-{uuid.uuid4().hex[:6]}@dimos.example",
        }
        data.update(overrides)
        return data

    return make


def count_rows(app, model, **where):
    """Rows of a model (a cross-tenant count for tests)."""
    import sqlalchemy as sa

    from core.db import cross_tenant_read
    from core.extensions import db

    with app.app_context(), cross_tenant_read():
        q = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        n = db.session.execute(q.execution_options(all_tenants=True)).scalar_one()
        db.session.rollback()
        return n


@pytest.fixture(scope="session")
def dns_server():
    """A real DNS server (dnslib) on a loopback UDP port, answering from a dict."""
    from tests.dnszone import serve_zone

    with serve_zone() as (zone, port):
        yield zone, port


@pytest.fixture
def dns_zone(app, dns_server):
    """The loopback DNS server's records, with the app's resolver pointed at it for this test."""
    zone, port = dns_server
    zone.records.clear()
    zone.down = False
    saved = {k: app.config.get(k) for k in ("DNS_NAMESERVERS", "DNS_PORT", "DNS_TIMEOUT")}
    app.config.update(DNS_NAMESERVERS=["127.0.0.1"], DNS_PORT=port, DNS_TIMEOUT=2.0)
    yield zone
    app.config.update(saved)


@pytest.fixture
def tenant_admin(account_factory):
    """``tenant_admin(tenant)``: an admin account of the tenant."""
    return lambda tenant: account_factory(memberships={tenant: "admin"}, name="Anna Admin")


@pytest.fixture
def admin_client(tenant_client, sign_in, tenant_admin):
    """``admin_client(tenant)``: a client on the tenant's host, signed in as one of its admins."""

    def make(tenant):
        client = tenant_client(tenant)
        sign_in(client, tenant_admin(tenant))
        return client

    return make
