"""In a real browser, in Greek, on a phone: a member who voted against an opinion writes their
dissent, and it shows beside the opinion under their name. The page passes axe-core WCAG 2.1 AA
and does not scroll sideways."""

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from tests.plugins.councils.test_dissents import _opinion

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def test_a_member_writes_a_dissent_beside_the_opinion(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["councils"], locale="el", timezone="Europe/Athens")
    ana = account_factory(name="Άννα Υπέρ", memberships={town: "member"}, locale="el")
    boris = account_factory(name="Βασίλης Κατά", memberships={town: "member"}, locale="el")
    opinion = _opinion(app, town, [ana, boris], ["for", "against"])
    context = chromium.new_context(locale="el-GR", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_through_form(page, live_server, boris.email, boris.password)
        page.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
        page.goto(live_server.tenant_url(town, f"/councils/opinions/{opinion}?lang=el"))
        assert not axe(page), "opinion with the dissent form"
        with page.expect_navigation():
            page.get_by_role("button", name="Δημοσίευση της μειοψηφούσας γνώμης μου").click()
        expect(
            page.get_by_text("Αυτό το πεδίο είναι υποχρεωτικό").or_(page.locator(".error")).first
        ).to_be_visible()
        page.get_by_label("Η μειοψηφούσα γνώμη σας").fill(
            "Ο προϋπολογισμός περικόπτει τις κοινωνικές υπηρεσίες."
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Δημοσίευση της μειοψηφούσας γνώμης μου").click()
        dissent = page.locator(".councils-dissent")
        expect(dissent).to_contain_text("Βασίλης Κατά")
        expect(dissent).to_contain_text("Ο προϋπολογισμός περικόπτει τις κοινωνικές υπηρεσίες.")
        assert not axe(page), "opinion with a dissent"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path="/tmp/councils_shots/dissent-390.png", full_page=True)
    finally:
        context.close()
