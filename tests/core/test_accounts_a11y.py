"""The account pages in a real browser (CSRF on): hand-off across hosts, and axe-core WCAG 2.1 AA
on every account page, in English and Greek, including their error states."""

from __future__ import annotations

import uuid

import pytest

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER

APEX_PAGES = [
    "/auth/signup",
    "/auth/reset",
    "/account",
    "/account/security",
    "/account/tokens",
    "/account/delete",
    "/dashboard",
    "/organisations/new",
    "/affiliations/request",
]


@pytest.fixture
def ngo(app, tenant_factory, account_factory, access_token):
    """An NGO admin, also admin of a municipality, with a token and a pending affiliation."""
    from core.accounts.models import Account
    from core.accounts.services.organisations import create_organisation, request_affiliation
    from core.extensions import db

    tenant = tenant_factory(name="Δήμος Ορεστιάδας", locale="el", locales=["el", "en"])
    account = account_factory(name="Ελένη", memberships={tenant: "admin"})
    access_token(account, None)
    with app.test_request_context("/"):
        acc = db.session.get(Account, account.id)
        org = create_organisation(acc, f"Πράσινη Γειτονιά {uuid.uuid4().hex[:4]}")
        request_affiliation(acc, org.id, tenant.id, "Καθαρισμός του ποταμού")
        db.session.commit()
        db.session.remove()
    return account, tenant


def test_sign_in_on_apex_arrives_signed_in_on_a_tenant_host(browser_page, live_server, ngo):
    account, tenant = ngo
    page = browser_page
    sign_in_through_form(page, live_server, account.email, account.password)
    assert page.url.rstrip("/").endswith(str(live_server.port))
    page.goto(live_server.tenant_url(tenant, "/auth/signin?next=/admin/affiliations"))
    page.wait_for_load_state()
    assert page.url.startswith(live_server.tenant_url(tenant, "/admin/affiliations"))
    assert page.get_by_text("Καθαρισμός του ποταμού").count() == 1
    # the tenant's cookie is its own: host-only, never shared with the apex
    cookies = page.context.cookies()
    tenant_cookies = [c for c in cookies if c["domain"].lstrip(".") == tenant.primary_host]
    assert tenant_cookies and all(not c["domain"].startswith(".") for c in cookies)


@pytest.mark.parametrize("lang", ["en", "el"])
def test_account_pages_pass_axe(browser_page, live_server, ngo, axe, lang):
    account, tenant = ngo
    page = browser_page
    # signed out pages first
    for path in ("/auth/signin", "/auth/signup", "/auth/reset"):
        response = page.goto(live_server.url(path=f"{path}?lang={lang}"))
        assert response.status == 200
        assert not axe(page), (path, axe(page))
    # the sign-up form in its error state
    page.goto(live_server.url(path=f"/auth/signup?lang={lang}"))
    page.locator("#display_name").fill("Test")
    page.locator("#email").fill(f"a11y-{uuid.uuid4().hex[:6]}@example.org")
    page.locator("#password").fill("short")
    with page.expect_navigation():
        page.get_by_role("main").locator("button[type=submit]").click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert not axe(page)

    sign_in_through_form(page, live_server, account.email, account.password)
    for path in APEX_PAGES:
        response = page.goto(live_server.url(path=f"{path}?lang={lang}"))
        assert response.status == 200, path
        problems = axe(page)
        assert not problems, (path, problems)

    page.goto(live_server.tenant_url(tenant, "/auth/signin?next=/admin/affiliations"))
    page.wait_for_load_state()
    response = page.goto(live_server.tenant_url(tenant, f"/admin/affiliations?lang={lang}"))
    assert response.status == 200
    assert not axe(page)
