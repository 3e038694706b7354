"""Staff forms (meetings, programmes), settings validation, and CSRF on the real forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.plugin_state import PluginStateError
from core.testing.pytest_plugin import HostClient
from plugins.hearings.models import Meeting, Programme
from tests.plugins.hearings.conftest import make_consultation

MEETING = {
    "kind": "workshop",
    "title": "Workshop on day care",
    "description": "",
    "starts_at": "2027-01-15T18:00",  # Athens, UTC+2
    "ends_at": "2027-01-15T20:00",
    "place": "Library",
    "online_url": "",
    "capacity": "16",
    "registration_opens_at": "",
    "registration_closes_at": "2027-01-14T12:00",
    "agenda": "1. Intro",
    "speaker_minutes": "3",
    "programme_id": "",
    "consultation_id": "",
}


def test_staff_create_meeting_and_programme_in_tenant_time(app, world, tenant_client, sign_in):
    staff = sign_in(tenant_client(world.tenant), world.staff)
    assert (
        staff.post("/hearings/programmes/new", data={"title": "Workshops", "description": "x"}).status_code
        == 302
    )
    with app.app_context(), tenant_context(world.tenant.id):
        pid = db.session.execute(sa.select(Programme.id)).scalar_one()
    r = staff.post("/hearings/meetings/new", data={**MEETING, "programme_id": str(pid)})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        m = db.session.execute(sa.select(Meeting)).scalar_one()
        assert (m.starts_at, m.ends_at) == (dt.datetime(2027, 1, 15, 16, 0), dt.datetime(2027, 1, 15, 18, 0))
        assert m.registration_closes_at == dt.datetime(2027, 1, 14, 10, 0)
        assert m.capacity == 16 and m.programme_id == pid and m.speaker_minutes == 3
    page = staff.get(f"/hearings/meetings/{m.id}/edit").get_data(as_text=True)
    assert 'value="2027-01-15T18:00"' in page  # shown back in the municipality's time
    for change, message in (
        ({"ends_at": "2027-01-15T18:00"}, "The end must be after the start."),
        ({"capacity": "0"}, "Number must be at least 1."),
        ({"place": "", "online_url": ""}, "Give a place, an online link, or both."),
        ({"online_url": "not a link"}, "Invalid URL."),
        ({"title": ""}, "This field is required."),
    ):
        bad = staff.post("/hearings/meetings/new", data={**MEETING, **change})
        assert bad.status_code == 422 and message in bad.get_data(as_text=True), change
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one() == 1


def test_settings_are_validated(app, world, enable_plugin):
    for bad in (
        {"comment_max_length": 99},
        {"comment_max_length": 50001},
        {"comments_per_hour": 0},
        {"guests_may_register": "maybe"},
    ):
        with pytest.raises(PluginStateError):
            enable_plugin(world.tenant, "hearings", bad)
    enable_plugin(world.tenant, "hearings", {"comment_max_length": 100, "feedback_public": True})


def test_forms_carry_csrf_tokens(make_app, world, sign_in):
    strict = make_app(WTF_CSRF_ENABLED=True)
    c = make_consultation(strict, world.tenant)
    strict.test_client_class = HostClient
    client = strict.test_client()
    client.host = f"{world.tenant.slug}.localhost"
    sign_in(client, world.member)
    page = client.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        client.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "no token"}).status_code
        == 400
    )
    ok = client.post(
        f"/hearings/consultations/{c['id']}/comments", data={"body": "with token", "csrf_token": token}
    )
    assert ok.status_code == 302
