"""Issue 16 §2: attachments can be retitled, renamed and deleted, each change recorded."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Attachment, AttachmentChange
from tests.plugins.hearings.conftest import make_consultation

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"


def _attach(staff, cid) -> str:
    r = staff.post(
        f"/hearings/consultations/{cid}/attachments",
        data={"attachment": (io.BytesIO(PDF), "scan_0042.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    page = staff.get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    return re.search(r"/hearings/files/([0-9a-f-]{36})/edit", page).group(1)


def _rows(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        att = db.session.execute(sa.select(Attachment)).scalar_one()
        changes = [
            (c.kind, c.old_value, c.new_value, c.reason)
            for c in db.session.execute(
                sa.select(AttachmentChange).order_by(AttachmentChange.at, AttachmentChange.kind)
            ).scalars()
        ]
        out = (att.title, att.filename, att.deleted_at is not None, att.size), changes
        db.session.remove()
    return out


def test_retitle_and_rename_are_recorded_and_shown(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    aid = _attach(staff, c["id"])
    edit = staff.get(f"/hearings/files/{aid}/edit")
    assert edit.status_code == 200 and 'value="scan_0042.pdf"' in edit.get_data(as_text=True)
    r = staff.post(
        f"/hearings/files/{aid}/edit", data={"title": "Εισηγητική έκθεση", "filename": "../eisigitiki"}
    )
    assert r.status_code == 302
    (title, filename, deleted, _size), changes = _rows(app, world.tenant)
    # the path is dropped and the extension kept: renaming never changes a file's type
    assert (title, filename, deleted) == ("Εισηγητική έκθεση", "eisigitiki.pdf", False)
    assert sorted(changes) == [
        ("renamed", "scan_0042.pdf", "eisigitiki.pdf", ""),
        ("retitled", "", "Εισηγητική έκθεση", ""),
    ]
    public = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Εισηγητική έκθεση" in public and "/edit" not in public  # the title; no staff links
    download = tenant_client(world.tenant).get(f"/hearings/files/{aid}")
    assert 'filename="eisigitiki.pdf"' in download.headers["Content-Disposition"]


def test_a_bad_name_comes_back_with_what_was_typed(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    aid = _attach(staff, c["id"])
    r = staff.post(f"/hearings/files/{aid}/edit", data={"title": "Kept title", "filename": "  "})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'value="Kept title"' in page and "This field is required." in page
    assert _rows(app, world.tenant)[1] == []


def test_delete_needs_a_reason_and_keeps_the_record(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    aid = _attach(staff, c["id"])
    refused = staff.post(f"/hearings/files/{aid}/delete", data={"reason": ""})
    assert refused.status_code == 422 and _rows(app, world.tenant)[0][2] is False
    assert (
        staff.post(f"/hearings/files/{aid}/delete", data={"reason": "Wrong version uploaded."}).status_code
        == 302
    )
    (_t, _f, deleted, size), changes = _rows(app, world.tenant)
    assert deleted and size == 0
    assert changes == [("deleted", "scan_0042.pdf", "", "Wrong version uploaded.")]
    anon = tenant_client(world.tenant)
    assert anon.get(f"/hearings/files/{aid}").status_code == 410
    public = anon.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "<del>scan_0042.pdf</del>" in public  # the record of what was there


def test_only_staff_change_files(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    aid = _attach(sign_in(tenant_client(world.tenant), world.staff), c["id"])
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.get(f"/hearings/files/{aid}/edit").status_code == 403
    assert member.post(f"/hearings/files/{aid}/delete", data={"reason": "x"}).status_code == 403
    other = sign_in(tenant_client(world.other), world.staff)
    assert other.get(f"/hearings/files/{aid}/edit").status_code in (403, 404)
    assert _rows(app, world.tenant)[0][2] is False
