"""The notices every public site must show (issue 12 §3): linked from every page kind, from sign-up
and every form that collects personal data, and from every mail; generated from the personal
data declarations, in the reader's language, with each country's bodies."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from werkzeug.routing import UUIDConverter

from core.extensions import db
from core.legal import notices
from core.legal.declarations import (
    LegalBasis,
    PersonalDataDeclaration,
    SpecialCategoryCondition,
    declarations,
    effective_retention,
)
from core.plugins import registry
from tests.plugins.hearings.conftest import make_consultation, make_meeting

TENANT_LINKS = ("/legal/privacy", "/legal/accessibility", "/legal/terms", "/legal/moderation")


class Page(HTMLParser):
    """The links of a page, its footer's links, and each POST form with its fields and links."""

    def __init__(self) -> None:
        super().__init__()
        self.footer_links: list[str] = []
        self.forms: list[dict] = []
        self._in_footer = 0
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "footer":
            self._in_footer += 1
        if tag == "a" and a.get("href"):
            if self._in_footer:
                self.footer_links.append(a["href"])
            if self._form is not None:
                self._form["links"].append(a["href"])
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action"), "fields": [], "links": []}
        if self._form is not None and tag in ("input", "textarea"):
            kind = "textarea" if tag == "textarea" else (a.get("type") or "text").lower()
            if kind in ("text", "email", "password", "textarea", "tel", "url"):
                self._form["fields"].append(a.get("name"))

    def handle_endtag(self, tag):
        if tag == "footer":
            self._in_footer -= 1
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


# --- every GET route --------------------------------------------------------------------------------

#: Routes that serve no page: files, feeds, health checks, the demo's outbox, the API.
NOT_PAGES = re.compile(
    r"^/(api/|static/|assets/|dev/|healthz|readyz|metrics|theme\.css|tls/|branding/logo|auth/(go|handoff|redeem))"
    r"|\.(ics|csv|json|<fmt>)$|/export$|/files/"
)


def _fill(rule, known: dict[str, str]) -> str | None:
    """A URL for ``rule``: known ids for the arguments it names, otherwise values that reach the
    route (an unknown id or token answers with its own page, a 404 in the layout)."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name in known:
            values[name] = known[name]
        elif isinstance(converter, UUIDConverter):
            values[name] = str(uuid.uuid4())
        elif name == "tenant_id":
            values[name] = "999999999"
        elif name in ("token",):
            values[name] = "no-such-token"
        else:
            return None
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def _walk(app, client, known) -> dict[str, tuple[int, str]]:
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or NOT_PAGES.search(rule.rule):
            continue
        path = _fill(rule, known)
        if path is None:
            continue
        response = client.get(path)
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
            continue
        pages[path] = (response.status_code, response.get_data(as_text=True))
    return pages


@pytest.fixture
def municipality(app, tenant_factory, account_factory):
    tenant = tenant_factory(plugins=["hearings", "testplugin"])
    consultation = make_consultation(app, tenant)
    meeting = make_meeting(app, tenant)
    admin = account_factory(memberships={tenant: "admin"})
    member = account_factory(memberships={tenant: "member"})
    known = {
        "cid": str(consultation["id"]),
        "mid": str(meeting),
        "kind": "privacy",
        "locale": "en",
        "name": "testplugin",
        "action": "enable",
    }
    return {"tenant": tenant, "admin": admin, "member": member, "known": known}


def test_every_page_kind_links_the_notices_in_its_footer(
    app, municipality, tenant_client, apex_client, sign_in
):
    """Every GET route of the application that answers with a page, anonymous and signed in, on a
    municipality's host and on the apex: the footer links the notices that apply there."""
    tenant = municipality["tenant"]
    walks = {
        "anonymous": _walk(app, tenant_client(tenant), municipality["known"]),
        "admin": _walk(app, sign_in(tenant_client(tenant), municipality["admin"]), municipality["known"]),
    }
    for who, pages in walks.items():
        for path, (status, html) in pages.items():
            footer = parse(html).footer_links
            missing = [link for link in TENANT_LINKS if link not in footer]
            assert not missing, (who, path, status, missing)
    admin_pages = {p for p, (s, _h) in walks["admin"].items() if s == 200}
    for expected in ("/", "/hearings/", f"/hearings/consultations/{municipality['known']['cid']}",
                     f"/hearings/meetings/{municipality['known']['mid']}", "/admin/", "/admin/legal/",
                     "/admin/legal/records", "/legal/privacy", "/legal/accessibility/feedback",
                     "/testplugin/", "/search"):  # fmt: skip
        assert expected in admin_pages, expected  # the walk really reached every kind of page
    assert len(admin_pages) >= 35
    assert any(s == 404 for s, _h in walks["anonymous"].values())  # error pages are checked too

    apex = _walk(app, apex_client, {"kind": "privacy"})
    assert "/auth/signup" in apex and "/legal/privacy" in apex
    for path, (status, html) in apex.items():
        assert "/legal/privacy" in parse(html).footer_links, (path, status)


def test_the_footer_check_is_not_vacuous():
    html = '<footer><a href="/legal/privacy">x</a></footer><a href="/legal/terms">y</a>'
    assert parse(html).footer_links == ["/legal/privacy"]


#: Forms that take no personal data although they have a text field: a token's label, a code.
NOT_PERSONAL = {"/account/tokens", "/account/security", "/auth/totp", "/account/delete"}


def _forms_without_privacy_note(pages: dict[str, tuple[int, str]]) -> list[tuple[str, str | None]]:
    bad = []
    for path, (_status, html) in pages.items():
        if path in NOT_PERSONAL or path.startswith(("/admin", "/operator")):
            continue
        for form in parse(html).forms:
            if form["fields"] and "/legal/privacy" not in form["links"]:
                bad.append((path, form["action"]))
    return bad


def test_every_form_that_collects_personal_data_links_the_privacy_notice(
    app, municipality, tenant_client, apex_client, sign_in, account_factory
):
    """Walking every page as the people who fill in forms (anonymous, a member, an account on the
    apex): each POST form with a field to type into links the privacy notice inside the form."""
    tenant = municipality["tenant"]
    pages = {}
    pages.update(_walk(app, tenant_client(tenant), municipality["known"]))
    pages.update(_walk(app, sign_in(tenant_client(tenant), municipality["member"]), municipality["known"]))
    pages.update(_walk(app, apex_client, {}))
    pages.update(_walk(app, sign_in(apex_client, account_factory()), {}))
    assert _forms_without_privacy_note(pages) == []
    forms_checked = [f for _s, h in pages.values() for f in parse(h).forms if f["fields"]]
    assert len(forms_checked) >= 8  # sign-up, sign-in, comments, registration, feedback, profile…


def test_a_form_without_the_note_is_caught():
    html = '<form method="post"><input type="email" name="email"><button>Go</button></form>'
    assert _forms_without_privacy_note({"/x": (200, html)}) == [("/x", None)]


def test_sign_up_links_the_account_notice_and_it_names_the_operator(app, apex_client):
    page = apex_client.get("/auth/signup?lang=el").get_data(as_text=True)
    form = parse(page).forms[0]
    assert "/legal/privacy" in form["links"]
    notice = apex_client.get("/legal/privacy?lang=el")
    assert notice.status_code == 200
    text = notice.get_data(as_text=True)
    assert app.config["OPERATOR_NAME"] in text
    assert "Your account on the platform" not in text and "Ο λογαριασμός σας στην πλατφόρμα" in text
    # the municipality's notices are not served on the apex
    assert apex_client.get("/legal/accessibility").status_code == 404


# --- content -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "locale", "authority", "body"),
    [
        ("GR", "el", "Αρχή Προστασίας Δεδομένων Προσωπικού Χαρακτήρα", "Συνήγορος του Πολίτη"),
        ("BG", "bg", "Комисия за защита на личните данни", "Министерство на електронното управление"),
        ("RO", "ro", "Autoritatea Națională de Supraveghere", "Autoritatea pentru Digitalizarea României"),
        ("BG", "en", "Commission for Personal Data Protection", "Ministry of e-Government"),
    ],
)
def test_each_country_names_its_own_bodies_in_every_language(
    tenant_factory, tenant_client, country, locale, authority, body
):
    tenant = tenant_factory(country=country, locale=locale)
    client = tenant_client(tenant)
    privacy = client.get(f"/legal/privacy?lang={locale}").get_data(as_text=True)
    assert authority in privacy
    statement = client.get(f"/legal/accessibility?lang={locale}").get_data(as_text=True)
    assert body in statement
    assert "/legal/accessibility/feedback" in statement


def test_the_privacy_notice_lists_every_declaration_with_the_retention_in_force(
    app, tenant_factory, tenant_client, enable_plugin
):
    from core.privacy.retention import set_retention

    tenant = tenant_factory(plugins=["hearings", "testplugin"])
    with app.app_context():  # the period its admin chose in /admin/privacy, the one the purge applies
        set_retention(tenant.id, {"testplugin.notes": 45, "hearings.accessibility": 14})
        db.session.commit()
    page = tenant_client(tenant).get("/legal/privacy?lang=en").get_data(as_text=True)
    with app.test_request_context():
        found, failed = declarations(tenant.id, controller="municipality")
        assert not failed
        for p in found:
            assert str(p.declaration.title).replace("'", "&#39;") in page, p.declaration.kind
    assert "Notes" in page and "45 days" in page  # the municipality's own setting, not the default
    assert "14 days" in page  # accessibility needs: its own period too
    assert "Art. 9(2)(a) GDPR" in page  # accessibility needs are special-category data
    assert "<h3>Your account on the platform</h3>" not in page  # the operator's data: on the apex


def test_a_municipality_without_details_shows_the_gap(tenant_factory, tenant_client):
    page = tenant_client(tenant_factory()).get("/legal/privacy").get_data(as_text=True)
    assert "legal-missing" in page


# --- declarations ------------------------------------------------------------------------------


def _decl(**overrides):
    data = {
        "kind": "x.things",
        "title": "Things",
        "categories": ("name",),
        "purpose": "Because.",
        "legal_basis": LegalBasis.PUBLIC_TASK,
        "retention_days": 30,
    }
    data.update(overrides)
    return PersonalDataDeclaration(**data)


def test_a_declaration_that_breaks_the_rules_is_refused():
    assert _decl().categories == ("name",)
    for bad in (
        {"legal_basis": "because"},
        {"categories": ()},
        {"retention_days": None},  # no term and no note
        {"retention_days": 0},
        {"special_category": "art9_2_z"},
        {"controller": "someone"},
        {"kind": " "},
    ):
        with pytest.raises(ValueError):
            _decl(**bad)
    assert _decl(special_category=SpecialCategoryCondition.EXPLICIT_CONSENT).special_category_label
    assert _decl(retention_days=None, retention_note="While the meeting lasts.").retention_days is None


def test_effective_retention_reads_the_setting_the_declaration_names():
    d = _decl(retention_setting="retention.things")
    assert effective_retention(d, {}) == 30
    assert effective_retention(d, {"retention": {"things": 7}}) == 7
    assert effective_retention(d, {"retention.things": 9}) == 9
    assert effective_retention(d, {"retention": {"things": "7"}}) == 30  # not a number of days
    assert effective_retention(d, {"retention": {"things": 0}}) == 30
    assert effective_retention(_decl(), {"retention": {"things": 7}}) == 30  # names no setting


def test_a_plugin_whose_declarations_fail_is_named_and_the_notice_still_renders(
    app, tenant_factory, tenant_client, monkeypatch
):
    tenant = tenant_factory(plugins=["testplugin"])
    reg = registry(app)
    real = reg.only

    def only(hook, names):
        if hook == "sympraxis_personal_data_declarations" and set(names) == {"testplugin"}:

            def broken():
                raise RuntimeError("broken declarations")

            return broken
        return real(hook, names)

    monkeypatch.setattr(reg, "only", only)
    with app.test_request_context():
        found, failed = declarations(tenant.id)
        db.session.rollback()
    assert failed == ["testplugin"]
    assert {p.source for p in found} >= {"core", "tenants"}
    assert tenant_client(tenant).get("/legal/privacy").status_code == 200


def test_shipped_templates_keep_every_placeholder_the_law_requires():
    for locale in notices.SHIPPED_LOCALES:
        for kind in notices.KINDS:
            assert notices.check_body(kind, notices.shipped_text(kind, locale)) == [], (kind, locale)
        text = notices.shipped_text(notices.APEX_PRIVACY, locale)
        used = set(notices.PLACEHOLDER.findall(text))
        assert set(notices.REQUIRED[notices.APEX_PRIVACY]) <= used, locale
        assert used <= set(notices.PLACEHOLDERS), locale


def test_the_placeholder_check_is_not_vacuous(app):
    with app.test_request_context():
        text = (
            notices.shipped_text("privacy", "en").replace("[[processing]]", "").replace("[[dpo]]", "[[dpoo]]")
        )
        problems = notices.check_body("privacy", text)
    assert any("[[dpoo]]" in p for p in problems) and any("[[processing]]" in p for p in problems)


def test_notice_text_is_sanitised(app, tenant_factory):
    from core.db import tenant_context

    tenant = tenant_factory()
    with app.test_request_context(headers={"Host": tenant.primary_host}), tenant_context(tenant.id):
        html = notices.render_body(
            tenant, 'Hi <script>alert(1)</script> [[municipality]] <a href="javascript:x">x</a>', "en"
        )
    assert "<script" not in html and "javascript:" not in html and tenant.name in html


# --- mail footers ------------------------------------------------------------------------------


def _footer_of(mail_outbox, msg) -> str:
    body = mail_outbox.body(msg).replace("\r\n", "\n")
    assert "\n-- \n" in body, body
    return body.split("\n-- \n", 1)[1]


def test_every_mail_carries_the_notices_of_where_it_was_sent(
    app, tenant_factory, account_factory, tenant_client, apex_client, sign_in, mail_outbox
):
    """Mails sent on the apex (sign-up), in a municipality's request (an invitation, a guest's
    registration) and from a job inside its tenant context link that host's notices."""
    from core.db import tenant_context
    from core.mail import Mail, send_mail

    tenant = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"])
    host = tenant.primary_host

    email = f"new-{uuid.uuid4().hex[:8]}@example.org"
    r = apex_client.post(
        "/auth/signup?lang=el",
        data={"display_name": "Νέο Πρόσωπο", "email": email, "password": "correct horse battery staple"},
    )
    assert r.status_code in (200, 302)
    footer = _footer_of(mail_outbox, mail_outbox.wait_for(lambda m: email in m["To"]))
    assert "http://localhost/legal/privacy" in footer and host not in footer

    admin = sign_in(tenant_client(tenant), account_factory(memberships={tenant: "admin"}, locale="el"))
    invited = f"invited-{uuid.uuid4().hex[:8]}@example.org"
    assert admin.post("/admin/members", data={"email": invited, "role": "member"}).status_code == 302
    footer = _footer_of(mail_outbox, mail_outbox.wait_for(lambda m: invited in m["To"]))

    mid = make_meeting(app, tenant)
    guest = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    r = tenant_client(tenant).post(
        f"/hearings/meetings/{mid}/register?lang=el", data={"name": "Guest Person", "email": guest}
    )
    assert r.status_code in (200, 302)
    registration = mail_outbox.wait_for(lambda m: guest in m["To"])
    for msg in (registration, mail_outbox.wait_for(lambda m: invited in m["To"])):
        footer = _footer_of(mail_outbox, msg)
        for path in ("/legal/privacy", "/legal/accessibility", "/legal/terms"):
            assert f"http://{host}{path}" in footer, footer
    assert "Ενημέρωση για την προστασία δεδομένων" in _footer_of(mail_outbox, registration)

    with app.app_context(), tenant_context(tenant.id):  # a job: no request, the tenant's context
        send_mail(Mail(to=["job@example.org"], subject="From a job", text="Body", html="<p>Body</p>"))
        db.session.commit()
    msg = mail_outbox.wait_for(lambda m: "job@example.org" in m["To"])
    assert f"http://{host}/legal/privacy" in _footer_of(mail_outbox, msg)
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert f'href="http://{host}/legal/privacy"' in html
