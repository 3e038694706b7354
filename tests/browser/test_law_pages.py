"""The pages of issue 12 §1–§2 (the law in force, the register in its legal form, entering a
recommendation, public debate requests, the annual report) pass axe-core, in the municipality's
language, for staff and for the public, on a wide and a narrow screen."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from core.testing.browser import BROWSER, axe_path, blocking, run_axe, sign_in_through_form

AXE_JS = axe_path(Path(__file__).resolve().parents[2])
pytestmark = BROWSER


def _municipality(app, country: str, locale: str, timezone: str):
    from core.extensions import db
    from core.plugin_state import enable_plugin
    from core.tenancy import invalidate_tenant_cache, tenant_info_from_row
    from core.tenant_admin import NewTenant, create_tenant

    slug = f"law-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        row = create_tenant(
            NewTenant(
                slug=slug,
                name=f"Law {country}",
                country=country,
                default_locale=locale,
                locales=[locale, "en"],
                timezone=timezone,
            )
        )
        db.session.commit()
        invalidate_tenant_cache()
        tenant = tenant_info_from_row(row, primary_host=f"{slug}.localhost", host=f"{slug}.localhost")
        enable_plugin(tenant.id, "hearings", None)
        db.session.commit()
        db.session.remove()
    return tenant


def _seed(app, tenant, staff_id: int) -> uuid.UUID:
    """An open consultation with an online comment, a recommendation received at the registry
    and (in Romania) a request for a public debate."""
    from core.accounts.models import Account
    from core.db import tenant_context
    from core.extensions import db
    from core.tenancy import utcnow
    from plugins.hearings.comments.services import post_comment
    from plugins.hearings.common import to_local
    from plugins.hearings.consultations.services import articles_of, save_consultation
    from plugins.hearings.debates import services as debates
    from plugins.hearings.law import services as law
    from plugins.hearings.models import Status
    from plugins.hearings.register.services import enter_recommendation

    with app.app_context(), tenant_context(tenant.id):
        now = utcnow()
        staff = db.session.get(Account, staff_id)
        opens = now - dt.timedelta(days=2)
        adoption = law.calendar().earliest_after(to_local(opens).date(), 30) + dt.timedelta(days=5)
        c = save_consultation(
            None,
            account=staff,
            title="Draft regulation",
            summary="Summary",
            tags="",
            opens_at=opens,
            closes_at=opens + dt.timedelta(days=31),
            intended_adoption_on=adoption,
            draft="## Article 1. Purpose\n\nText.\n\n## Article 2. Scope\n\nMore.",
        )
        c.status = Status.OPEN.value
        db.session.flush()
        post_comment(c, staff, "An online comment.")
        enter_recommendation(
            c,
            staff,
            channel="registry",
            received_on=to_local(now).date(),
            sender_name="Ion Ionescu",
            sender_contact="Str. Lungă 7",
            article_id=articles_of(c)[0].id,
            body="A letter received at the registry.",
        )
        if law.rule_set().debates:
            debates.create_request(
                c,
                staff,
                requester_kind="association",
                requester_name="Asociația Civica",
                received_on=to_local(now).date(),
                text="Cerem dezbatere.",
            )
        db.session.commit()
        cid = c.id
        db.session.remove()
    return cid


@pytest.fixture(scope="module")
def law_site(app, live_server, browser):
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db

    ro = _municipality(app, "RO", "ro", "Europe/Bucharest")
    bg = _municipality(app, "BG", "bg", "Europe/Sofia")
    email, password = f"law-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
    with app.app_context():
        account = create_account(email, password, "Law Staff", verified=True)
        join_tenant(account, ro.id, "staff")
        join_tenant(account, bg.id, "staff")
        db.session.commit()
        staff_id = account.id
        db.session.remove()
    cids = {"ro": _seed(app, ro, staff_id), "bg": _seed(app, bg, staff_id)}
    signed_in = browser.new_context(locale="en-GB")
    page = signed_in.new_page()
    sign_in_through_form(page, live_server, email, password)
    for tenant in (ro, bg):
        page.goto(live_server.tenant_url(tenant, "/auth/signin"))
    page.close()
    yield {"ro": ro, "bg": bg, "cids": cids, "signed_in": signed_in}
    signed_in.close()


def _check(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    problems = blocking(run_axe(page, AXE_JS))
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [1100, 390])
def test_law_and_register_pages_pass_axe(law_site, live_server, width):
    page = law_site["signed_in"].new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        for country, lang in (("ro", "ro"), ("bg", "bg")):
            tenant, cid = law_site[country], law_site["cids"][country]
            paths = [
                "/hearings/law",
                f"/hearings/consultations/{cid}",
                f"/hearings/consultations/{cid}/report",
                f"/hearings/consultations/{cid}/recommendations/new",
            ]
            if country == "ro":
                year = dt.date.today().year
                paths += [f"/hearings/consultations/{cid}/debates", f"/hearings/transparency/{year}"]
            for path in paths:
                _check(page, live_server.tenant_url(tenant, f"{path}?lang={lang}"))
                assert page.locator("html").get_attribute("lang") == lang
        # an error state: a recommendation received tomorrow, the form back with its message
        ro, cid = law_site["ro"], law_site["cids"]["ro"]
        page.goto(live_server.tenant_url(ro, f"/hearings/consultations/{cid}/recommendations/new?lang=ro"))
        page.locator("#received_on").fill((dt.date.today() + dt.timedelta(days=2)).isoformat())
        page.locator("#sender_name").fill("Ana")
        page.locator("#body").fill("Text")
        with page.expect_navigation():
            page.locator("main button[type=submit], main input[type=submit]").first.click()
        assert page.locator("[aria-invalid=true]").count() >= 1
        assert not blocking(run_axe(page, AXE_JS))
    finally:
        page.close()


def test_public_pages_pass_axe(law_site, page, live_server):
    for country in ("ro", "bg"):
        tenant, cid = law_site[country], law_site["cids"][country]
        for path in (
            "/hearings/law",
            f"/hearings/consultations/{cid}",
            f"/hearings/consultations/{cid}/report",
        ):
            _check(page, live_server.tenant_url(tenant, f"{path}?lang={country}"))
        assert "Str. Lungă 7" not in page.content()
