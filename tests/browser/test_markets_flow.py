"""The markets plugin in a real browser, in Greek: a producer lists a product and offers it, a
citizen pre-orders with the real form (CSRF on), staff open the printable pick list, a household
applies, a validator decides and the household orders with its credits. Every page passes
axe-core WCAG 2.1 AA. With ``SYMPRAXIS_SCREENSHOTS=<folder>`` each page is also saved as a PNG."""

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context
from plugins.markets import grocery
from tests.plugins.markets.conftest import make_day, make_producer

pytestmark = BROWSER
SHOTS = os.environ.get("SYMPRAXIS_SCREENSHOTS")


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


def _check(page, axe, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"markets-{name}.png"), full_page=True)
    assert not axe(page), name


def test_producer_citizen_staff_and_household(
    chromium, live_server, app, tenant_factory, account_factory, mail_outbox, axe
):
    town = tenant_factory(name="Δήμος Ορεστιάδας", plugins=["markets"], locale="el", timezone="Europe/Athens")
    seller = account_factory(name="Γιώργος Παραγωγός", memberships={town: "member"}, locale="el")
    citizen = account_factory(name="Ελένη Δημότισσα", memberships={town: "member"}, locale="el")
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "admin"}, locale="el")
    products = make_producer(app, town, seller)["products"]
    ids = make_day(app, town, products, stock=20, slots=(10, 10))
    with app.app_context(), tenant_context(town.id):
        item = grocery.save_item(None, name="Ελαιόλαδο", credits=15)
        grocery.record_donation(
            item,
            donor_kind="producer",
            donor_name="Ελαιώνες Έβρου",
            quantity=30,
            received_on=dt.date.today(),
            staff=None,
        )
        db.session.commit()
        db.session.remove()

    context, page = _signed_in(chromium, live_server, town, seller)
    try:
        page.goto(live_server.tenant_url(town, "/markets/producer?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Για παραγωγούς")).to_be_visible()
        _check(page, axe, "producer")
        page.goto(live_server.tenant_url(town, "/markets/producer/products/new?lang=el"))
        page.get_by_label("Προϊόν").fill("Θυμαρίσιο μέλι")
        page.get_by_label("Πωλείται ανά").select_option("piece")
        page.get_by_label("Τιμή ανά μονάδα (€)").fill("9.00")
        _check(page, axe, "product-form")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση προϊόντος").click()
        expect(page.get_by_text("Το προϊόν αποθηκεύτηκε.")).to_be_visible()
        page.goto(live_server.tenant_url(town, f"/markets/producer/days/{ids['day']}/offers?lang=el"))
        page.get_by_label("Θυμαρίσιο μέλι (τεμ.)").fill("1,5")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση των προσφορών μου").click()
        expect(page.get_by_text("Αυτό το προϊόν πωλείται σε ολόκληρα τεμάχια.")).to_be_visible()
        _check(page, axe, "offers-with-an-error")
        page.get_by_label("Θυμαρίσιο μέλι (τεμ.)").fill("12")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση των προσφορών μου").click()
        expect(page.get_by_text("Οι προσφορές σας αποθηκεύτηκαν.")).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, citizen)
    try:
        page.goto(live_server.tenant_url(town, "/markets/?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Αλληλέγγυα αγορά")).to_be_visible()
        _check(page, axe, "index")
        with page.expect_navigation():
            page.get_by_role("link", name="Λαϊκή Ορεστιάδας").click()
        page.get_by_label("Ποσότητα: Θυμαρίσιο μέλι").fill("2")
        page.get_by_label("Ποσότητα: Σπαράγγια").fill("1,5")
        page.get_by_role("radio").first.check()
        _check(page, axe, "day")
        with page.expect_navigation():
            page.get_by_role("button", name="Επιβεβαίωση προπαραγγελίας").click()
        expect(page.get_by_text("Η προπαραγγελία σας επιβεβαιώθηκε.", exact=False).first).to_be_visible()
        expect(page.get_by_label("Ποσότητα: Θυμαρίσιο μέλι")).to_have_value("2")

        page.goto(live_server.tenant_url(town, "/markets/grocery/apply?lang=el"))
        page.get_by_label("Όνομα του αιτούντος").fill("Ελένη Δημότισσα")
        page.get_by_label("Μέλη του νοικοκυριού").fill("3")
        page.get_by_label("Μηνιαίο εισόδημα του νοικοκυριού (€)").fill("420")
        page.get_by_label("Μονογονεϊκή οικογένεια").check()
        _check(page, axe, "grocery-apply")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή της αίτησης").click()
        expect(page.get_by_text("Η αίτηση στάλθηκε στους αρμόδιους ελέγχου.")).to_be_visible()
    finally:
        context.close()
    mail = mail_outbox.wait_for(lambda m: m["To"] == citizen.email)
    assert "Λαϊκή Ορεστιάδας" in mail["Subject"]

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, f"/markets/days/{ids['day']}/picklist?lang=el"))
        expect(page.get_by_role("heading", level=2, name="Σύνολα ανά προϊόν")).to_be_visible()
        expect(page.get_by_role("row", name="Θυμαρίσιο μέλι").first).to_contain_text("2 τεμ.")
        _check(page, axe, "picklist")
        page.goto(live_server.tenant_url(town, "/markets/grocery/applications?lang=el"))
        _check(page, axe, "applications")
        with page.expect_navigation():
            page.get_by_role("link", name="Ελένη Δημότισσα").click()
        page.get_by_label("Απόφαση").select_option("approved")
        _check(page, axe, "application")
        with page.expect_navigation():
            page.get_by_role("button", name="Καταχώριση της απόφασης").click()
        expect(page.get_by_text("Η απόφαση καταγράφηκε.")).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, citizen)
    try:
        page.goto(live_server.tenant_url(town, "/markets/grocery/?lang=el"))
        expect(page.get_by_text("Απομένουν 100 μονάδες αυτόν τον μήνα")).to_be_visible()  # 60 + 2 × 20
        page.get_by_label("Ποσότητα: Ελαιόλαδο").fill("2")
        with page.expect_navigation():
            page.locator("tr", has_text="Ελαιόλαδο").get_by_role("button").click()
        expect(page.get_by_text("Απομένουν 70 μονάδες αυτόν τον μήνα")).to_be_visible()
        _check(page, axe, "grocery")
        page.goto(live_server.tenant_url(town, "/markets/grocery/statistics?lang=el"))
        _check(page, axe, "statistics")
    finally:
        context.close()


def _grocery_day(app, town, account):
    """An eligible household of ``account`` (size 1: 60 credits), sugar at 4 credits, and a
    distribution day in two days with two slots; the ids."""
    from core.toolkit import Account, utcnow_aware
    from plugins.markets import distribution

    with app.app_context(), tenant_context(town.id):
        application = grocery.apply(
            applicant=db.session.get(Account, account.id),
            name="Νοικοκυριό Παπαδοπούλου",
            size=1,
            monthly_income=250,
        )
        grocery.decide(application, None, status="approved", reason="")
        item = grocery.save_item(None, name="Ζάχαρη", credits=4)
        grocery.record_donation(
            item, donor_kind="business", donor_name="", quantity=10, received_on=dt.date.today(), staff=None
        )
        now = utcnow_aware()
        day = distribution.save_day((now + dt.timedelta(days=2)).date(), place="Κέντρο Κοινότητας")
        for i in range(2):
            distribution.add_slot(
                day,
                starts_at=now + dt.timedelta(days=2, hours=i),
                ends_at=now + dt.timedelta(days=2, hours=i + 1),
                capacity=5,
            )
        db.session.commit()
        found = {"day": day.id, "item": item.id}
        db.session.remove()
    return found


def test_a_household_orders_for_a_distribution_day_on_a_phone_and_staff_hand_it_over(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Ορεστιάδας", plugins=["markets"], locale="el", timezone="Europe/Athens")
    person = account_factory(name="Μαρία Παπαδοπούλου", memberships={town: "member"}, locale="el")
    staff = account_factory(name="Σταύρος Υπάλληλος", memberships={town: "staff"}, locale="el")
    ids = _grocery_day(app, town, person)
    day_path = f"/markets/grocery/distribution/{ids['day']}?lang=el"

    context, page = _signed_in(chromium, live_server, town, person, viewport={"width": 390, "height": 844})
    try:
        page.goto(live_server.tenant_url(town, day_path))
        expect(page.get_by_text("Απομένουν 60 μονάδες αυτόν τον μήνα")).to_be_visible()
        page.get_by_label("Ποσότητα: Ζάχαρη").fill("20")  # 80 credits of 60: refused, the quantity kept
        page.get_by_role("radio").first.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Παραγγελία με τις μονάδες μου").click()
        expect(page.get_by_role("alert")).to_contain_text("Δεν απομένουν αρκετές μονάδες αυτόν τον μήνα.")
        expect(page.get_by_label("Ποσότητα: Ζάχαρη")).to_have_value("20")
        _check(page, axe, "distribution-refused-390")
        page.get_by_label("Ποσότητα: Ζάχαρη").fill("3")
        page.get_by_role("radio").first.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Παραγγελία με τις μονάδες μου").click()
        expect(page.get_by_text("Η παραγγελία σας καταγράφηκε.", exact=False)).to_be_visible()
        expect(page.get_by_role("heading", name="Η παραγγελία σας για αυτή την ημέρα")).to_be_visible()
        expect(page.get_by_text("Ζάχαρη × 3")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _check(page, axe, "distribution-ordered-390")
        # cancelled before the day, the credits come back; ordered again
        with page.expect_navigation():
            page.get_by_role("button", name="Ακύρωση της παραγγελίας μου").click()
        expect(page.get_by_text("Η παραγγελία σας ακυρώθηκε", exact=False)).to_be_visible()
        expect(page.get_by_text("Απομένουν 60 μονάδες αυτόν τον μήνα")).to_be_visible()
        _check(page, axe, "distribution-cancelled-390")
        page.get_by_label("Ποσότητα: Ζάχαρη").fill("2")
        page.get_by_role("radio").last.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Παραγγελία με τις μονάδες μου").click()
        expect(page.get_by_text("Ζάχαρη × 2")).to_be_visible()
    finally:
        context.close()

    # on a phone, staff open the cancellation of the order: it asks the reason first, and
    # keeping the order changes nothing
    context, page = _signed_in(chromium, live_server, town, staff, viewport={"width": 390, "height": 844})
    try:
        page.goto(live_server.tenant_url(town, f"/markets/grocery/manage/distribution/{ids['day']}?lang=el"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _check(page, axe, "distribution-manage-390")
        with page.expect_navigation():
            page.get_by_role("link", name="Ακύρωση παραγγελίας: Νοικοκυριό Παπαδοπούλου").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Νοικοκυριό Παπαδοπούλου")
        with page.expect_navigation():
            page.get_by_role("button", name="Ακύρωση της παραγγελίας").click()
        expect(page.get_by_role("alert")).to_contain_text("Δώστε τον λόγο")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _check(page, axe, "order-cancel-refused-390")
        with page.expect_navigation():
            page.get_by_role("link", name="Διατήρηση της παραγγελίας").click()
        expect(page.get_by_text("Ζάχαρη × 2")).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, f"/markets/grocery/manage/distribution/{ids['day']}?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Παραγγελίες προς παράδοση")).to_be_visible()
        expect(page.get_by_text("Ζάχαρη × 2")).to_be_visible()
        _check(page, axe, "distribution-manage")
        with page.expect_navigation():
            page.get_by_role("button", name="Παραδόθηκε σε: Νοικοκυριό Παπαδοπούλου").click()
        expect(page.get_by_text("Παραλήφθηκε")).to_be_visible()
        _check(page, axe, "distribution-handed-over")
    finally:
        context.close()


def test_a_subscriber_chooses_a_pick_up_time_and_cancels_the_share(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    """On a phone and on a desktop: the share's page offers the slots of that week's market day,
    saves the chosen one, and gives the share up; axe-clean, nothing wider than the screen."""
    from core.toolkit import Account
    from plugins.markets import services, shares

    town = tenant_factory(name="Δήμος Ορεστιάδας", plugins=["markets"], locale="el", timezone="Europe/Athens")
    seller = account_factory(name="Γιώργος Παραγωγός", memberships={town: "member"}, locale="el")
    person = account_factory(name="Άννα Συνδρομήτρια", memberships={town: "member"}, locale="el")
    products = make_producer(app, town, seller)["products"]
    ids = make_day(app, town, products, slots=(4, 6))
    with app.app_context(), tenant_context(town.id):
        start = services.get_market_day(ids["day"]).day
        producer = services.producers_of(db.session.get(Account, seller.id))[0]
        plan = shares.save_plan(
            producer,
            name="Καλάθι του Έβρου",
            price="30",
            price_per="month",
            frequency="weekly",
            season_start=start,
            season_end=start + dt.timedelta(weeks=3),
            shares=5,
        )
        shares.subscribe(plan.id, db.session.get(Account, person.id))
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    for name, options in (("390", {"viewport": {"width": 390, "height": 844}}), ("desktop", {})):
        context, page = _signed_in(chromium, live_server, town, person, **options)
        try:
            page.goto(live_server.tenant_url(town, f"/markets/shares/{plan_id}?lang=el"))
            expect(page.get_by_role("heading", level=2, name="Τα καλάθια σας")).to_be_visible()
            page.get_by_label("Παραλαβή στην αγορά «Λαϊκή Ορεστιάδας»", exact=False).select_option(index=1)
            with page.expect_navigation():
                page.get_by_role("button", name="Αποθήκευση της ώρας παραλαβής").click()
            expect(
                page.get_by_text("Η ώρα παραλαβής σας για εκείνη την εβδομάδα αποθηκεύτηκε.")
            ).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            _check(page, axe, f"share-pickup-{name}")
        finally:
            context.close()
    context, page = _signed_in(chromium, live_server, town, person)
    try:
        page.goto(live_server.tenant_url(town, f"/markets/shares/{plan_id}?lang=el"))
        with page.expect_navigation():
            page.get_by_role("button", name="Ακύρωση του μεριδίου μου").click()
        expect(page.get_by_text("Το μερίδιό σας ακυρώθηκε", exact=False)).to_be_visible()
        expect(page.get_by_role("button", name="Αποκτήστε μερίδιο")).to_be_visible()
        _check(page, axe, "share-cancelled")
    finally:
        context.close()
    with app.app_context(), tenant_context(town.id):
        from plugins.markets.models import PickupSlot

        assert sorted(db.session.execute(sa.select(PickupSlot.taken)).scalars()) == [0, 0]
        db.session.remove()
