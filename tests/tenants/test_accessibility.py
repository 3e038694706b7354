"""axe-core (WCAG 2.0/2.1 A and AA) on the operator console and the municipality admin pages,
in English and Greek, in headless Chromium against the live server (CSRF on)."""

from __future__ import annotations

import uuid

import pyotp
import pytest

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER

LANGUAGES = ["en", "el"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/branding",
    "/admin/languages",
    "/admin/modules",
    "/admin/modules/testplugin/enable",
    "/admin/modules/testplugin/settings",
    "/admin/members",
    "/admin/domains",
    "/admin/billing",
]


@pytest.fixture(scope="module")
def console(app, live_server, chromium):
    """An operator (TOTP on) and a municipality with an admin, each signed in in its own browser."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db
    from core.tenancy import utcnow
    from tenants import services

    secret = pyotp.random_base32()
    password = "correct horse battery"
    op_email = f"op-{uuid.uuid4().hex[:6]}@example.org"
    admin_email = f"adm-{uuid.uuid4().hex[:6]}@example.org"
    slug = f"axe-admin-{uuid.uuid4().hex[:6]}"
    with app.test_request_context("/"):
        operator = create_account(op_email, password, "Olga Operator", is_operator=True)
        operator.totp_secret, operator.totp_enabled_at = secret, utcnow()
        tenant = services.onboard(
            services.Onboarding(
                slug=slug,
                name="Δήμος Αλεξανδρούπολης",
                country="GR",
                default_locale="el",
                locales=["el", "en"],
                timezone="Europe/Athens",
                plan="standard",
                admin_email=admin_email,
                billing_email="finance@example.org",
                allowed_plugins=["testplugin"],
            )
        )
        admin = create_account(admin_email, password, "Anna Admin")
        join_tenant(admin, tenant.id, "admin")
        _inv, token = services.invite(tenant, "newcomer@example.org", "staff")
        db.session.commit()
        tenant_id = tenant.id
        db.session.remove()

    op_ctx = chromium.new_context(locale="en-GB")
    page = op_ctx.new_page()
    sign_in_through_form(page, live_server, op_email, password)
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    page.close()

    admin_ctx = chromium.new_context(locale="en-GB")
    page = admin_ctx.new_page()
    sign_in_through_form(page, live_server, admin_email, password)
    page.goto(live_server.url(f"{slug}.localhost", "/auth/signin"))
    page.close()
    yield {"op": op_ctx, "admin": admin_ctx, "slug": slug, "tenant_id": tenant_id, "token": token}
    op_ctx.close()
    admin_ctx.close()


def check(page, axe, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    problems = axe(page)
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_operator_console(console, live_server, axe, lang):
    page = console["op"].new_page()
    try:
        for path in [
            "/operator/",
            "/operator/tenants/new",
            f"/operator/tenants/{console['tenant_id']}",
            "/operator/plugins",
            "/operator/audit",
        ]:
            check(page, axe, live_server.url(path=f"{path}?lang={lang}"))
        # the onboarding form in its error state
        page.goto(live_server.url(path=f"/operator/tenants/new?lang={lang}"))
        page.locator("#slug").fill("admin")
        page.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() >= 1
        assert not axe(page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_pages(console, live_server, axe, lang):
    page = console["admin"].new_page()
    try:
        for path in ADMIN_PAGES:
            check(page, axe, live_server.url(f"{console['slug']}.localhost", f"{path}?lang={lang}"))
        page.goto(live_server.url(f"{console['slug']}.localhost", f"/admin/branding?lang={lang}"))
        page.locator("#primary_color").fill("#ffff00")
        page.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() == 1
        assert not axe(page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invitation_page(console, chromium, live_server, axe, lang):
    ctx = chromium.new_context(locale="en-GB")
    try:
        check(
            ctx.new_page(),
            axe,
            live_server.url(f"{console['slug']}.localhost", f"/invitation/{console['token']}?lang={lang}"),
        )
    finally:
        ctx.close()
