"""The registry in a real browser, in Greek: an NGO changes its entry and gives the year's
figures, staff verify the change against a document, the aggregate job runs and the observatory
on the apex shows the new totals. Every page passes axe-core WCAG 2.1 AA."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context
from plugins.registry import aggregates, services
from plugins.registry.plugin import set_area
from tests.plugins.registry.conftest import ENTRY, LAST_YEAR, Who, make_entry, make_organisation

pytestmark = BROWSER
SHOTS = os.environ.get("SYMPRAXIS_SCREENSHOTS")  # a folder: save a screenshot of each page


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


def _check(page, axe, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"registry-{name}.png"), full_page=True)
    assert not axe(page), name


def test_an_ngo_updates_staff_verify_and_the_observatory_counts_it(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Ορεστιάδας", plugins=["registry"], locale="el", country="GR")
    staff = account_factory(name="Σοφία Υπάλληλος", memberships={town: "staff"}, locale="el")
    ngo = account_factory(name="Νίκος Διαχειριστής", memberships={town: "member"}, locale="el")
    org_id = make_organisation(app, town, ngo)
    staff_made = [
        make_entry(
            app,
            town,
            staff,
            name=f"Υπηρεσία {i}",
            latitude=41.50 + i / 100,
            longitude=26.52 + i / 100,
            figures={LAST_YEAR: {"staff_paid": 2, "people_served": 10}},
        )
        for i in range(5)
    ]
    with app.app_context(), tenant_context(town.id):
        version = services.submit(None, ENTRY, account=Who(ngo), organisation_id=org_id)
        services.review(version, account=Who(staff), approve=True, document="ΓΕΜΗ", notify=False)
        services.set_consent(True, account=Who(staff))
        set_area(town.id, nuts3="EL515", nuts2="EL51", country="EL")  # a code no other test uses
        db.session.commit()
        entry_id = version.entry_id
        db.session.remove()

    context, page = _signed_in(chromium, live_server, town, ngo)
    try:
        page.goto(live_server.tenant_url(town, "/registry/?lang=el"))
        expect(page.get_by_role("heading", level=1, name="Μητρώο κοινωνικής οικονομίας")).to_be_visible()
        _check(page, axe, "directory")
        page.goto(live_server.tenant_url(town, f"/registry/entries/{entry_id}?lang=el"))
        _check(page, axe, "entry")
        with page.expect_navigation():
            page.get_by_role("link", name="Αλλαγή της εγγραφής").click()
        _check(page, axe, "form")
        page.get_by_label("Επωνυμία", exact=True).fill("Κοινσεπ Αλληλεγγύη Έβρου")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή").click()
        expect(page.get_by_text("Υποβλήθηκε.", exact=False)).to_be_visible()
        expect(
            page.get_by_role("heading", level=1, name=ENTRY["name"])
        ).to_be_visible()  # still the verified one
        page.goto(live_server.tenant_url(town, f"/registry/entries/{entry_id}/figures/{LAST_YEAR}?lang=el"))
        page.get_by_label("Αμειβόμενο προσωπικό").fill("4")
        page.get_by_label("Ωφελούμενοι").fill("150")
        _check(page, axe, "figures")
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση στοιχείων").click()
        expect(page.get_by_text("Τα στοιχεία αποθηκεύτηκαν.")).to_be_visible()
    finally:
        context.close()

    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, "/registry/review?lang=el"))
        _check(page, axe, "queue")
        with page.expect_navigation():
            page.get_by_role("link", name="Κοινσεπ Αλληλεγγύη Έβρου").click()
        expect(page.get_by_text("Κοινσεπ Αλληλεγγύη Έβρου").first).to_be_visible()
        _check(page, axe, "review")
        with page.expect_navigation():
            page.get_by_role("button", name="Επαλήθευση").click()
        expect(page.locator("#document-error")).to_be_visible()  # a document is required
        page.get_by_label("Ελέγχθηκε με βάση").fill("Απόσπασμα ΓΕΜΗ 2026")
        with page.expect_navigation():
            page.get_by_role("button", name="Επαλήθευση").click()
        expect(page.get_by_role("heading", level=1, name="Κοινσεπ Αλληλεγγύη Έβρου")).to_be_visible()
        for name, path in (
            ("versions", f"/registry/entries/{entry_id}/versions"),
            ("reverify", f"/registry/entries/{entry_id}/reverify"),
            ("campaign", "/registry/campaign"),
            ("consent", "/registry/consent"),
            ("totals", f"/registry/totals?year={LAST_YEAR}"),
            ("new", "/registry/entries/new"),
            ("hand-over", f"/registry/entries/{staff_made[0]}/hand-over"),
            ("pact", "/registry/pacts/new"),
            ("pacts", "/registry/pacts"),
        ):
            page.goto(live_server.tenant_url(town, f"{path}{'&' if '?' in path else '?'}lang=el"))
            _check(page, axe, name)
    finally:
        context.close()

    with app.app_context():
        aggregates.run()
        db.session.commit()
        db.session.remove()
    context = chromium.new_context(locale="el-GR")
    page = context.new_page()
    try:
        page.goto(live_server.url(None, f"/observatory/?level=nuts3&area=EL515&year={LAST_YEAR}&lang=el"))
        expect(
            page.get_by_role("heading", level=1, name="Παρατηρητήριο κοινωνικής οικονομίας")
        ).to_be_visible()
        total = page.locator("table[data-table=total] tbody tr").first
        expect(total).to_contain_text("6")
        expect(total).to_contain_text("200")  # 5 × 10 people served + 150
        _check(page, axe, "observatory")
    finally:
        context.close()


def test_staff_edit_a_pact_upload_its_signed_copy_and_record_the_review(
    chromium, live_server, app, tenant_factory, account_factory, axe, tmp_path
):
    """A cooperation pact in the browser: created, edited with a signed copy chosen in the file
    input (a real multipart upload), reviewed; its page lists the copy, the review and the history."""
    town = tenant_factory(name="Δήμος Ορεστιάδας", plugins=["registry"], locale="el", country="GR")
    staff = account_factory(name="Σοφία Υπάλληλος", memberships={town: "staff"}, locale="el")
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    with app.app_context(), tenant_context(town.id):
        pact = services.save_pact(
            None,
            {
                "title": "Σύμφωνο για τους κήπους",
                "status": "active",
                "starts_on": services.utcnow_aware().date() - dt.timedelta(days=40),
            },
            [one],
            account=Who(staff),
        )
        db.session.commit()
        pact_id = pact.id
        db.session.remove()
    signed = tmp_path / "symfono.pdf"
    signed.write_bytes(b"%PDF-1.4\n%%EOF\n")
    context, page = _signed_in(chromium, live_server, town, staff)
    try:
        page.goto(live_server.tenant_url(town, f"/registry/pacts/{pact_id}?lang=el"))
        _check(page, axe, "pact")
        with page.expect_navigation():
            page.get_by_role("link", name="Επεξεργασία του συμφώνου").click()
        _check(page, axe, "pact-edit")
        page.get_by_label("Ο δήμος δεσμεύεται").fill("Νερό και εργαλεία")
        page.get_by_label("Υπογεγραμμένο αντίγραφο (PDF, PNG ή JPEG)").set_input_files(str(signed))
        with page.expect_navigation():
            page.get_by_role("button", name="Αποθήκευση του συμφώνου").click()
        expect(page.get_by_role("link", name="symfono.pdf")).to_be_visible()
        expect(page.get_by_text("Νερό και εργαλεία")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="Καταχώριση της ετήσιας αξιολόγησης").click()
        _check(page, axe, "pact-review")
        page.get_by_label("Πραγματοποιήθηκε στις").fill(services.utcnow_aware().date().isoformat())
        page.get_by_label("Απόφαση").select_option("amend")
        page.get_by_label("Τι διαπιστώθηκε και τι συμφωνήθηκε").fill("Προστίθεται το πότισμα.")
        with page.expect_navigation():
            page.get_by_role("button", name="Καταχώριση της αξιολόγησης").click()
        expect(page.get_by_text("Προστίθεται το πότισμα.")).to_be_visible()
        history = page.locator("section[aria-labelledby=history-h] li")
        expect(history).to_have_count(3)  # created, edited with the copy, moved by the review
        _check(page, axe, "pact-reviewed")
    finally:
        context.close()
