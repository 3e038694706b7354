"""Custom domains against a real DNS server on loopback (dnslib), resolved with dnspython."""

from __future__ import annotations

import re

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
        from core.accounts.services import host_may_receive_codes

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
