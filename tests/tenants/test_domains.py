"""Custom domains against a real DNS server on loopback (dnslib), resolved with dnspython."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from core.extensions import db
from tenants import domains


def _add(client, host):
    r = client.post("/admin/domains", data={"host": host})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get("/admin/domains").get_data(as_text=True)
    value = re.search(r"sympraxis-verify=[0-9a-f]+", page).group(0)
    domain_id = re.search(r"/admin/domains/([0-9a-f-]{36})/verify", page).group(1)
    return value, domain_id


def test_unverified_never_serves_verified_does_recheck_demotes(
    app, tenant_factory, admin_client, client_for, dns_zone, sign_in, account_factory
):
    t = tenant_factory()
    client = admin_client(t)
    host = f"participation-{t.slug}.example.org"
    value, domain_id = _add(client, host)
    custom = client_for(host)
    apex = client_for("localhost")
    # added but not verified: the host serves nothing, gets no certificate, receives no sign-in code
    assert custom.get("/").status_code == 404
    assert apex.get(f"/tls/allowed?domain={host}").status_code == 404
    with app.app_context():
        from core.accounts.services.handoff import host_may_receive_codes

        assert not host_may_receive_codes(host)
    # verify before the record exists: refused
    client.post(f"/admin/domains/{domain_id}/verify")
    assert custom.get("/").status_code == 404
    # a wrong value does not verify either
    dns_zone.records[f"_sympraxis-challenge.{host}"] = ["sympraxis-verify=somethingelse"]
    client.post(f"/admin/domains/{domain_id}/verify")
    assert custom.get("/").status_code == 404
    # the right record: verified, serves, allowed for TLS
    dns_zone.records[f"_sympraxis-challenge.{host}"] = ["unrelated", value]
    client.post(f"/admin/domains/{domain_id}/verify")
    assert custom.get("/").status_code == 200
    assert apex.get(f"/tls/allowed?domain={host}").status_code == 200
    # DNS failing (SERVFAIL) demotes nothing
    dns_zone.down = True
    with app.app_context():
        counts = domains.recheck_all()
        db.session.commit()
    assert counts["unknown"] >= 1 and custom.get("/").status_code == 200
    # the record disappears: a re-check demotes it
    dns_zone.down = False
    del dns_zone.records[f"_sympraxis-challenge.{host}"]
    with app.app_context():
        counts = domains.recheck_all()
        db.session.commit()
    assert counts["demoted"] >= 1
    assert custom.get("/").status_code == 404
    assert apex.get(f"/tls/allowed?domain={host}").status_code == 404


def test_tls_endpoint_answers_for_our_hosts_only(tenant_factory, client_for):
    t = tenant_factory()
    apex = client_for("localhost")
    assert apex.get(f"/tls/allowed?domain={t.slug}.localhost").status_code == 200
    assert apex.get("/tls/allowed?domain=localhost").status_code == 200
    assert apex.get("/tls/allowed?domain=nobody.localhost").status_code == 404
    assert apex.get("/tls/allowed?domain=evil.example.com").status_code == 404
    assert apex.get("/tls/allowed?domain=").status_code == 404
    assert apex.get("/tls/allowed?domain=" + "a" * 300).status_code == 404


def test_bad_hosts_are_refused(tenant_factory, admin_client):
    t = tenant_factory()
    client = admin_client(t)
    other = tenant_factory()
    for host in ("not a host", "localhost", f"{other.slug}.localhost", "x" * 260 + ".com"):
        r = client.post("/admin/domains", data={"host": host})
        assert r.status_code == 422, host


def test_recheck_command(app, dns_zone):
    result = app.test_cli_runner().invoke(args=["tenants", "recheck-domains"])
    assert result.exit_code == 0 and "checked" in result.output


def test_periodic_jobs_are_scheduled_for_celery_beat(make_app):
    from core.jobs import _JOBS, celery_app

    app = make_app(JOBS_INLINE=False)
    schedule = celery_app(app).conf.beat_schedule
    for name in ("tenants.billing_enforce", "tenants.domains_recheck"):
        assert schedule[name]["args"][0] == name and name in _JOBS


def _claim_rows(app, host):
    from core.db import cross_tenant_read
    from core.tenancy import TenantDomain

    with app.app_context(), cross_tenant_read():
        rows = db.session.execute(
            sa.select(TenantDomain.tenant_id, TenantDomain.verified_at)
            .where(TenantDomain.host == host)
            .execution_options(all_tenants=True)
        ).all()
        db.session.rollback()
    return {tenant_id: verified_at is not None for tenant_id, verified_at in rows}


def test_a_pending_claim_never_blocks_the_real_owner(
    app, tenant_factory, admin_client, client_for, dns_zone, operator_client
):
    """Issue 10 item 13: a municipality's pending, unverified claim reserved the host forever,
    so its real owner could not even add it. Claims reserve nothing: the owner adds and verifies
    it, the squatter's claim cannot verify, and the operator sees the conflict and removes it."""
    squatter, owner = tenant_factory(), tenant_factory()
    host = f"participation-{owner.slug}.example.org"
    squatter_client, owner_client = admin_client(squatter), admin_client(owner)
    _squatter_value, squatter_domain = _add(squatter_client, host)
    value, domain_id = _add(owner_client, host)  # was 422 "This host is already registered."
    assert _claim_rows(app, host) == {squatter.id: False, owner.id: False}
    dns_zone.records[f"_sympraxis-challenge.{host}"] = [value]
    owner_client.post(f"/admin/domains/{domain_id}/verify")
    assert client_for(host).get("/").status_code == 200
    with app.app_context():
        from core.tenancy import resolve_host

        assert resolve_host(host).id == owner.id
    # the squatter cannot take it over, even with its own record published
    dns_zone.records[f"_sympraxis-challenge.{host}"] = [value, _squatter_value]
    page = squatter_client.post(f"/admin/domains/{squatter_domain}/verify", follow_redirects=True)
    assert "is verified by another municipality" in page.get_data(as_text=True)
    assert _claim_rows(app, host) == {squatter.id: False, owner.id: True}
    # the operator sees the conflict and resolves it
    page = operator_client.get("/operator/domains?lang=en").get_data(as_text=True)
    assert host in page and squatter.slug in page and owner.slug in page
    removed = operator_client.post(f"/operator/domains/{squatter.id}/{squatter_domain}/remove")
    assert removed.status_code == 302
    assert _claim_rows(app, host) == {owner.id: True}
    assert f"<td>{host}</td>" not in operator_client.get("/operator/domains").get_data(as_text=True)
    assert (
        operator_client.post(f"/operator/domains/{squatter.id}/{squatter_domain}/remove").status_code == 404
    )


def test_unverified_claims_lapse(app, tenant_factory, admin_client, dns_zone):
    """Issue 10 item 13: an unverified claim never expired; it lapses after DOMAIN_CLAIM_DAYS
    (7): it can no longer be verified, the periodic re-check removes it, and it can be claimed
    again."""
    from core.tenancy import TenantDomain, utcnow

    t = tenant_factory()
    client = admin_client(t)
    host = f"lapsing-{t.slug}.example.org"
    value, domain_id = _add(client, host)
    with app.app_context():
        from core.db import tenant_context

        with tenant_context(t.id):
            row = db.session.execute(sa.select(TenantDomain).where(TenantDomain.host == host)).scalar_one()
            expires = row.claim_expires_at
            assert dt.timedelta(days=6) < expires - utcnow() <= dt.timedelta(days=7)
            row.claim_expires_at = utcnow() - dt.timedelta(seconds=1)  # 7 days later
            db.session.commit()
    dns_zone.records[f"_sympraxis-challenge.{host}"] = [value]
    page = client.post(f"/admin/domains/{domain_id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "This claim has expired." in page
    assert _claim_rows(app, host) == {t.id: False}
    with app.app_context():
        counts = domains.recheck_all()
        db.session.commit()
    assert counts["expired"] >= 1 and _claim_rows(app, host) == {}
    _add(client, host)  # claimed afresh
    assert _claim_rows(app, host) == {t.id: False}
