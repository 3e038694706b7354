"""Permission grants beyond the role ladder (issue 11 §2): granted in /admin, checked, audited."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from tenants.models import AuditEvent
from tests.core.notes import add_note


def _note_with_body(app, tenant) -> str:
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context

    note_id = add_note(app, tenant, "to publish")
    with app.app_context(), tenant_context(tenant.id):
        note = db.session.execute(sa.select(Note)).scalars().first()
        note.body = "something to say"
        db.session.commit()
        note_id = str(note.id)
        db.session.remove()
    return note_id


def _audit(app, tenant) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.subject_tenant_id == tenant.id, AuditEvent.action.like("permission.%"))
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return [(a, d) for a, d in rows]


def test_admin_grants_a_plugin_permission_to_one_member(
    app, tenant_factory, tenant_client, account_factory, sign_in
):
    """A plain member cannot publish; once an admin grants ``testplugin.publish`` in
    /admin/permissions they can, other members still cannot, the grant and its withdrawal are in
    the audit log, and taking it back takes the power away again."""
    t = tenant_factory(plugins=["testplugin"])
    note_id = _note_with_body(app, t)
    admin = account_factory(memberships={t: "admin"})
    member = account_factory(name="Chosen Member", memberships={t: "member"})
    other = account_factory(memberships={t: "member"})
    as_member = sign_in(tenant_client(t), member)
    as_other = sign_in(tenant_client(t), other)
    as_admin = sign_in(tenant_client(t), admin)

    assert as_member.post(f"/testplugin/{note_id}/publish").status_code == 403
    assert as_admin.post(f"/testplugin/{note_id}/publish").status_code == 200  # admins hold it anyway

    page = as_admin.get("/admin/permissions").get_data(as_text=True)
    assert "Publish notes (Test plugin)" in page and "Chosen Member" in page  # by module, not code
    r = as_admin.post(
        "/admin/permissions", data={"account_id": member.id, "permission": "testplugin.publish"}
    )
    assert r.status_code == 302
    assert as_member.post(f"/testplugin/{note_id}/publish").status_code == 200
    assert as_other.post(f"/testplugin/{note_id}/publish").status_code == 403
    listing = as_admin.get("/admin/permissions").get_data(as_text=True)
    assert "Chosen Member" in listing.split("Permissions granted", 1)[1]

    r = as_admin.post(
        "/admin/permissions/revoke", data={"account_id": member.id, "permission": "testplugin.publish"}
    )
    assert r.status_code == 302
    assert as_member.post(f"/testplugin/{note_id}/publish").status_code == 403
    assert _audit(app, t) == [
        ("permission.granted", {"account_id": member.id, "permission": "testplugin.publish"}),
        ("permission.revoked", {"account_id": member.id, "permission": "testplugin.publish"}),
    ]


def test_grants_are_refused_for_strangers_and_unknown_permissions(
    app, tenant_factory, tenant_client, account_factory, sign_in
):
    """Only members can be given a permission, only a declared one, and only by an admin: bad
    input answers 422 with the form again, not a 500; staff cannot reach the page."""
    t = tenant_factory(plugins=["testplugin"])
    admin = account_factory(memberships={t: "admin"})
    stranger = account_factory()
    as_admin = sign_in(tenant_client(t), admin)
    r = as_admin.post(
        "/admin/permissions", data={"account_id": stranger.id, "permission": "testplugin.publish"}
    )
    assert r.status_code == 422
    r = as_admin.post("/admin/permissions", data={"account_id": admin.id, "permission": "testplugin.write"})
    assert r.status_code == 422  # a role permission, not a grantable one
    staff = sign_in(tenant_client(t), account_factory(memberships={t: "staff"}))
    assert staff.get("/admin/permissions").status_code == 403
    assert (
        staff.post(
            "/admin/permissions", data={"account_id": admin.id, "permission": "testplugin.publish"}
        ).status_code
        == 403
    )
    assert _audit(app, t) == []


def test_a_grant_ends_with_the_membership(app, tenant_factory, tenant_client, account_factory, sign_in):
    """Removing a member removes their grants: rejoining later does not bring the power back."""
    from core.accounts.services.memberships import join_tenant
    from core.grants import account_grants, grant_permission

    t = tenant_factory(plugins=["testplugin"])
    admin = account_factory(memberships={t: "admin"})
    member = account_factory(memberships={t: "member"})
    with app.app_context():
        grant_permission(t.id, member.id, "testplugin.publish")
        db.session.commit()
        assert account_grants(member.id, t.id) == {"testplugin.publish"}
    as_admin = sign_in(tenant_client(t), admin)
    assert as_admin.post(f"/admin/members/{member.id}/remove").status_code == 302
    with app.app_context():
        from core.accounts.models import Account

        join_tenant(db.session.get(Account, member.id), t.id, "member")
        db.session.commit()
        assert account_grants(member.id, t.id) == frozenset()


def test_grants_stay_in_their_municipality(app, tenant_factory, tenant_client, account_factory, sign_in):
    """A grant in one municipality gives nothing in another where the person is also a member."""
    from core.grants import grant_permission

    a, b = tenant_factory(plugins=["testplugin"]), tenant_factory(plugins=["testplugin"])
    member = account_factory(memberships={a: "member", b: "member"})
    with app.app_context():
        grant_permission(a.id, member.id, "testplugin.publish")
        db.session.commit()
    note_b = _note_with_body(app, b)
    assert sign_in(tenant_client(b), member).post(f"/testplugin/{note_b}/publish").status_code == 403
