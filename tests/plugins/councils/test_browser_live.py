"""In a real browser, in Greek: the public watches the meeting page while the secretary ticks the
attendance boxes on theirs; the count of present members changes on the public page without a
reload; when the quorum is reached the secretary's page brings the roll call and the member's own
page (open on their phone) their vote buttons; their vote shows in the public count."""

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import make_council

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def test_the_quorum_updates_while_the_secretary_records_attendance(
    chromium, live_server, app, tenant_factory, account_factory, axe
):
    town = tenant_factory(name="Δήμος Δοκιμής", plugins=["councils"], locale="el", timezone="Europe/Athens")
    secretary = account_factory(name="Μαρία Γραμματέας", memberships={town: "member"}, locale="el")
    member = account_factory(name="Γιώργος Μέλος", memberships={town: "member"}, locale="el")
    ids = make_council(
        app,
        town,
        name="Επιτροπή Διαβούλευσης",
        seats={"ngo": (3, 0)},
        members=[
            ("Μαρία Γραμματέας", "ngo", "secretary", secretary.id),
            ("Γιώργος Μέλος", "ngo", "member", member.id),
            ("Ελένη Μέλος", "ngo", "member", None),
        ],
    )
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title="Τακτική συνεδρίαση",
            starts_at=utcnow_aware(),
            items=["Προϋπολογισμός"],
        )
        db.session.commit()
        path = f"/councils/meetings/{meeting.id}?lang=el"
        db.session.remove()

    public = chromium.new_context(locale="el-GR")
    public.set_default_timeout(15_000)
    watcher = public.new_page()
    sec_context = chromium.new_context(locale="el-GR")
    sec_context.set_default_timeout(15_000)
    sec = sec_context.new_page()
    phone = chromium.new_context(locale="el-GR", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(15_000)
    mine = phone.new_page()
    try:
        sign_in_through_form(mine, live_server, member.email, member.password)
        mine.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
        mine.goto(live_server.tenant_url(town, path))
        expect(mine.get_by_role("button", name="Υπέρ")).to_have_count(0)
        watcher.goto(live_server.tenant_url(town, path))
        quorum = watcher.locator("#councils-quorum")
        expect(quorum).to_have_text("Δεν υπάρχει απαρτία: 0 παρόντες, απαιτούνται 2.")
        assert not axe(watcher), "meeting (public)"
        watcher.evaluate("window.__notReloaded = true")

        sign_in_through_form(sec, live_server, secretary.email, secretary.password)
        sec.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
        sec.goto(live_server.tenant_url(town, path))
        assert not axe(sec), "meeting (secretary)"
        sec.get_by_label("Μαρία Γραμματέας").check()  # saved by the script, no button pressed
        expect(sec.locator("#councils-quorum")).to_have_text(
            "Δεν υπάρχει απαρτία: 1 παρόντες, απαιτούνται 2."
        )

        expect(quorum).to_have_text("Δεν υπάρχει απαρτία: 1 παρόντες, απαιτούνται 2.")
        expect(watcher.locator("#councils-present-names")).to_have_text("Μαρία Γραμματέας")
        assert watcher.evaluate("window.__notReloaded === true")  # updated in place

        sec.get_by_label("Γιώργος Μέλος").check()
        # quorum reached: the secretary's page reloads with the roll call
        expect(sec.get_by_role("table", name="Ονομαστική ψηφοφορία")).to_be_visible()
        expect(quorum).to_have_text("Υπάρχει απαρτία: 2 παρόντες, απαιτούνται 2.")

        # the member's phone reloads by itself with the vote buttons
        with mine.expect_navigation():
            mine.get_by_role("button", name="Υπέρ").click()
        expect(mine.get_by_text("Η ψήφος σας: Υπέρ")).to_be_visible()
        assert not axe(mine), "meeting (member who voted)"
        expect(mine.get_by_role("button", name="Κατά")).to_have_count(0)  # once
        expect(watcher.locator("[data-tally]").first).to_have_text("Υπέρ: 1 · Κατά: 0 · Αποχή: 0")
    finally:
        phone.close()
        public.close()
        sec_context.close()
