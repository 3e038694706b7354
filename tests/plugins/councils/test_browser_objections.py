"""In a real browser, in Greek: during the objection period a resident lodges an objection to the
published result (an empty one comes back with the message); staff answer it with reasons; the
public page shows both, without the resident's name. Each page passes axe-core WCAG 2.1 AA and
does not scroll sideways at 390 px."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import DECLARATION, make_call, make_council, make_organisation

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _page(chromium, live_server, town, account, width):
    context = chromium.new_context(locale="el-GR", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
    return context, page


def test_an_objection_is_lodged_and_answered(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["councils"], locale="el", timezone="Europe/Athens")
    admin = account_factory(name="Άννα Φορέα", memberships={town: "member"}, locale="el")
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    resident = account_factory(name="Κώστας Κρυφός", memberships={town: "member"}, locale="el")
    org = make_organisation(app, town, admin, name="Σύλλογος Φίλων του Άρδα")
    council = make_council(app, town, name="Επιτροπή Διαβούλευσης")["council"]
    call_id = make_call(
        app, town, council, title="Πρόσκληση φορέων", opens=-10, closes=-1, seats=1, objection_days=5
    )
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(call_id)
        now = utcnow_aware()
        nom = services.nominate(
            call,
            db.session.get(Account, admin.id),
            organisation_id=org,
            candidate_name="Άννα Φορέα",
            declaration=DECLARATION,
            now=now - dt.timedelta(days=5),
        )
        boss = db.session.get(Account, staff.id)
        services.screen(nom, admit=True, reason="Πληροί τα κριτήρια.", staff=boss, now=now)
        services.decide(call, reasoning="Η μόνη υποψηφιότητα.", staff=boss, selected=[nom.id], now=now)
        db.session.commit()
        db.session.remove()
    path = f"/councils/calls/{call_id}?lang=el"

    context, page = _page(chromium, live_server, town, resident, 390)
    try:
        page.goto(live_server.tenant_url(town, path))
        assert not axe(page), "call in its objection period"
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή της ένστασης").click()
        expect(page.get_by_label("Λόγοι της ένστασης")).to_have_attribute("aria-invalid", "true")
        assert not axe(page), "objection refused"
        page.get_by_label("Λόγοι της ένστασης").fill("Η πρόσκληση δεν δημοσιεύθηκε στον πίνακα ανακοινώσεων.")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή της ένστασης").click()
        expect(page.get_by_text("Η ένσταση υποβλήθηκε")).to_be_visible()
    finally:
        context.close()

    context, page = _page(chromium, live_server, town, staff, 1280)
    try:
        page.goto(live_server.tenant_url(town, path))
        assert not axe(page), "objection to answer"
        page.get_by_label("Απάντηση", exact=True).select_option("dismissed")
        page.get_by_label("Αιτιολογία της απάντησης (δημοσιεύεται)").fill("Δημοσιεύθηκε στις 3 Νοεμβρίου.")
        with page.expect_navigation():
            page.get_by_role("button", name="Απάντηση στην ένσταση").click()
    finally:
        context.close()

    for width in (1280, 390):
        context = chromium.new_context(locale="el-GR", viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            page.goto(live_server.tenant_url(town, path))
            objection = page.locator("[id^=objection-]")
            expect(objection).to_contain_text("Η πρόσκληση δεν δημοσιεύθηκε στον πίνακα ανακοινώσεων.")
            expect(objection).to_contain_text("Απορρίφθηκε")
            expect(objection).to_contain_text("Δημοσιεύθηκε στις 3 Νοεμβρίου.")
            expect(objection).to_contain_text("Δημότης")
            assert "Κρυφός" not in page.content()
            assert not axe(page), f"answered objection {width}"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=f"/tmp/councils_shots/objections-{width}.png", full_page=True)
        finally:
            context.close()
