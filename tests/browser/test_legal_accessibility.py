"""axe-core finds no serious or critical WCAG 2.1 AA violation on the legal notices, the
accessibility feedback form (and its error state) and the staff pages of /admin/legal, in Greek."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.testing.browser import BROWSER, axe_path, blocking, run_axe, sign_in_through_form
from tests.browser.test_accessibility import make_tenant

AXE_JS = axe_path(Path(__file__).resolve().parents[2])
pytestmark = BROWSER


def check(page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response.status == status, (url, response.status)
    assert urlsplit(page.url).path == urlsplit(url).path, (url, page.url)  # not sent to sign in
    assert page.locator("html").get_attribute("lang") == "el", url
    problems = blocking(run_axe(page, AXE_JS))
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.fixture
def legal_site(app, live_server, browser, account_factory):
    """A Greek municipality with hearings on, one accessibility report, and a signed-in admin."""
    from core.db import tenant_context
    from core.extensions import db
    from core.legal import services

    tenant = make_tenant(app, name="Δήμος Ορεστιάδας", locale="el", plugins=["hearings"])
    admin = account_factory(name="Άννα Διαχειρίστρια", memberships={tenant: "admin"})
    with app.test_request_context(), tenant_context(tenant.id):
        report = services.submit_feedback(
            tenant,
            services.FeedbackInput(email="reader@example.org", message="Δεν διαβάζεται ο πίνακας."),
            "el",
        )
        report_id = report.id
        db.session.commit()
        db.session.remove()
    context = browser.new_context(locale="el-GR")
    page = context.new_page()
    sign_in_through_form(page, live_server, admin.email, admin.password)
    page.goto(live_server.tenant_url(tenant, "/auth/signin"))  # the hand-off to the municipality
    page.close()
    yield {"tenant": tenant, "admin": context, "report": report_id}
    context.close()


def test_the_notices_and_the_feedback_form(legal_site, page, live_server):
    tenant = legal_site["tenant"]
    for kind in ("privacy", "accessibility", "terms", "moderation"):
        check(page, live_server.tenant_url(tenant, f"/legal/{kind}?lang=el"))
    check(page, live_server.url(path="/legal/privacy?lang=el"))  # the apex's notice for the account
    check(page, live_server.tenant_url(tenant, "/legal/accessibility/feedback?lang=el"))
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()  # nothing filled in: the error state
    assert page.locator("[aria-invalid=true]").count() >= 2
    assert not blocking(run_axe(page, AXE_JS))


def test_the_staff_pages(legal_site, live_server):
    tenant = legal_site["tenant"]
    page = legal_site["admin"].new_page()
    try:
        for path in (
            "/admin/legal/",
            "/admin/legal/details",
            "/admin/legal/notices/privacy/el",
            "/admin/legal/feedback",
            f"/admin/legal/feedback/{legal_site['report']}",
            "/admin/legal/records",
        ):
            check(page, live_server.tenant_url(tenant, f"{path}?lang=el"))
        assert page.get_by_role("button", name="Εκτύπωση").is_visible()  # print.js showed it
    finally:
        page.close()
