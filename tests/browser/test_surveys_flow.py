"""The surveys plugin in a real browser, in Greek: staff build a survey from a template and
publish it; a member answers on a phone-sized screen (a conditional question appears when its
condition is met, an error keeps every answer); staff publish the results. Every page passes
axe-core WCAG 2.1 AA."""

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER

SHOTS = "/tmp/surveys-shots"


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _signed_in(browser, live_server, tenant, account, **options):
    context = browser.new_context(locale="el-GR", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin?lang=el"))
    expect(page.get_by_text(account.display_name).first).to_be_visible()
    return context, page


def _shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_staff_build_a_member_answers_on_a_phone_staff_publish(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["surveys"], locale="el", timezone="Europe/Athens")
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    member = account_factory(name="Ελένη Δημότισσα", memberships={town: "member"}, locale="el")

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, "/surveys/new?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Νέα έρευνα")).to_be_visible()
        assert not axe(page), "new survey"
        _shot(page, "new")
        page.get_by_label("Πρότυπο", exact=True).select_option("satisfaction")
        with page.expect_navigation():
            page.get_by_role("button", name="Δημιουργία από το πρότυπο").click()
        expect(page.get_by_role("heading", level=1, name="Πώς σας φάνηκε η συνάντηση;")).to_be_visible()
        assert not axe(page), "survey, staff"
        _shot(page, "survey-staff")
        survey_url = page.url.split("?")[0]
        with page.expect_navigation():
            page.get_by_role("link", name="Επεξεργασία της έρευνας").click()
        page.get_by_label("Δημοσιευμένη (ορατή και ανοιχτή στο διάστημά της)").check()
        page.get_by_label("Ανοίγει", exact=True).fill("2020-01-01T09:00")
        assert not axe(page), "edit survey"
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση της έρευνας").click()
        expect(page.get_by_text("Η έρευνα αποθηκεύτηκε.")).to_be_visible()
    finally:
        context.close()

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context, page = _signed_in(chromium, live_server, town, member, **phone)
    try:
        page.goto(survey_url + "/answer?lang=el")
        expect(page.get_by_role("heading", level=1, name="Πώς σας φάνηκε η συνάντηση;")).to_be_visible()
        why = page.get_by_label("Τι θα σας έκανε να έρθετε ξανά;")
        expect(why).to_be_hidden()  # shown only to those who would not come again
        assert not axe(page), "answer form"
        _shot(page, "answer-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("fieldset", has_text="Θα συμμετείχατε ξανά;").get_by_label("Όχι", exact=True).check()
        expect(why).to_be_visible()
        why.fill("Συναντήσεις το απόγευμα")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή των απαντήσεών μου").click()
        expect(page.get_by_text("Η ερώτηση χρειάζεται απάντηση.").first).to_be_visible()  # no rating given
        expect(why).to_have_value("Συναντήσεις το απόγευμα")
        assert not axe(page), "answer form with an error"
        _shot(page, "answer-error")
        rating = page.locator("fieldset", has_text="Συνολικά, πόσο ικανοποιημένος/η είστε;")
        rating.get_by_label("4", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή των απαντήσεών μου").click()
        expect(page.get_by_text("Ευχαριστούμε: οι απαντήσεις σας καταχωρίστηκαν.")).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(survey_url + "/edit?lang=el")
        page.get_by_label("Τα αποτελέσματα είναι δημόσια").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση της έρευνας").click()
        page.goto(survey_url + "/results?lang=el")
        expect(page.get_by_text("1 απάντηση").first).to_be_visible()
        assert not axe(page), "results, staff"
        _shot(page, "results-staff")
        page.get_by_label("Γραμμές").select_option(label="Θα συμμετείχατε ξανά;")
        page.get_by_label("Στήλες").select_option(label="Συνολικά, πόσο ικανοποιημένος/η είστε; (1–5)")
        with page.expect_navigation():
            page.get_by_role("button", name="Εμφάνιση του πίνακα").click()
        expect(page.locator("table.survey-crosstab")).to_be_visible()
        assert not axe(page), "results with a cross-tabulation"
        _shot(page, "results-cross")
    finally:
        context.close()
    visitor = chromium.new_context(locale="el-GR")
    try:
        page = visitor.new_page()
        page.goto(survey_url + "/results?lang=el")
        expect(page.get_by_text("Πολύ λίγες απαντήσεις για να εμφανιστούν.").first).to_be_visible()
        assert not axe(page), "results, public"
        _shot(page, "results-public")
    finally:
        visitor.close()
