"""A ranked-choice election in a real browser, in Greek: an NGO admin ranks the candidates on
the call page (a slip comes back with their numbers kept); after the count, the public page shows
the ballots with their preferences and every round. Each page passes axe-core WCAG 2.1 AA."""

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form
from core.toolkit import Account, db, tenant_context
from plugins.councils import services

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


def test_an_organisation_ranks_and_the_public_sees_the_rounds(
    chromium, live_server, app, town, ranked_call, axe, tmp_path
):
    a, b, c = ranked_call["noms"]
    admins, orgs = ranked_call["admins"], ranked_call["orgs"]
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(ranked_call["call"])
        for i, prefs in enumerate([[a], [a], [b, c], [c, b]]):
            services.cast_ballot(
                call, db.session.get(Account, admins[i].id), organisation_id=orgs[i], nomination_ids=prefs
            )
        db.session.commit()
        db.session.remove()
    path = f"/councils/calls/{ranked_call['call']}?lang=el"
    context = chromium.new_context(locale="el-GR", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_through_form(page, live_server, admins[4].email, admins[4].password)
        page.goto(live_server.tenant_url(town, "/auth/signin?lang=el"))
        page.goto(live_server.tenant_url(town, path))
        assert not axe(page), "ranked ballot"
        page.get_by_label("Candidate C").select_option("1")
        page.get_by_label("Candidate B").select_option("3")  # a gap: no 2
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή ψηφοδελτίου").click()
        expect(page.get_by_role("alert")).to_contain_text("χωρίς κενά")
        expect(page.get_by_label("Candidate B")).to_have_value("3")
        assert not axe(page), "ranked ballot refused"
        page.get_by_label("Candidate B").select_option("2")
        with page.expect_navigation():
            page.get_by_role("button", name="Υποβολή ψηφοδελτίου").click()
        page.screenshot(path=str(tmp_path / "ballot.png"), full_page=True)
    finally:
        context.close()

    with app.app_context(), tenant_context(town.id):
        call = services.get_call(ranked_call["call"])
        services.decide(
            call,
            reasoning="Καταμέτρηση",
            staff=db.session.get(Account, admins[0].id),
            now=call.voting_closes_at,
        )
        db.session.commit()
        db.session.remove()

    for width in (1280, 390):
        context = chromium.new_context(locale="el-GR", viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            page.goto(live_server.tenant_url(town, path))
            # a 2, b 1, c 2 → b out, its ballot to c: c 3 of 5
            expect(page.get_by_role("table", name="Θέση 1, γύρος 2")).to_contain_text("εκλέγεται")
            expect(page.get_by_text("Καταμέτρηση με άμεσο δεύτερο γύρο:")).to_be_visible()
            assert not axe(page), f"ranked result {width}"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=f"/tmp/councils_shots/ranked-result-{width}.png", full_page=True)
        finally:
            context.close()
