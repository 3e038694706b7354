"""axe-core (WCAG 2.0/2.1 A and AA rules) finds no serious or critical violation, in two languages,
on the apex and on a municipality's pages, signed out and signed in."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, axe_path, blocking, run_axe, sign_in_through_form

AXE_JS = axe_path(Path(__file__).resolve().parents[2])


def audit(page) -> list[str]:
    """The serious and critical WCAG 2.1 AA violations axe-core finds on the page."""
    return blocking(run_axe(page, AXE_JS))


pytestmark = BROWSER
LANGUAGES = ["en", "el"]
ANONYMOUS_APEX = ["/", "/auth/signin", "/auth/signup", "/auth/reset", "/no-such-page"]
SIGNED_IN_APEX = ["/dashboard", "/account", "/account/tokens", "/account/security"]
TENANT_PAGES = ["/", "/testplugin/", "/search", "/no-such-page"]


def make_tenant(app, *, name: str, locale: str, branding=None, plugins=()):
    """A committed municipality (module-scoped fixtures cannot use the function-scoped factory)."""
    from core.extensions import db
    from core.plugin_state import enable_plugin
    from core.tenancy import invalidate_tenant_cache, tenant_info_from_row
    from core.tenant_admin import NewTenant, create_tenant

    slug = f"axe-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        row = create_tenant(
            NewTenant(
                slug=slug,
                name=name,
                country="GR",
                default_locale=locale,
                locales=[locale, "en"],
                timezone="Europe/Athens",
                branding=dict(branding or {}),
            )
        )
        db.session.commit()
        invalidate_tenant_cache()
        tenant = tenant_info_from_row(row, primary_host=f"{slug}.localhost", host=f"{slug}.localhost")
        for plugin in plugins:
            enable_plugin(tenant.id, plugin, None)
        db.session.commit()
        db.session.remove()
    return tenant


@pytest.fixture(scope="module")
def site(app, live_server, browser):
    """One municipality with the test plugin on (so the navigation shows) and a staff member."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db

    email = f"axe-{uuid.uuid4().hex[:8]}@example.org"
    password = "correct horse battery"
    tenant = make_tenant(app, name="Δήμος Ορεστιάδας", locale="el", plugins=["testplugin"])
    with app.app_context():
        account = create_account(email, password, "Axe Person", verified=True)
        join_tenant(account, tenant.id, "staff")
        db.session.commit()
        db.session.remove()

    signed_in = browser.new_context(locale="en-GB")
    page = signed_in.new_page()
    sign_in_through_form(page, live_server, email, password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin"))
    assert "Axe Person" in page.content()
    page.close()
    yield {"tenant": tenant, "signed_in": signed_in}
    signed_in.close()


def check(page, url: str, expect_status: int = 200) -> None:
    """Open ``url`` (in the language its ``?lang=`` asks for) and assert axe finds nothing blocking."""
    response = page.goto(url)
    assert response.status == expect_status, (url, response.status)
    asked = parse_qs(urlsplit(url).query).get("lang")
    if asked:  # the page really is in that language, so both languages get audited
        assert page.locator("html").get_attribute("lang") == asked[0], url
    problems = audit(page)
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_apex_pages_signed_out(page, live_server, lang):
    for path in ANONYMOUS_APEX:
        check(page, live_server.url(path=f"{path}?lang={lang}"), 404 if "no-such" in path else 200)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_forms_with_errors(page, live_server, lang):
    """Error states: messages tied to their fields, still contrast-safe."""
    page.goto(live_server.url(path=f"/auth/signup?lang={lang}"))
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert not audit(page)
    page.goto(live_server.url(path=f"/auth/signin?lang={lang}"))
    page.locator("#email").fill("nobody@example.org")
    page.locator("#password").fill("wrong password here")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.locator(".notice-error").count() == 1
    assert not audit(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_apex_pages_signed_in(site, live_server, lang):
    page = site["signed_in"].new_page()
    try:
        for path in SIGNED_IN_APEX:
            check(page, live_server.url(path=f"{path}?lang={lang}"))
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_municipality_pages(site, page, live_server, lang):
    tenant = site["tenant"]
    for path in TENANT_PAGES:
        check(page, live_server.tenant_url(tenant, f"{path}?lang={lang}"), 404 if "no-such" in path else 200)
    assert page.get_by_role("navigation").count() >= 1
    # search with no result, and its error state (a query over 200 characters)
    check(page, live_server.tenant_url(tenant, f"/search?q=nothing-here&lang={lang}"))
    check(page, live_server.tenant_url(tenant, f"/search?q={'x' * 201}&lang={lang}"), 422)


@pytest.mark.parametrize("index", range(3))
def test_demo_municipalities_in_their_colours_and_languages(app, browser, live_server, index):
    """The demo's brand colours carry white header text at AA contrast, in each demo language."""
    from tenants.demo import DEMO_TENANTS

    spec = DEMO_TENANTS[index]
    tenant = make_tenant(
        app, name=spec.name, locale=spec.default_locale, branding=spec.branding, plugins=["testplugin"]
    )
    # a browser speaking the municipality's language gets it (Accept-Language), in its colours
    context = browser.new_context(locale=spec.default_locale)
    try:
        page = context.new_page()
        check(page, live_server.tenant_url(tenant, "/testplugin/"))
        assert page.locator("html").get_attribute("lang") == spec.default_locale
        header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header.replace(" ", "") == _rgb(spec.branding["primary_color"])
    finally:
        context.close()


def test_the_lightest_brand_colour_an_admin_may_choose_still_passes(app, page, live_server):
    """#767676 is about the lightest grey with 4.5:1 against white, the floor the branding form
    enforces: the header, its links and the plugin navigation bar stay readable on it."""
    tenant = make_tenant(
        app, name="Grey Town", locale="en", branding={"primary_color": "#767676"}, plugins=["testplugin"]
    )
    check(page, live_server.tenant_url(tenant, "/testplugin/"))
    assert page.get_by_role("navigation", name="Main").is_visible()


def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({},{},{})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def test_the_checker_catches_violations(page, live_server, axe):
    """axe really runs (the ``axe`` fixture plugin authors use): a page broken on purpose fails it."""
    page.goto(live_server.url(path="/?lang=en"))
    assert not axe(page)
    page.evaluate(  # colours through the CSSOM: the pages' policy refuses inline style attributes
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<p id="low">low contrast</p><input type="text">');
            const low = document.getElementById('low');
            low.style.color = '#999';
            low.style.background = '#aaa';
        }"""
    )
    found = {line.split(" ")[0] for line in axe(page)}
    assert {"color-contrast", "label"} <= found, found


@pytest.mark.parametrize("lang", ["en", "el"])
def test_every_plugin_page_in_the_navigation(app, site, live_server, lang):
    """Every installed plugin switched on: each page its navigation links to passes too (signed in)."""
    from core.plugins import registry

    with app.app_context():
        plugins = sorted(registry().switchable_names())
    tenant = make_tenant(app, name="Δήμος Όλα", locale="el", plugins=plugins)
    page = site["signed_in"].new_page()
    try:
        page.goto(live_server.tenant_url(tenant, "/auth/signin"))  # the hand-off: signed in here too
        page.goto(live_server.tenant_url(tenant, f"/?lang={lang}"))
        expect(page.get_by_text("Axe Person")).to_be_visible()
        links = page.locator("nav.main-nav a").evaluate_all("els => els.map(e => e.href)")
        assert len(links) >= len(plugins)  # "Home" plus at least one item per plugin
        for url in links:
            check(page, url)
    finally:
        page.close()
