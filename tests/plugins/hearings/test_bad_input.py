"""Staff forms and uploads with bad input get a 4xx and a message, never a 500 (issue 10 items 20, 22)."""

from __future__ import annotations

import io

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Attachment, Meeting
from tests.core.test_bad_input import upload_unread
from tests.plugins.hearings.conftest import make_consultation, make_meeting

MEETING = {
    "kind": "workshop",
    "title": "Workshop on home help",
    "starts_at": "2027-03-01T10:00",
    "ends_at": "2027-03-01T12:00",
    "place": "Town hall",
    "speaker_minutes": "5",
}


def _meeting_titles(app, tenant) -> list[str]:
    with app.app_context(), tenant_context(tenant.id):
        titles = list(db.session.execute(sa.select(Meeting.title).order_by(Meeting.title)).scalars())
        db.session.remove()
    return titles


def _other_programme(app, tenant):
    from plugins.hearings.programmes.services import save_programme

    with app.app_context(), tenant_context(tenant.id):
        p = save_programme(None, title="Other town's forum", description="")
        db.session.commit()
        pid = p.id
        db.session.remove()
    return pid


def test_meeting_forms_naming_another_municipalitys_ids_are_422(app, world, tenant_client, sign_in):
    """Issue 10 item 20: ``meetings/new`` and ``…/edit`` with another municipality's programme or
    consultation id in the body answered 500 (a foreign key violation at the INSERT); they answer
    422 with the form again, the message at the field, and what was typed kept."""
    staff = sign_in(tenant_client(world.tenant), world.staff)
    foreign = {
        "consultation_id": str(make_consultation(app, world.other)["id"]),
        "programme_id": str(_other_programme(app, world.other)),
    }
    mid = make_meeting(app, world.tenant, title="Existing meeting")
    for field, value in foreign.items():
        for path in ("/hearings/meetings/new", f"/hearings/meetings/{mid}/edit"):
            response = staff.post(path, data={**MEETING, "title": "Typed title", field: value})
            assert response.status_code == 422, (path, field)
            page = response.get_data(as_text=True)
            assert "Choose one of the options listed." in page
            assert 'value="Typed title"' in page  # nothing typed is lost
        response = staff.post("/hearings/meetings/new", data={**MEETING, field: "not-a-uuid"})
        assert response.status_code == 422
    assert _meeting_titles(app, world.tenant) == ["Existing meeting"]
    # the municipality's own consultation is accepted
    own = make_consultation(app, world.tenant)["id"]
    response = staff.post("/hearings/meetings/new", data={**MEETING, "consultation_id": str(own)})
    assert response.status_code == 302


def test_nul_in_an_attachment_name_is_refused(app, world, tenant_client, sign_in):
    """Issue 10 item 20: a NUL in an upload's file name answered 500; it is a 400 with the message."""
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    response = staff.post(
        f"/hearings/consultations/{c['id']}/attachments",
        data={"attachment": (io.BytesIO(b"%PDF-1.7\n0"), "plan\x00.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Text cannot contain NUL characters." in response.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar_one() == 0


def test_an_anonymous_upload_is_refused_unread(app, world, tenant_client):
    """Issue 10 item 22: an anonymous 20 MiB upload was parsed in full before being refused; it is
    refused (401) from its headers, without a byte of the body read."""
    c = make_consultation(app, world.tenant)
    response, read = upload_unread(
        tenant_client(world.tenant), f"/hearings/consultations/{c['id']}/attachments", 20 * 1024 * 1024
    )
    assert response.status_code == 401
    assert "Please sign in to upload files." in response.get_data(as_text=True)
    assert read == 0


def test_an_oversized_staff_upload_is_refused_unread(app, world, tenant_client, sign_in):
    """Issue 10 item 22: a body over the one limit is a 413 from ``Content-Length``, unread."""
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    response, read = upload_unread(
        staff, f"/hearings/consultations/{c['id']}/attachments", 20 * 1024 * 1024 + 1
    )
    assert response.status_code == 413 and read == 0
    assert "Files of at most 20 MB can be uploaded." in response.get_data(as_text=True)
