"""Municipality administration: access, branding, languages, modules, members."""

from __future__ import annotations

import io

import sqlalchemy as sa

from core.accounts.models import Membership
from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant, TenantPlugin
from tenants.admin_services import contrast_with_white, sniff_image
from tenants.models import AuditEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def _allow(app, tenant, *names):
    with app.app_context(), tenant_context(tenant.id):
        for name in names:
            db.session.add(TenantPlugin(plugin=name, allowed=True, enabled=False, settings={}))
        db.session.commit()


def _tenant_row(app, tenant):
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        db.session.expunge(t)
        return t


def test_only_admins(tenant_factory, tenant_client, sign_in, account_factory, client_for):
    t = tenant_factory()
    assert tenant_client(t).get("/admin/").status_code == 302  # sign in first
    staff = sign_in(tenant_client(t), account_factory(memberships={t: "staff"}))
    assert staff.get("/admin/").status_code == 403
    other = tenant_factory()
    outsider = sign_in(tenant_client(t), account_factory(memberships={other: "admin"}))
    assert outsider.get("/admin/branding").status_code == 403
    assert client_for("localhost").get("/admin/").status_code == 404


def test_contrast_rule():
    assert contrast_with_white("#0b4f8a") >= 4.5
    assert contrast_with_white("#ffff00") < 4.5
    assert round(contrast_with_white("#767676"), 2) >= 4.5  # the classic boundary grey passes
    assert contrast_with_white("#777777") < 4.5


def test_branding_contrast_is_checked(app, tenant_factory, admin_client):
    t = tenant_factory()
    client = admin_client(t)
    r = client.post("/admin/branding", data={"name": "New Name", "primary_color": "#ffff00"})
    assert r.status_code == 422 and "4.5:1" in r.get_data(as_text=True)
    assert _tenant_row(app, t).name != "New Name"  # nothing saved
    r = client.post("/admin/branding", data={"name": "New Name", "primary_color": "#0B4F8A"})
    assert r.status_code == 302
    row = _tenant_row(app, t)
    assert row.name == "New Name" and row.branding["primary_color"] == "#0b4f8a"
    assert "New Name" in client.get("/").get_data(as_text=True)  # the host cache was invalidated


def test_logo_types_are_sniffed_and_size_limited(app, tenant_factory, admin_client):
    assert [sniff_image(x) for x in (PNG, JPEG, WEBP, b"<svg/>")] == [
        "image/png",
        "image/jpeg",
        "image/webp",
        None,
    ]
    t = tenant_factory()
    client = admin_client(t)

    def upload(data, filename):
        return client.post(
            "/admin/branding",
            data={"name": "Logo Town", "primary_color": "#0b4f8a", "logo": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    assert upload(b"<svg onload=alert(1)>", "logo.png").status_code == 422  # a name proves nothing
    assert upload(PNG + b"\x00" * (512 * 1024), "big.png").status_code == 422
    assert "logo_url" not in (_tenant_row(app, t).branding or {})
    assert upload(WEBP, "logo.webp").status_code == 302
    logo_url = _tenant_row(app, t).branding["logo_url"]
    r = client.get(logo_url)
    assert r.status_code == 200 and r.mimetype == "image/webp" and r.data == WEBP


def test_languages_and_time_zone(app, tenant_factory, admin_client):
    t = tenant_factory(locale="en")
    client = admin_client(t)
    r = client.post(
        "/admin/languages", data={"locales": ["bg", "en"], "default_locale": "ro", "timezone": "Europe/Sofia"}
    )
    assert r.status_code == 422
    r = client.post(
        "/admin/languages", data={"locales": ["bg", "en"], "default_locale": "bg", "timezone": "Mars/Base"}
    )
    assert r.status_code == 422
    r = client.post(
        "/admin/languages", data={"locales": ["bg", "en"], "default_locale": "bg", "timezone": "Europe/Sofia"}
    )
    assert r.status_code == 302
    row = _tenant_row(app, t)
    assert (row.locales, row.default_locale, row.timezone) == (["bg", "en"], "bg", "Europe/Sofia")


def test_modules_within_what_the_operator_allowed(app, tenant_factory, admin_client):
    app.config["BILLING_PLUGIN_PRICES"] = {"testplugin": 1500}
    try:
        t = tenant_factory()
        client = admin_client(t)
        assert client.get("/admin/modules/testplugin/enable").status_code == 404  # not allowed
        assert client.post("/admin/modules/testplugin/enable").status_code == 404
        _allow(app, t, "testplugin")
        page = client.get("/admin/modules/testplugin/enable")
        assert page.status_code == 200 and "15.00" in page.get_data(
            as_text=True
        )  # the price, before confirming
        assert client.get("/testplugin/").status_code == 404
        assert client.post("/admin/modules/testplugin/enable").status_code == 302
        assert client.get("/testplugin/").status_code == 200
        assert client.post("/admin/modules/testplugin/disable").status_code == 302
        assert client.get("/testplugin/").status_code == 404
    finally:
        app.config.pop("BILLING_PLUGIN_PRICES")


def test_settings_form_is_generated_from_the_schema(app, tenant_factory, admin_client):
    t = tenant_factory()
    _allow(app, t, "testplugin")
    client = admin_client(t)
    page = client.get("/admin/modules/testplugin/settings").get_data(as_text=True)
    assert 'name="greeting"' in page and 'name="max_notes"' in page and 'type="checkbox"' in page
    r = client.post("/admin/modules/testplugin/settings", data={"greeting": "", "max_notes": "5000"})
    assert r.status_code == 422 and 'id="max_notes-error"' in r.get_data(as_text=True)
    r = client.post("/admin/modules/testplugin/settings", data={"greeting": "Γεια", "max_notes": "20"})
    assert r.status_code == 302
    with app.app_context(), tenant_context(t.id):
        row = db.session.execute(
            sa.select(TenantPlugin).where(TenantPlugin.plugin == "testplugin")
        ).scalar_one()
        assert row.settings["greeting"] == "Γεια" and row.settings["max_notes"] == 20


def test_members_invite_role_remove(app, tenant_factory, admin_client, account_factory, mail_outbox):
    t = tenant_factory()
    client = admin_client(t)
    member = account_factory(memberships={t: "member"})
    r = client.post("/admin/members", data={"email": "new.person@example.org", "role": "staff"})
    assert r.status_code == 302
    mail_outbox.wait_for(lambda m: "new.person@example.org" in m["To"])
    assert "new.person@example.org" in client.get("/admin/members").get_data(as_text=True)
    assert client.post(f"/admin/members/{member.id}/role", data={"role": "moderator"}).status_code == 302
    with app.app_context(), tenant_context(t.id):
        assert (
            db.session.execute(sa.select(Membership.role).where(Membership.account_id == member.id)).scalar()
            == "moderator"
        )
    assert client.post(f"/admin/members/{member.id}/remove").status_code == 302
    with app.app_context(), tenant_context(t.id):
        assert (
            db.session.execute(sa.select(Membership).where(Membership.account_id == member.id)).first()
            is None
        )
        actions = (
            db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.subject_tenant_id == t.id))
            .scalars()
            .all()
        )
    assert {"member.invited", "member.role", "member.removed"} <= set(actions)


def test_last_admin_stays(app, tenant_factory, tenant_client, sign_in, tenant_admin):
    t = tenant_factory()
    admin = tenant_admin(t)
    client = sign_in(tenant_client(t), admin)
    client.post(f"/admin/members/{admin.id}/role", data={"role": "member"})
    client.post(f"/admin/members/{admin.id}/remove")
    with app.app_context(), tenant_context(t.id):
        assert (
            db.session.execute(sa.select(Membership.role).where(Membership.account_id == admin.id)).scalar()
            == "admin"
        )
