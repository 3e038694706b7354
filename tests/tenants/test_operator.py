"""Operator console and operator API: access, atomic onboarding, lifecycle, catalogue."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from core.tenancy import Tenant, TenantDomain, TenantPlugin
from tenants.models import AuditEvent, Invitation, TenantBilling
from tests.tenants.conftest import count_rows


def _tenant(app, slug):
    with app.app_context():
        t = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
        db.session.expunge_all()
        return t


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(apex_client):
    r = apex_client.get("/operator/")
    assert r.status_code == 302 and "/auth/signin" in r.headers["Location"]


def test_non_operator_is_refused(apex_client, sign_in, account_factory):
    sign_in(apex_client, account_factory())
    assert apex_client.get("/operator/").status_code == 403
    assert apex_client.post("/operator/tenants/new", data={}).status_code == 403


def test_operator_without_totp_is_sent_to_enrolment(apex_client, sign_in, account_factory):
    sign_in(apex_client, account_factory(operator=True))
    r = apex_client.get("/operator/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/security")


def test_console_is_not_on_tenant_hosts(tenant_factory, tenant_client, sign_in, operator):
    client = sign_in(tenant_client(tenant_factory()), operator)
    assert client.get("/operator/").status_code == 404


# --- onboarding from the browser ---------------------------------------------------------------


def test_onboarding_creates_everything_and_invites_the_admin(
    app, operator_client, onboarding_form, mail_outbox
):
    form = onboarding_form()
    r = operator_client.post("/operator/tenants/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    tenant = _tenant(app, form["slug"])
    assert tenant is not None and tenant.locales == ["el", "en"] and tenant.default_locale == "el"
    assert count_rows(app, TenantDomain, tenant_id=tenant.id) == 1
    assert count_rows(app, TenantPlugin, tenant_id=tenant.id, plugin="testplugin", allowed=True) == 1
    assert count_rows(app, TenantBilling, tenant_id=tenant.id) == 1
    assert count_rows(app, Invitation, tenant_id=tenant.id, email=form["admin_email"]) == 1
    assert count_rows(app, AuditEvent, subject_tenant_id=tenant.id, action="tenant.onboarded") == 1
    msg = mail_outbox.wait_for(lambda m: form["admin_email"] in m["To"])
    assert f"http://{form['slug']}.localhost/invitation/" in mail_outbox.body(msg)
    page = operator_client.get(r.headers["Location"])
    assert page.status_code == 200 and form["name"] in page.get_data(as_text=True)


def test_reserved_slug_is_refused_and_nothing_created(app, operator_client, onboarding_form, mail_outbox):
    form = onboarding_form(slug="admin")
    r = operator_client.post("/operator/tenants/new", data=form)
    assert r.status_code == 422
    assert "reserved" in r.get_data(as_text=True)
    assert _tenant(app, "admin") is None
    assert mail_outbox.to(form["admin_email"]) == []


def test_taken_slug_is_refused(app, operator_client, onboarding_form, tenant_factory):
    taken = tenant_factory()
    r = operator_client.post("/operator/tenants/new", data=onboarding_form(slug=taken.slug))
    assert r.status_code == 409
    assert "already taken" in r.get_data(as_text=True)


def test_invalid_fields_are_reported_per_field(operator_client, onboarding_form):
    form = onboarding_form(
        slug="Bad Slug!", default_locale="ro", days_until_due="0", collection_method="send_invoice"
    )
    r = operator_client.post("/operator/tenants/new", data=form)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'id="slug-error"' in body and 'id="days_until_due-error"' in body


def test_onboarding_keeps_the_invitation_when_mail_is_down(make_app, sign_in, operator, onboarding_form):
    """Issue 10 item 19: a mail outage no longer fails (or undoes) a write; the invitation is
    written to the outbox with the onboarding and sent when mail is back."""
    from core.outbox import OutboxEntry
    from core.testing.pytest_plugin import HostClient

    broken = make_app(MAIL_PORT=1)  # nothing listens: the SMTP connection is refused
    broken.test_client_class = HostClient
    client = sign_in(broken.test_client(), operator)
    form = onboarding_form()
    r = client.post("/operator/tenants/new", data=form)
    assert r.status_code == 302
    assert _tenant(broken, form["slug"]) is not None
    assert count_rows(broken, Invitation, email=form["admin_email"]) == 1
    with broken.app_context():
        waiting = db.session.execute(sa.select(OutboxEntry.payload)).scalars().all()
        assert any(p.get("to") == [form["admin_email"]] for p in waiting)


# --- list, detail, lifecycle ---------------------------------------------------------------------


def test_list_is_searchable(operator_client, tenant_factory):
    a = tenant_factory(name="Kavala Unique")
    b = tenant_factory(name="Drama Other")
    body = operator_client.get("/operator/?q=kavala unique").get_data(as_text=True)
    assert a.name in body and b.name not in body
    assert (
        operator_client.get("/operator/?status=archived&q=kavala").get_data(as_text=True).count(a.name) == 0
    )


def test_suspend_resume_archive_restore(app, operator_client, tenant_factory, tenant_client):
    t = tenant_factory()
    base = f"/operator/tenants/{t.id}/status"
    assert operator_client.post(f"{base}/suspend", data={"reason": "test"}).status_code == 302
    assert _tenant(app, t.slug).status == "suspended"
    assert tenant_client(t).post("/auth/signout").status_code == 403  # read-only
    assert operator_client.post(f"{base}/suspend").status_code == 302  # not possible twice: a message
    assert operator_client.post(f"{base}/resume").status_code == 302
    assert _tenant(app, t.slug).status == "active"
    operator_client.post(f"{base}/archive")
    assert _tenant(app, t.slug).status == "archived"
    assert tenant_client(t).get("/").status_code == 404
    operator_client.post(f"{base}/restore")
    assert _tenant(app, t.slug).status == "active"
    assert tenant_client(t).get("/").status_code == 200
    actions = [a for (a,) in _audit(app, t.id)]
    assert {"tenant.suspend", "tenant.resume", "tenant.archive", "tenant.restore"} <= set(actions)
    assert operator_client.post("/operator/tenants/999999999/status/suspend").status_code == 404


def _audit(app, tenant_id):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.subject_tenant_id == tenant_id)
        ).all()


def test_plugin_catalogue_lists_installed_and_refused(operator_client):
    body = operator_client.get("/operator/plugins").get_data(as_text=True)
    assert "testplugin" in body
    assert "incompatible" in body  # the test distribution ships a plugin refused for its core_api range


def test_audit_log_is_filterable(operator_client, tenant_factory):
    t = tenant_factory()
    operator_client.post(f"/operator/tenants/{t.id}/status/suspend")
    body = operator_client.get(f"/operator/audit?tenant={t.slug}&action=tenant.").get_data(as_text=True)
    assert "tenant.suspend" in body
    assert "tenant.suspend" not in operator_client.get("/operator/audit?tenant=no-such-slug").get_data(
        as_text=True
    )


# --- the operator API ------------------------------------------------------------------------------


def _api_payload(onboarding_form, **kw):
    data = onboarding_form(**kw)
    data["days_until_due"] = int(data["days_until_due"])
    return data


def test_api_onboards_and_lists(app, apex_client, operator_token, onboarding_form, mail_outbox):
    payload = _api_payload(onboarding_form)
    headers = {"Authorization": f"Bearer {operator_token}"}
    r = apex_client.post("/api/v1/operator/tenants", json=payload, headers=headers)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.json["slug"] == payload["slug"] and r.json["allowed_plugins"] == ["testplugin"]
    mail_outbox.wait_for(lambda m: payload["admin_email"] in m["To"])
    listed = apex_client.get(f"/api/v1/operator/tenants?q={payload['slug']}", headers=headers)
    assert listed.status_code == 200 and [t["slug"] for t in listed.json] == [payload["slug"]]


def test_api_errors_are_problem_json(apex_client, operator_token, onboarding_form, tenant_factory):
    headers = {"Authorization": f"Bearer {operator_token}"}
    r = apex_client.post(
        "/api/v1/operator/tenants", json=_api_payload(onboarding_form, slug="www"), headers=headers
    )
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "slug" in r.json["errors"]
    taken = tenant_factory()
    r = apex_client.post(
        "/api/v1/operator/tenants", json=_api_payload(onboarding_form, slug=taken.slug), headers=headers
    )
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    r = apex_client.post("/api/v1/operator/tenants", json={"slug": "x"}, headers=headers)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


def test_api_needs_an_operator_token(
    client_for, access_token, account_factory, operator_client, onboarding_form
):
    apex_client = client_for("localhost")  # not the operator's signed-in client
    person = account_factory()
    token = access_token(person, None)
    r = apex_client.get("/api/v1/operator/tenants", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert apex_client.get("/api/v1/operator/tenants").status_code == 401
    # a signed-in operator's cookie alone never writes through the API
    r = operator_client.post("/api/v1/operator/tenants", json=_api_payload(onboarding_form))
    assert r.status_code == 401
