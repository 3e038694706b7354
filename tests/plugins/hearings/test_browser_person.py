"""The person's own pages in a real browser (issue 16 §3): notification settings, the page a
notification's link opens, "My activity" (a municipality's and, on the apex dashboard, every
one's), a registration with its needs and the meeting's "on behalf of" choice. Each in the
municipality's language, at desktop width and 390 px: axe-clean, nothing scrolls sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.testing.browser import BROWSER
from tests.browser.pagekinds import overflow, sign_in

pytestmark = BROWSER
SHOTS = Path(os.environ.get("SYMPRAXIS_SHOTS", "/tmp/notify_shots"))
NGO = "ngo@example.org"  # the demo's NGO person: active in all three municipalities


@pytest.fixture(scope="module")
def demo(app):
    from core.extensions import db
    from core.tenancy import invalidate_tenant_cache
    from tenants.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        invalidate_tenant_cache()
        db.session.remove()


def _unsubscribe_path(app, slug: str) -> str:
    import sqlalchemy as sa

    from core.accounts.models import Account
    from core.extensions import db
    from core.notifications.services import unsubscribe_token
    from core.tenancy import Tenant

    with app.app_context():
        account_id = db.session.execute(sa.select(Account.id).where(Account.email == NGO)).scalar_one()
        tenant_id = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).scalar_one()
        token = unsubscribe_token(account_id, "hearings.meeting_reminder", tenant_id)
        db.session.remove()
    return f"/notifications/off/{token}"


def _check(page, name: str, axe) -> list[str]:
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{name} @{width}: {p}" for p in overflow(page)]
        problems += [f"{name} @{width}: {p}" for p in axe(page)]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    return problems


def test_the_persons_pages_read_well_in_their_language(demo, app, chromium, live_server, axe):
    context = chromium.new_context()
    page = context.new_page()
    apex = live_server.url().rstrip("/")
    orestiada = live_server.url("orestiada.localhost").rstrip("/")
    haskovo = live_server.url("haskovo.localhost").rstrip("/")
    sign_in(page, apex, NGO)
    problems = []
    try:
        page.goto(f"{apex}/account/notifications?lang=el")
        assert page.locator("h1").inner_text() == "Ειδοποιήσεις"
        problems += _check(page, "notifications-el", axe)
        page.goto(f"{apex}/dashboard?lang=bg")
        assert page.get_by_text("Моята дейност във всички общини").count() == 1
        problems += _check(page, "dashboard-bg", axe)
        # through the dashboard's link, arriving signed in on the municipality's "My activity"
        page.locator("a[href*='host=haskovo.localhost'][href*='me%2Factivity']").first.click()
        page.wait_for_url("**/me/activity**")
        page.goto(f"{haskovo}/me/activity?lang=bg")
        assert page.locator("h1").inner_text() == "Моята дейност"
        problems += _check(page, "my-activity-bg", axe)
        meeting = page.locator("a[href^='/hearings/meetings/']").first.get_attribute("href").split("#")[0]
        page.locator("a[href^='/hearings/registrations/']").first.click()
        page.wait_for_load_state()
        page.locator("details summary").first.click()
        problems += _check(page, "registration-needs-bg", axe)
        page.goto(f"{orestiada}/auth/signin?next=/me/activity")
        page.wait_for_url("**/me/activity**")
        page.goto(f"{orestiada}/me/activity?lang=el")
        problems += _check(page, "my-activity-el", axe)
        page.goto(f"{haskovo}{meeting}?lang=bg")
        assert page.locator("select[name=organisation_id]").count() >= 1  # on behalf of the NGO
        problems += _check(page, "meeting-on-behalf-bg", axe)
        page.goto(f"{haskovo}{_unsubscribe_path(app, 'haskovo')}?lang=bg")
        problems += _check(page, "unsubscribe-bg", axe)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
