"""The volunteers plugin in a real browser, in Greek: a member finds a task, signs up for a shift
with the real form (CSRF on) and sees it in "my volunteering"; a coordinator records the hours of
a shift that has started and is told what a task without a title lacks. Every page passes
axe-core WCAG 2.1 AA."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.volunteers import services
from tests.plugins.volunteers.conftest import make_task

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    """Argon2id at minimal cost for these accounts (the live server verifies any parameters)."""
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _signed_in(browser, live_server, tenant, account):
    context = browser.new_context(locale="el-GR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin?lang=el"))  # the hand-off to the municipality
    expect(page.get_by_text(account.display_name).first).to_be_visible()
    return context, page


def test_a_member_signs_up_and_a_coordinator_records_the_hours(
    chromium, live_server, app, tenant_factory, account_factory, mail_outbox, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["volunteers"], locale="el", timezone="Europe/Athens")
    member = account_factory(name="Ελένη Εθελόντρια", memberships={town: "member"}, locale="el")
    staff = account_factory(name="Σταύρος Συντονιστής", memberships={town: "staff"}, locale="el")
    make_task(
        app, town, title="Διανομή τροφίμων", skills=["Οργάνωση αποθήκης"], shifts=[(dt.timedelta(days=2), 3)]
    )
    past = make_task(app, town, title="Καθαρισμός παραλίας", shifts=[(-dt.timedelta(hours=4), 5)])
    with app.app_context(), tenant_context(town.id):
        signup = services.sign_up(
            past["shifts"][0], db.session.get(Account, member.id), now=utcnow_aware() - dt.timedelta(days=1)
        )
        db.session.commit()
        signup_id = signup.id
        db.session.remove()

    context, page = _signed_in(chromium, live_server, town, member)
    try:
        page.goto(live_server.tenant_url(town, "/volunteers/?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Εθελοντισμός")).to_be_visible()
        assert not axe(page), "list"
        page.get_by_label("Δεξιότητα").select_option("Οργάνωση αποθήκης")
        with page.expect_navigation():
            page.get_by_role("button", name="Φιλτράρισμα").click()
        expect(page.locator("li.card[data-task]")).to_have_count(1)
        with page.expect_navigation():
            page.get_by_role("link", name="Διανομή τροφίμων").click()
        expect(page.get_by_role("heading", level=1, name="Διανομή τροφίμων")).to_be_visible()
        assert not axe(page), "task"
        with page.expect_navigation():
            page.get_by_role("link", name="Δήλωση συμμετοχής").first.click()
        expect(page.get_by_role("heading", level=1, name="Δήλωση συμμετοχής σε βάρδια")).to_be_visible()
        assert not axe(page), "sign-up"
        page.get_by_label("Σημείωση για τον συντονισμό (προαιρετικά)").fill("Μπορώ να φέρω το αυτοκίνητό μου")
        with page.expect_navigation():
            page.get_by_role("main").get_by_role("button", name="Δήλωση συμμετοχής").click()
        expect(page.get_by_text("Η συμμετοχή σας καταχωρίστηκε.")).to_be_visible()
        expect(page.get_by_text("Απομένουν 2 θέσεις")).to_be_visible()
        page.goto(live_server.tenant_url(town, "/volunteers/mine?lang=el"))
        expect(page.locator("li.card[data-signup]", has_text="Διανομή τροφίμων")).to_have_count(1)
        assert not axe(page), "my volunteering"
    finally:
        context.close()
    mail = mail_outbox.wait_for(lambda m: m["To"] == member.email and "Διανομή τροφίμων" in m["Subject"])
    assert mail["Subject"].startswith("Δήλωση συμμετοχής: Διανομή τροφίμων")

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, f"/volunteers/shifts/{past['shifts'][0]}/attendance?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Εθελοντές και παρουσίες")).to_be_visible()
        assert not axe(page), "attendance"
        row = page.locator(f"tr[data-signup='{signup_id}']")
        row.get_by_label("Συμμετείχε").check()
        row.get_by_label("Ώρες: Ελένη Εθελόντρια").fill("πολλές")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση παρουσιών").click()
        expect(page.get_by_text("Δεν αποθηκεύτηκε τίποτα")).to_be_visible()
        expect(row.get_by_label("Ώρες: Ελένη Εθελόντρια")).to_have_value("πολλές")
        assert not axe(page), "attendance with an error"
        row.get_by_label("Ώρες: Ελένη Εθελόντρια").fill("2,5")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση παρουσιών").click()
        expect(page.get_by_text("Η παρουσία καταχωρίστηκε.")).to_be_visible()
        expect(page.get_by_text("Καταγεγραμμένες ώρες: 2,5")).to_be_visible()

        page.goto(live_server.tenant_url(town, "/volunteers/tasks/new?lang=el"))
        page.get_by_label("Τόπος").fill("Λιμάνι")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση δράσης").click()
        expect(page.get_by_label("Τίτλος")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Τόπος")).to_have_value("Λιμάνι")
        assert not axe(page), "task form with an error"
    finally:
        context.close()
