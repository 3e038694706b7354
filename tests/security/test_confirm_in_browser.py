"""Issue 10 item 3 in a real browser (CSRF on): "confirm it's you" keeps what was typed, passes axe."""

from __future__ import annotations

import pytest

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER


@pytest.fixture
def stale_sign_in(live_server):
    """Every sign-in counts as too old for sensitive changes while the test runs."""
    old = live_server.app.config.get("REAUTH_MAX_AGE")
    live_server.app.config["REAUTH_MAX_AGE"] = -1
    yield
    live_server.app.config["REAUTH_MAX_AGE"] = old if old is not None else 300


@pytest.mark.parametrize("lang", ["en", "el"])
def test_minting_a_token_asks_to_confirm_and_keeps_the_form(
    browser_page, live_server, account_factory, axe, stale_sign_in, lang
):
    """Issue 10 item 3: with a stale sign-in, creating a token asks for the password first; the
    page is accessible (error state too), and the token is made with the name first typed."""
    account = account_factory()
    page = browser_page
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.url(path=f"/account/tokens?lang={lang}"))
    page.locator("#name").fill("Ημερήσια εξαγωγή")
    with page.expect_navigation():
        page.get_by_role("main").locator("button[type=submit]").first.click()
    assert page.locator("#reauth-password").count() == 1
    assert page.locator('input[type=hidden][name="name"]').get_attribute("value") == "Ημερήσια εξαγωγή"
    assert not axe(page)
    page.locator("#reauth-password").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("main").locator("button[type=submit]").click()
    assert page.locator("[aria-invalid=true]").count() == 1
    assert not axe(page)
    page.locator("#reauth-password").fill(account.password)
    with page.expect_navigation():
        page.get_by_role("main").locator("button[type=submit]").click()
    assert page.get_by_test_id("new-token").count() == 1
    assert page.get_by_text("Ημερήσια εξαγωγή").count() >= 1
