"""The hearings plugin in a real browser on a municipality's host: a member comments on an article of
an open consultation and registers for workshops of a programme (real forms, CSRF on), then a staff
member finds the comment in the outcome view and the register, and the registration in the
check-in list; the consultation, meeting and programme pages pass axe-core WCAG 2.1 AA."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from core.db import tenant_context
from core.extensions import db
from core.testing.browser import BROWSER, sign_in_through_form
from plugins.hearings.programmes.services import save_programme
from tests.plugins.hearings.conftest import make_consultation, make_meeting

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    """Argon2id at minimal cost for these accounts (the live server verifies any parameters)."""
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


@pytest.fixture
def hearings_site(app, tenant_factory, account_factory):
    """A municipality with an open consultation and a programme of three workshops."""
    tenant = tenant_factory(name="Browser Town", plugins=["hearings"], locale="en", timezone="Europe/Athens")
    consultation = make_consultation(app, tenant, title="Plan for social action")
    with app.app_context(), tenant_context(tenant.id):
        programme = save_programme(None, "Workshops 2027", "Free workshops, limited seats")
        db.session.commit()
        pid = programme.id
        db.session.remove()
    workshops = {
        title: make_meeting(app, tenant, capacity=capacity, title=title, programme_id=pid)
        for title, capacity in (
            ("Workshop on home help", 2),
            ("Workshop on youth", 5),
            ("Workshop on parks", 5),
        )
    }
    tag = uuid.uuid4().hex[:6]
    member = account_factory(name=f"Mina Member {tag}", memberships={tenant: "member"})
    staff = account_factory(name=f"Stella Staff {tag}", memberships={tenant: "staff"})
    return {
        "tenant": tenant,
        "consultation": consultation,
        "programme": pid,
        "workshops": workshops,
        "member": member,
        "staff": staff,
    }


def sign_in_on_tenant(page, live_server, tenant, account) -> None:
    """Sign in on the apex with the form, then arrive on the municipality through the hand-off."""
    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin?lang=en"))
    expect(page.get_by_text(f"Signed in as {account.display_name}")).to_be_visible()


def test_member_comments_and_registers_then_staff_sees_both(
    browser, live_server, hearings_site, mail_outbox, axe
):
    site = hearings_site
    tenant, member, staff = site["tenant"], site["member"], site["staff"]
    cid = site["consultation"]["id"]
    first_article = site["consultation"]["articles"][0]
    body = f"Please extend the soup kitchen hours ({uuid.uuid4().hex[:8]})."

    # --- the member, in their own browser profile --------------------------------------------
    member_ctx = browser.new_context(locale="en-GB")
    member_ctx.set_default_timeout(10_000)
    try:
        page = member_ctx.new_page()
        sign_in_on_tenant(page, live_server, tenant, member)

        page.goto(live_server.tenant_url(tenant, f"/hearings/consultations/{cid}?lang=en"))
        expect(page.get_by_role("heading", level=1, name="Plan for social action")).to_be_visible()
        assert not axe(page), "consultation page"
        article = page.locator(f"#article-{first_article}")
        article.locator("summary").first.click()
        article.get_by_label("Your comment").fill(body)
        csrf = article.locator("form.comment-form input[name=csrf_token]").first.input_value()
        assert len(csrf) > 20  # a real CSRF token travels with the form
        with page.expect_navigation():
            article.get_by_role("button", name="Publish comment").click()
        expect(page.get_by_text("Your comment is published.")).to_be_visible()
        # the comment sits under its article, as the member's
        posted = page.locator(f"#article-{first_article} li.comment", has_text=body)
        expect(posted).to_have_count(1)
        expect(posted).to_contain_text(member.display_name)
        expect(page.locator(f"#article-{first_article}").get_by_role("heading", level=3)).to_have_text(
            "1 comment on this article"
        )

        # the programme: pick two of the three workshops
        page.goto(live_server.tenant_url(tenant, f"/hearings/programmes/{site['programme']}?lang=en"))
        expect(page.get_by_role("heading", level=1, name="Workshops 2027")).to_be_visible()
        assert not axe(page), "programme page"
        page.get_by_label("Workshop on home help").check()
        page.get_by_label("Workshop on parks").check()
        page.get_by_label("Step-free access").check()
        # accessibility needs without the consent box: the form comes back, everything still ticked
        with page.expect_navigation():
            page.get_by_role("button", name="Register for the chosen sessions").click()
        expect(page.get_by_text("tick the box that allows the municipality to keep them")).to_be_visible()
        expect(page.get_by_label("Workshop on parks")).to_be_checked()
        expect(page.get_by_label("Step-free access")).to_be_checked()
        assert not axe(page), "programme page, consent missing"
        page.locator("#accessibility_consent").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Register for the chosen sessions").click()
        expect(page.get_by_role("heading", level=1, name="Your registration")).to_be_visible()
        expect(page.get_by_text("You are registered.")).to_be_visible()
        cards = page.locator("li.card[data-registration]")
        expect(cards).to_have_count(2)
        expect(cards.filter(has_text="Workshop on home help")).to_have_attribute("data-status", "confirmed")
        expect(cards.filter(has_text="Workshop on parks")).to_have_attribute("data-status", "confirmed")

        # the meeting page shows the seat taken
        home_help = site["workshops"]["Workshop on home help"]
        page.goto(live_server.tenant_url(tenant, f"/hearings/meetings/{home_help}?lang=en"))
        expect(page.get_by_role("heading", level=1, name="Workshop on home help")).to_be_visible()
        assert not axe(page), "meeting page"

        # a member may not open the check-in list
        response = page.goto(live_server.tenant_url(tenant, f"/hearings/meetings/{home_help}/attendees"))
        assert response.status == 403
    finally:
        member_ctx.close()

    # the confirmation mail reached the SMTP server
    mail_outbox.wait_for(lambda m: member.email in (m["To"] or ""))

    # --- staff, in another profile ------------------------------------------------------------
    staff_ctx = browser.new_context(locale="en-GB")
    staff_ctx.set_default_timeout(10_000)
    try:
        page = staff_ctx.new_page()
        sign_in_on_tenant(page, live_server, tenant, staff)

        # the outcome view lists the comment with its article, ready to be answered
        page.goto(live_server.tenant_url(tenant, f"/hearings/consultations/{cid}/outcome?lang=en"))
        item = page.locator("ul.comments > li", has_text=body)
        expect(item).to_have_count(1)
        expect(item).to_contain_text("Article 1")
        expect(item).to_contain_text(member.display_name)
        expect(item.get_by_label("Answer")).to_be_visible()
        row = page.locator("tr[data-article='1']")
        expect(row.locator("td").last).to_have_text("1")  # total for article 1

        # and in the register of recommendations (CSV, fetched by the staff's browser)
        csv = page.evaluate(
            "async (url) => { const r = await fetch(url); return [r.status, await r.text()]; }",
            f"/hearings/consultations/{cid}/register.csv",
        )
        assert csv[0] == 200
        assert body in csv[1] and member.display_name in csv[1]

        # the registration in the check-in lists of the chosen workshops, and only there
        for title, expected in (
            ("Workshop on home help", True),
            ("Workshop on parks", True),
            ("Workshop on youth", False),
        ):
            mid = site["workshops"][title]
            page.goto(live_server.tenant_url(tenant, f"/hearings/meetings/{mid}/attendees?lang=en"))
            expect(page.get_by_role("heading", level=1, name="Registrations and check-in")).to_be_visible()
            rows = page.locator("tbody tr", has_text=member.display_name)
            expect(rows).to_have_count(1 if expected else 0)
            if expected:
                expect(rows).to_contain_text("Confirmed")
                if title == "Workshop on home help":
                    expect(rows).to_contain_text(re.compile("step", re.I))  # the need travelled
                    with page.expect_navigation():
                        rows.get_by_role("button", name="Check in").click()
                    expect(page.locator("tbody tr", has_text=member.display_name)).to_contain_text("✓")
    finally:
        staff_ctx.close()
