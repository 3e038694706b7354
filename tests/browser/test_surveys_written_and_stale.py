"""The surveys' page of every written answer and an out-of-date translation in a real browser, in
Greek: staff follow the results' link to all 210 written answers, publish one on the last page
(and stay there), the public reads it; staff reword a translated question and see the
translation flagged and the question marked. Every page passes axe-core WCAG 2.1 AA, none
overflows 390 px."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context, utcnow_aware
from plugins.surveys import services
from plugins.surveys.models import Kind, Response

pytestmark = BROWSER

SHOTS = "/tmp/surveys-shots"


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _fits_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def test_every_written_answer_and_an_out_of_date_translation(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["surveys"], locale="el", locales=["el", "bg"])
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    with app.app_context(), tenant_context(town.id):
        now = utcnow_aware()
        survey = services.save_survey(
            None,
            account=None,
            title="Ιδέες για την πλατεία",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=7),
            published=True,
            results_public=True,
        )
        idea = services.save_question(
            survey, None, kind=Kind.LONG_TEXT, prompt="Τι θα αλλάζατε στην πλατεία;"
        )
        start = now - dt.timedelta(hours=1)
        db.session.add_all(
            Response(
                survey_id=survey.id,
                answers={str(idea.id): f"Πρόταση αριθμός {i}: περισσότερα δέντρα και παγκάκια στη σκιά"},
                submitted_at=start + dt.timedelta(seconds=i),
            )
            for i in range(210)
        )
        services.save_translation(
            survey,
            "bg",
            title="Идеи за площада",
            texts={str(idea.id): {"prompt": "Какво бихте променили на площада?"}},
        )
        survey_id, idea_id = survey.id, idea.id
        db.session.commit()
        db.session.remove()
    base = f"/surveys/{survey_id}"

    context = chromium.new_context(locale="el-GR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_through_form(page, live_server, staff.email, staff.password)
        page.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
        expect(page.get_by_text(staff.display_name).first).to_be_visible()
        page.goto(live_server.tenant_url(town, f"{base}/results?lang=el"))
        page.locator("summary", has_text="210 γραπτές απαντήσεις").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Όλες οι 210 γραπτές απαντήσεις").click()
        expect(page.get_by_text("Σελίδα 1 από 5")).to_be_visible()
        assert not axe(page), "written answers, staff"
        _fits_a_phone(page)
        page.goto(live_server.tenant_url(town, f"{base}/results/questions/{idea_id}/answers?page=5&lang=el"))
        item = page.locator("li", has_text="Πρόταση αριθμός 205:")
        with page.expect_navigation():
            item.get_by_role("button", name="Εμφάνιση στα δημόσια αποτελέσματα").click()
        assert "page=5" in page.url
        expect(page.get_by_text("Σελίδα 5 από 5")).to_be_visible()
        expect(item.get_by_text("δημόσια", exact=True)).to_be_visible()
        assert not axe(page), "written answers, staff, last page"
        page.screenshot(path=f"{SHOTS}/written-answers-staff.png", full_page=True)

        with app.app_context(), tenant_context(town.id):  # staff reword the question
            found = services.get_survey(survey_id)
            question = services.get_question(found, idea_id)
            services.save_question(found, question, kind=question.kind, prompt="Τι λείπει από την πλατεία;")
            db.session.commit()
            db.session.remove()
        page.goto(live_server.tenant_url(town, f"{base}?lang=el"))
        expect(page.get_by_text("μη ενημερωμένη")).to_be_visible()
        assert not axe(page), "survey, staff, translation out of date"
        _fits_a_phone(page)
        page.goto(live_server.tenant_url(town, f"{base}/translations/bg?lang=el"))
        expect(page.get_by_text("Αυτή η μετάφραση δεν είναι ενημερωμένη.")).to_be_visible()
        expect(page.locator("fieldset.survey-translation-changed")).to_have_count(1)
        assert not axe(page), "translation out of date"
        _fits_a_phone(page)
        page.screenshot(path=f"{SHOTS}/translation-stale.png", full_page=True)
    finally:
        context.close()

    visitor = chromium.new_context(locale="el-GR")
    try:
        page = visitor.new_page()
        page.goto(live_server.tenant_url(town, f"{base}/results/questions/{idea_id}/answers?lang=el"))
        expect(page.get_by_text("Πρόταση αριθμός 205:")).to_be_visible()
        expect(page.get_by_text("Πρόταση αριθμός 204:")).to_have_count(0)
        assert not axe(page), "written answers, public"
        _fits_a_phone(page)
    finally:
        visitor.close()
