"""The Content-Security-Policy in a real browser: the pages' own scripts and styles still work and
nothing is refused (issue 10 item 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER
from tests.plugins.hearings.conftest import make_meeting

pytestmark = BROWSER


@pytest.fixture
def branded(app, tenant_factory):
    from core.extensions import db
    from core.tenancy import Tenant

    tenant = tenant_factory(name="Policy Town", plugins=["hearings"], locale="en")
    with app.app_context():
        db.session.get(Tenant, tenant.id).branding = {"primary_color": "#7a1f2b"}
        db.session.commit()
    return tenant, make_meeting(app, tenant, capacity=10, title="Forum under a policy")


def test_speaker_queue_script_and_branding_work_under_the_policy(page, live_server, branded):
    """Issue 10 item 15: with scripts and styles allowed from the platform's files only, the live
    speaker queue's auto-refresh switch still appears, the municipality's colour still applies,
    and the browser reports no refused script or style."""
    tenant, mid = branded
    refused = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    response = page.goto(live_server.tenant_url(tenant, f"/hearings/meetings/{mid}/speakers?lang=en"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # the switch is hidden in the HTML and shown by speakers.js
    expect(page.get_by_label("Update every 20 seconds")).to_be_visible()
    page.get_by_label("Update every 20 seconds").check()
    assert page.evaluate("sessionStorage.getItem('hearings-auto-refresh')") == "1"
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert brand == "#7a1f2b"
    page.goto(live_server.tenant_url(tenant, f"/hearings/meetings/{mid}?lang=en"))
    assert refused == []
