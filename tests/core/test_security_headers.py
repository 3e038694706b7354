"""Security headers on every page kind, a policy with no inline script or style, HSTS and
``Secure`` cookies over HTTPS, directly or through a trusted proxy (issue 10 item 15)."""

from __future__ import annotations

import re

import pytest

from tests.plugins.hearings.conftest import make_consultation, make_meeting

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def _policy(response) -> dict[str, str]:
    value = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: d for d in (part.strip() for part in value.split(";")) if d}


def _check(response, label: str) -> None:
    assert response.status_code < 500, label
    policy = _policy(response)
    assert policy.get("script-src") == "script-src 'self'", (label, policy)
    assert policy.get("style-src") == "style-src 'self'", (label, policy)
    assert "object-src 'none'" in policy.values() and "frame-ancestors 'self'" in policy.values()
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers.getlist("Referrer-Policy") == ["same-origin"], label
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), label
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"], label
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), (label, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_STYLE.search(html), (label, INLINE_STYLE.search(html).group(0))


@pytest.fixture
def site(app, tenant_factory, account_factory, sign_in, client_for):
    from core.extensions import db
    from core.tenancy import Tenant

    tenant = tenant_factory(plugins=["hearings"])
    with app.app_context():  # before the first request: the host cache has not seen it yet
        db.session.get(Tenant, tenant.id).branding = {"primary_color": "#7a1f2b"}
        db.session.commit()
    host = tenant.primary_host
    c = make_consultation(app, tenant)
    mid = make_meeting(app, tenant)
    admin = account_factory(memberships={tenant: "admin"})
    operator = account_factory(operator=True)
    from core.accounts.models import Account
    from core.tenancy import utcnow

    with app.app_context():  # the console wants two-step verification on
        row = db.session.get(Account, operator.id)
        row.totp_secret, row.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        db.session.commit()
    return {
        "tenant": tenant,
        "host": host,
        "consultation": c["id"],
        "meeting": mid,
        "admin": sign_in(client_for(host), admin),
        "operator": sign_in(client_for("localhost"), operator),
    }


def _pages(site, client_for):
    host, anon, apex = site["host"], client_for(site["host"]), client_for("localhost")
    return {
        "municipality home": anon.get("/"),
        "a list": anon.get("/hearings/"),
        "a detail": anon.get(f"/hearings/consultations/{site['consultation']}"),
        "a form": anon.get(f"/hearings/meetings/{site['meeting']}"),
        "the speaker queue": anon.get(f"/hearings/meetings/{site['meeting']}/speakers"),
        "the outcome": anon.get(f"/hearings/consultations/{site['consultation']}/outcome"),
        "/admin": site["admin"].get("/admin/"),
        "/admin branding": site["admin"].get("/admin/branding"),
        "/operator": site["operator"].get("/operator/"),
        "apex sign-in": apex.get("/auth/signin"),
        "apex home": apex.get("/"),
        "an error page": client_for(host).get("/no-such-page"),
        "an API answer": anon.get("/api/v1/tenant"),
        "an API error": anon.get("/api/v1/no-such-thing"),
        "the theme": anon.get("/theme.css?p=%237a1f2b&a=%23f2f5f9"),
    }


def test_every_page_kind_carries_the_headers_and_no_inline_code(site, client_for):
    """Issue 10 item 15: no Content-Security-Policy or Permissions-Policy, and inline scripts and
    styles (the speaker queue, the branding colours, print rules) that a policy would have to allow."""
    pages = _pages(site, client_for)
    for label in ("/admin", "/operator", "a detail", "the speaker queue"):
        assert pages[label].status_code == 200, label
    for label, response in pages.items():
        _check(response, label)
    # the municipality's colour reaches the page through the stylesheet
    home = pages["municipality home"].get_data(as_text=True)
    link = re.search(r'href="(/theme\.css\?[^"]+)"', home).group(1).replace("&amp;", "&")
    css = client_for(site["host"]).get(link)
    assert css.mimetype == "text/css" and "--brand: #7a1f2b" in css.get_data(as_text=True)
    # the speaker queue's script is a file the platform serves
    queue = pages["the speaker queue"].get_data(as_text=True)
    src = re.search(r'<script src="([^"]+speakers\.js)"', queue).group(1)
    assert "auto-refresh" in client_for(site["host"]).get(src).get_data(as_text=True)


def test_theme_css_writes_hex_colours_only(client_for):
    """Issue 10 item 15: the colours come from the query string, so nothing but a colour is written."""
    body = client_for("localhost").get("/theme.css?p=red;}body{display:none&a=%23abc").get_data(as_text=True)
    assert "display" not in body and "--brand: #1d4e89" in body and "--brand-soft: #abc" in body


def test_hsts_and_secure_cookies_over_https_only(site, client_for, make_app):
    """Issue 10 item 15: no HSTS, and cookies without ``Secure`` even over HTTPS (behind the proxy
    too); a plain-HTTP request, or a client's own X-Forwarded-Proto, gets neither."""
    apex = client_for("localhost")
    secure = apex.get("/auth/signin?lang=en", base_url="https://localhost")
    _check(secure, "https sign-in")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = secure.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies), cookies
    plain = client_for("localhost").get("/auth/signin?lang=en")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.headers.getlist("Set-Cookie") and not any(
        "Secure" in c for c in plain.headers.getlist("Set-Cookie")
    )

    # behind the proxy: HTTPS is the proxy's word, and only the proxy's
    from core.testing.pytest_plugin import HostClient

    proxied = make_app(TRUSTED_PROXIES=["10.9.8.7"])
    proxied.test_client_class = HostClient
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.4"}
    via_proxy = proxied.test_client().get(
        "/auth/signin?lang=en", headers=https, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert "Strict-Transport-Security" in via_proxy.headers
    assert via_proxy.headers.getlist("Set-Cookie")
    assert all("; Secure" in c for c in via_proxy.headers.getlist("Set-Cookie"))
    forged = proxied.test_client().get("/auth/signin?lang=en", headers=https)
    assert "Strict-Transport-Security" not in forged.headers
    assert forged.headers.getlist("Set-Cookie")
    assert not any("Secure" in c for c in forged.headers.getlist("Set-Cookie"))
