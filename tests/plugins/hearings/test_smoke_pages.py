"""Every page of the plugin renders for the roles that may see it (no 500s)."""

from __future__ import annotations

from tests.plugins.hearings.conftest import make_consultation, make_meeting


def test_pages_render(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    mid = make_meeting(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    anon = tenant_client(world.tenant)
    for path in (
        "/hearings/",
        f"/hearings/consultations/{c['id']}",
        f"/hearings/consultations/{c['id']}/register.csv",
        f"/hearings/consultations/{c['id']}/register.json",
        f"/hearings/meetings/{mid}",
        "/hearings/calendar.ics",
        f"/hearings/meetings/{mid}/event.ics",
        f"/hearings/meetings/{mid}/speakers",
        "/api/v1/hearings/consultations",
        f"/api/v1/hearings/consultations/{c['id']}",
        f"/api/v1/hearings/consultations/{c['id']}/comments",
        "/api/v1/hearings/meetings",
        f"/api/v1/hearings/meetings/{mid}",
        "/",
    ):
        r = anon.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:2000])
    for path in (
        "/hearings/consultations/new",
        f"/hearings/consultations/{c['id']}/edit",
        f"/hearings/consultations/{c['id']}/outcome",
        "/hearings/meetings/new",
        f"/hearings/meetings/{mid}/edit",
        f"/hearings/meetings/{mid}/attendees",
        f"/hearings/meetings/{mid}/minutes",
        f"/hearings/meetings/{mid}/feedback",
        "/hearings/moderation",
        "/hearings/programmes/new",
        f"/hearings/consultations/{c['id']}",
        "/",
    ):
        r = staff.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:2000])
