"""The personal-data pages in a real browser (CSRF on), checked by axe-core (WCAG 2.1 AA) in every
language: a guest's request and link, the admin's retention schedule, the operator's deletion
form and certificate (issue 12 §4)."""

from __future__ import annotations

import datetime as dt
import uuid

import pyotp
import pytest

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER

LANGUAGES = ["en", "el", "bg", "ro"]


@pytest.fixture(scope="module")
def setting(app, live_server, chromium):
    """A municipality with a guest's invitation, an admin and an operator signed in, an archived
    municipality and one whose data was deleted (its certificate)."""
    from core.accounts.services import memberships, signup
    from core.db import tenant_context
    from core.extensions import db
    from core.privacy import guests
    from core.privacy.models import DataRequest
    from core.tenancy import Tenant, utcnow
    from core.tenant_admin import NewTenant, create_tenant
    from tenants import deletion, services

    password = "correct horse battery"
    secret = pyotp.random_base32()
    op_email = f"op-{uuid.uuid4().hex[:6]}@example.org"
    admin_email = f"adm-{uuid.uuid4().hex[:6]}@example.org"
    slug = f"axe-privacy-{uuid.uuid4().hex[:6]}"
    with app.test_request_context("/"):
        operator = signup.create_account(op_email, password, "Olga Operator", is_operator=True)
        operator.totp_secret, operator.totp_enabled_at = secret, utcnow()
        tenant = create_tenant(
            NewTenant(
                slug=slug,
                name="Δήμος Διδυμοτείχου",
                country="GR",
                default_locale="el",
                locales=["el", "bg", "ro", "en"],
                plugins=["testplugin"],
            )  # fmt: skip
        )
        admin = signup.create_account(admin_email, password, "Anna Admin")
        memberships.join_tenant(admin, tenant.id, "admin")
        services.invite(db.session.get(Tenant, tenant.id), "guest-axe@example.org", "member")
        tokens = []
        with tenant_context(tenant.id):
            for _ in range(8):  # one per language for the link page, one per language to erase
                req = DataRequest(email="guest-axe@example.org", email_hash=guests.email_hash("guest-axe@example.org"),
                                  expires_at=utcnow() + dt.timedelta(hours=1))  # fmt: skip
                db.session.add(req)
                db.session.flush()
                tokens.append(guests._serializer().dumps({"t": tenant.id, "r": str(req.id)}))
        archived = create_tenant(NewTenant(slug=f"axe-arch-{uuid.uuid4().hex[:6]}", name="Archived", country="GR",
                                           default_locale="en"))  # fmt: skip
        gone = create_tenant(NewTenant(slug=f"axe-gone-{uuid.uuid4().hex[:6]}", name="Gone", country="GR",
                                       default_locale="en", plugins=["testplugin"]))  # fmt: skip
        db.session.flush()
        for t in (archived, gone):
            services.change_status(t.id, "archive")
        scheduled = deletion.schedule(gone.id, operator, "contract ended")
        cert = deletion.execute(scheduled, operator, now=scheduled.due_at)
        db.session.commit()
        ids = {"archived": archived.id, "gone": gone.id, "cert": cert.id}
        db.session.remove()

    op_ctx = chromium.new_context(locale="en-GB")
    page = op_ctx.new_page()
    sign_in_through_form(page, live_server, op_email, password)
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    page.close()
    admin_ctx = chromium.new_context(locale="en-GB")
    page = admin_ctx.new_page()
    sign_in_through_form(page, live_server, admin_email, password)
    page.goto(live_server.url(f"{slug}.localhost", "/auth/signin"))
    page.close()
    guest_ctx = chromium.new_context(locale="en-GB")
    yield {"slug": slug, "tokens": tokens, "op": op_ctx, "admin": admin_ctx, "guest": guest_ctx, **ids}
    for ctx in (op_ctx, admin_ctx, guest_ctx):
        ctx.close()


def check(page, axe, url, status=200):
    response = page.goto(url)
    assert response.status == status, (url, response.status)
    problems = axe(page)
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_guest_pages(setting, live_server, axe, lang):
    host = f"{setting['slug']}.localhost"
    page = setting["guest"].new_page()
    i = LANGUAGES.index(lang)
    try:
        check(page, axe, live_server.url(host, f"/privacy/my-data?lang={lang}"))
        page.locator("#email").fill("not an address")
        page.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() == 1 and not axe(page)
        page.locator("#email").fill("someone@example.org")
        page.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert "someone@example.org" in page.content() and not axe(page)
        # the link: its page, the erase form refused without the box, then erased
        check(page, axe, live_server.url(host, f"/privacy/my-data/{setting['tokens'][i]}?lang={lang}"))
        assert (
            page.locator("main li").count() >= 1
        )  # what is held (nothing, once erased in a language before)
        page.locator("form.form").last.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("p.error").count() == 1 and not axe(page)  # the box, not ticked
        page.locator("#confirm").check()
        page.locator("form.form").last.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1 and not axe(page)
        check(page, axe, live_server.url(host, f"/privacy/my-data/{setting['tokens'][i]}?lang={lang}"), 410)
        check(page, axe, live_server.url(host, f"/privacy/my-data/not-a-token?lang={lang}"), 404)
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_retention_page(setting, live_server, axe, lang):
    host = f"{setting['slug']}.localhost"
    page = setting["admin"].new_page()
    try:
        check(page, axe, live_server.url(host, f"/admin/privacy?lang={lang}"))
        page.locator("#testplugin__notes").fill("5")
        page.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() == 1 and not axe(page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_operator_deletion_pages(setting, live_server, axe, lang):
    page = setting["op"].new_page()
    try:
        check(page, axe, live_server.url(path=f"/operator/tenants/{setting['archived']}?lang={lang}"))
        assert page.locator("#deletion_reason").count() == 1  # the deletion form of an archived municipality
        check(page, axe, live_server.url(path=f"/operator/tenants/{setting['gone']}?lang={lang}"))
        check(page, axe, live_server.url(path=f"/operator/deletions/{setting['cert']}?lang={lang}"))
    finally:
        page.close()
