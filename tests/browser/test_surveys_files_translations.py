"""The surveys' file question, translations and the hearings feedback link in a real browser:
staff translate a survey into Bulgarian; a Bulgarian-speaking member answers it on a phone,
uploading a PDF (the file is kept through an error); staff see the file in the results; staff
link the survey to a meeting's feedback. Every page passes axe-core WCAG 2.1 AA, none overflows
390 px."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context, utcnow_aware
from plugins.surveys import services
from plugins.surveys.models import Kind
from tests.plugins.hearings.conftest import make_meeting

pytestmark = BROWSER

SHOTS = "/tmp/surveys-shots"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _signed_in(browser, live_server, tenant, account, lang, **options):
    context = browser.new_context(locale=lang, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(tenant, f"/auth/signin?lang={lang}"))
    expect(page.get_by_text(account.display_name).first).to_be_visible()
    return context, page


def _shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_translated_survey_with_a_file_answered_on_a_phone(
    chromium, live_server, app, tenant_factory, account_factory, axe, tmp_path
):
    town = tenant_factory(
        name="Община Хасково", plugins=["surveys", "hearings"], locale="el", locales=["el", "bg"]
    )
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    member = account_factory(name="Мария Петрова", memberships={town: "member"}, locale="bg")
    with app.app_context(), tenant_context(town.id):
        now = utcnow_aware()
        survey = services.save_survey(
            None,
            account=None,
            title="Ανάγκες των συλλόγων",
            introduction="Για το σχέδιο δράσης.",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=7),
            published=True,
        )
        services.save_question(
            survey, None, kind=Kind.SINGLE, prompt="Έχετε καταστατικό;", options=["Ναι", "Όχι"], required=True
        )
        services.save_question(
            survey, None, kind=Kind.FILE, prompt="Το καταστατικό σας", help="Το υπογεγραμμένο αντίγραφο."
        )
        services.save_question(
            survey, None, kind=Kind.RATING5, prompt="Πόσο ικανοποιημένοι είστε;", required=True
        )
        survey_id = survey.id
        db.session.commit()
        db.session.remove()
    base = f"/surveys/{survey_id}"
    mid = make_meeting(app, town, capacity=None)

    context, page = _signed_in(chromium, live_server, town, staff, "el")
    try:
        page.goto(live_server.tenant_url(town, f"{base}/translations/bg?lang=el"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Μετάφραση")
        page.get_by_label("Τίτλος", exact=True).fill("Нуждите на сдруженията")
        inputs = page.locator("fieldset.survey-translation-q input[type=text]")
        for i, text in enumerate(
            ["Имате ли устав?", "Да", "Не", "Вашият устав", "Подписаното копие.", "Доколко сте доволни?"]
        ):
            inputs.nth(i).fill(text)
        assert not axe(page), "translation form"
        _shot(page, "translation-staff")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση της μετάφρασης").click()
        expect(page.get_by_text("Η μετάφραση αποθηκεύτηκε.")).to_be_visible()
    finally:
        context.close()

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context, page = _signed_in(chromium, live_server, town, member, "bg", **phone)
    try:
        page.goto(live_server.tenant_url(town, f"{base}/answer?lang=bg"))
        expect(page.get_by_role("heading", level=1, name="Нуждите на сдруженията")).to_be_visible()
        statute = tmp_path / "Устав.pdf"
        statute.write_bytes(PDF)
        page.get_by_label("Да", exact=True).check()
        page.get_by_label("Вашият устав").set_input_files(str(statute))
        with page.expect_navigation():
            page.get_by_role("button", name="Изпращане на отговорите").click()  # the rating is missing
        expect(page.get_by_text("Устав.pdf")).to_be_visible()  # kept: not asked for again
        assert not axe(page), "answer form with a kept file"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "answer-file-phone-bg")
        page.locator("fieldset", has_text="Доколко сте доволни?").get_by_label("4", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Изпращане на отговорите").click()
        expect(page.locator(".flash, .notice, [role=status], [role=alert]").first).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, staff, "el")
    try:
        page.goto(live_server.tenant_url(town, f"{base}/results?lang=el"))
        page.get_by_text("Τα αρχεία (μόνο για το προσωπικό)").click()
        expect(page.get_by_role("link", name="Устав.pdf")).to_be_visible()
        assert not axe(page), "results with a file"
        _shot(page, "results-file-staff")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "results-file-staff-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.tenant_url(town, f"/hearings/meetings/{mid}/feedback?lang=el"))
        page.get_by_label("Έρευνα για την αξιολόγηση (η διεύθυνσή της)").fill(
            live_server.tenant_url(town, base)
        )
        with page.expect_navigation():
            page.locator(
                "form", has=page.get_by_label("Έρευνα για την αξιολόγηση (η διεύθυνσή της)")
            ).get_by_role("button").click()
        expect(page.get_by_role("link", name="Ανάγκες των συλλόγων")).to_be_visible()
        assert not axe(page), "meeting feedback results with a linked survey"
        _shot(page, "hearings-feedback-survey")
    finally:
        context.close()
