"""The councils plugin in a real browser, in Greek: an NGO admin nominates its candidate with the
declaration; staff screen and appoint them and seat the council; the secretary schedules a meeting,
records attendance and a roll-call vote, issues the opinion; staff publish the municipality's
answer. Every page passes axe-core WCAG 2.1 AA."""

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context, to_local, utcnow_aware
from plugins.councils.models import Call
from tests.plugins.councils.conftest import make_call, make_council, make_organisation

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def _signed_in(browser, live_server, tenant, account):
    context = browser.new_context(locale="el-GR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin?lang=el"))
    expect(page.get_by_text(account.display_name).first).to_be_visible()
    return context, page


def test_nomination_to_answered_opinion(chromium, live_server, app, tenant_factory, account_factory, axe):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["councils"], locale="el", timezone="Europe/Athens")
    admin = account_factory(name="Άννα Φορέα", memberships={town: "member"}, locale="el")
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    make_organisation(app, town, admin, name="Σύλλογος Φίλων του Άρδα")
    ids = make_council(
        app,
        town,
        name="Επιτροπή Διαβούλευσης",
        seats={"ngo": (3, 0), "expert": (2, 0)},
        members=[("Γιώργος Ειδικός", "expert", "chair", None), ("Μαρία Ειδική", "expert", "member", None)],
    )
    call = make_call(app, town, ids["council"], title="Πρόσκληση φορέων", seats=1, objection_days=0)

    context, page = _signed_in(chromium, live_server, town, admin)
    try:
        page.goto(live_server.tenant_url(town, f"/councils/calls/{call}?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Πρόσκληση φορέων")).to_be_visible()
        assert not axe(page), "call"
        with page.expect_navigation():
            page.get_by_role("link", name="Πρόταση υποψηφίου").click()
        assert not axe(page), "nominate"
        page.get_by_label("Ονοματεπώνυμο υποψηφίου").fill("Άννα Φορέα")
        page.get_by_label("Θέσεις και ιδιότητες του υποψηφίου").fill("Πρόεδρος του Συλλόγου")
        page.get_by_label("Συνδεδεμένα πρόσωπα και φορείς").fill("καμία")
        page.get_by_label("Χρηματοδότηση από τον Δήμο").fill("καμία")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή της υποψηφιότητας").click()
        expect(page.get_by_text("Η υποψηφιότητα υποβλήθηκε.")).to_be_visible()
    finally:
        context.close()

    with app.app_context(), tenant_context(town.id):  # the window closes
        found = db.session.execute(sa.select(Call).where(Call.id == call)).scalar_one()
        found.closes_at = utcnow_aware() - dt.timedelta(minutes=1)
        db.session.commit()
        db.session.remove()

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, f"/councils/calls/{call}?lang=el"))
        assert not axe(page), "screening"
        page.get_by_label("Αιτιολογία (δημοσιεύεται)").fill("Πληροί τα κριτήρια.")
        with page.expect_navigation():
            page.get_by_role("button", name="Καταχώριση του ελέγχου").click()
        page.get_by_label("Άννα Φορέα").check()
        page.get_by_label("Αιτιολόγηση του αποτελέσματος (δημοσιεύεται)").fill("Απόφαση Δημάρχου 12/2026.")
        with page.expect_navigation():
            page.get_by_role("button", name="Δημοσίευση του αποτελέσματος").click()
        expect(page.get_by_text("Απόφαση Δημάρχου 12/2026.")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Ορισμός των μελών που επιλέχθηκαν").click()
        expect(page.get_by_role("rowheader", name="Άννα Φορέα")).to_be_visible()
        assert not axe(page), "council"

        with page.expect_navigation():
            page.get_by_role("link", name="Προγραμματισμός συνεδρίασης").click()
        start = to_local(utcnow_aware() + dt.timedelta(minutes=1), town).strftime("%Y-%m-%dT%H:%M")
        page.get_by_label("Τίτλος").fill("Τακτική συνεδρίαση")
        page.get_by_label("Έναρξη").fill(start)
        page.get_by_label("Ημερήσια διάταξη").fill("Τεχνικό πρόγραμμα 2027")
        with page.expect_navigation():
            page.get_by_role("button", name="Προγραμματισμός της συνεδρίασης").click()
        expect(page.get_by_text("Δεν υπάρχει απαρτία: 0 παρόντες, απαιτούνται 3.")).to_be_visible()
        # each box saves as it is ticked (live.js); with the quorum reached the page reloads itself
        for name in ("Γιώργος Ειδικός", "Μαρία Ειδική", "Άννα Φορέα"):
            page.get_by_label(name, exact=True).check()
            page.wait_for_timeout(300)
        expect(page.get_by_text("Υπάρχει απαρτία: 3 παρόντες, απαιτούνται 3.")).to_be_visible(timeout=15000)
        page.wait_for_load_state()
        assert not axe(page), "meeting"
        page.get_by_label("Γιώργος Ειδικός: Υπέρ").check()
        page.get_by_label("Μαρία Ειδική: Υπέρ").check()
        page.get_by_label("Άννα Φορέα: Αποχή").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Καταχώριση των ψήφων").click()
        expect(page.get_by_text("Υπέρ: 2 · Κατά: 0 · Αποχή: 1")).to_be_visible()

        page.goto(live_server.tenant_url(town, f"/councils/{ids['council']}/opinions/new?lang=el"))
        page.get_by_label("Τίτλος").fill("Γνωμοδότηση για το τεχνικό πρόγραμμα")
        page.get_by_label("Θέμα ημερήσιας διάταξης που ψηφίστηκε").select_option(index=1)
        page.get_by_label("Κείμενο της γνωμοδότησης").fill(
            "Θετική γνώμη, με προτεραιότητα στην προσβασιμότητα."
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Έκδοση της γνωμοδότησης").click()
        expect(page.get_by_text("Ψηφοφορία: 2 υπέρ, 0 κατά, 1 αποχές.")).to_be_visible()
        page.get_by_label("Απάντηση", exact=True).select_option("partly")
        page.get_by_label("Αιτιολογία (δημοσιεύεται)").fill("Εντάσσονται τα δύο από τα τρία έργα.")
        with page.expect_navigation():
            page.get_by_role("button", name="Δημοσίευση της απάντησης").click()
        expect(page.get_by_text("Έγινε δεκτή εν μέρει")).to_be_visible()
        assert not axe(page), "opinion"
        page.screenshot(path="/tmp/councils_opinion.png", full_page=True)
    finally:
        context.close()

    anonymous = chromium.new_context(locale="el-GR")
    try:
        public = anonymous.new_page()
        public.goto(live_server.tenant_url(town, "/councils/opinions?lang=el"))
        expect(public.get_by_text("Γνωμοδότηση για το τεχνικό πρόγραμμα")).to_be_visible()
        assert not axe(public), "register"
    finally:
        anonymous.close()


def test_the_other_pages_are_accessible(chromium, live_server, app, tenant_factory, account_factory, axe):
    town = tenant_factory(name="Община Проба", plugins=["councils"], locale="bg", timezone="Europe/Sofia")
    staff = account_factory(name="Петя Служител", memberships={town: "staff"}, locale="bg")
    ids = make_council(app, town, name="Обществен съвет", members=[("Иван Петров", "ngo", "chair", None)])
    make_call(app, town, ids["council"], title="Покана за НПО")
    context = chromium.new_context(locale="bg-BG")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_through_form(page, live_server, staff.email, staff.password)
    page.goto(live_server.tenant_url(town, "/auth/signin?lang=bg"))
    try:
        year = to_local(utcnow_aware(), town).year
        for path in (
            "/councils/",
            f"/councils/{ids['council']}",
            "/councils/new",
            f"/councils/{ids['council']}/members/new",
            f"/councils/{ids['council']}/calls/new",
            f"/councils/{ids['council']}/meetings/new",
            f"/councils/{ids['council']}/opinions/new",
            f"/councils/{ids['council']}/report/{year}",
        ):
            page.goto(live_server.tenant_url(town, path + "?lang=bg"))
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert not axe(page), path
        page.goto(live_server.tenant_url(town, f"/councils/{ids['council']}?lang=bg"))
        page.screenshot(path="/tmp/councils_council.png", full_page=True)
    finally:
        context.close()
