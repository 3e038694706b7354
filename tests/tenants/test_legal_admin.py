"""``/admin/legal``: editing a notice and resetting it to the template, accessibility feedback tracked
until it is answered, the records of processing from every plugin's declarations, and each
municipality kept to its own notices and feedback."""

from __future__ import annotations

import html
import re
import time
import uuid

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.legal import notices
from core.legal.models import AccessibilityFeedback, LegalNotice
from core.plugins import registry
from tenants.models import AuditEvent


def _shipped(kind="privacy", locale="el"):
    return notices.shipped_text(kind, locale)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _feedback_rows(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(sa.select(AccessibilityFeedback)).scalars().all()
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return rows


# --- editing -------------------------------------------------------------------------------


def test_an_admin_edits_a_notice_in_one_language_and_resets_it(
    app, tenant_factory, admin_client, tenant_client
):
    tenant = tenant_factory(locale="el", locales=["el", "en"])
    admin = admin_client(tenant)
    public = tenant_client(tenant)
    marker = f"Ειδική ρήτρα {uuid.uuid4().hex[:8]}"
    edit = admin.get("/admin/legal/notices/privacy/el")
    assert edit.status_code == 200 and "[[processing]]" in _text(edit)  # the template to start from

    body = _shipped() + f"\n\n## {marker}\n\nΚείμενο του δήμου για [[municipality]].\n"
    assert (
        admin.post("/admin/legal/notices/privacy/el", data={"body": body, "action": "save"}).status_code
        == 302
    )
    page = _text(public.get("/legal/privacy?lang=el"))
    assert marker in page and f"Κείμενο του δήμου για {tenant.name}." in page  # placeholders filled
    assert marker not in _text(public.get("/legal/privacy?lang=en"))  # one language only
    assert "<h3>Comments" not in page  # hearings is not enabled there: not declared in its notice

    assert admin.post("/admin/legal/notices/privacy/el/reset").status_code == 302
    page = _text(public.get("/legal/privacy?lang=el"))
    assert marker not in page
    assert "Υπεύθυνος Προστασίας Δεδομένων" in page  # the shipped template again
    with app.app_context():
        actions = (
            db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.subject_tenant_id == tenant.id))
            .scalars()
            .all()
        )
    assert {"legal.notice_saved", "legal.notice_reset"} <= set(actions)


def test_a_notice_without_what_the_law_requires_is_refused_and_the_text_kept(
    app, tenant_factory, admin_client
):
    tenant = tenant_factory(locale="el", locales=["el", "en"])
    admin = admin_client(tenant)
    typed = _shipped().replace("[[processing]]", "Σύντομη περιγραφή.") + "\n\n[[no_such_thing]]\n"
    r = admin.post("/admin/legal/notices/privacy/el?lang=el", data={"body": typed, "action": "save"})
    assert r.status_code == 422
    page = _text(r)
    assert "Σύντομη περιγραφή." in page  # everything typed comes back
    assert "[[processing]]" in page and "[[no_such_thing]]" in page  # named in the messages
    assert "Ο νόμος απαιτεί" in page  # in the user's language
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(LegalNotice)).scalar_one() == 0
    # preview: rendered, nothing saved
    preview = admin.post(
        "/admin/legal/notices/terms/el", data={"body": "# Τίτλος\n\n[[municipality]]", "action": "preview"}
    )
    assert preview.status_code == 200 and tenant.name in _text(preview)
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(LegalNotice)).scalar_one() == 0
    # a language the municipality does not use, or an unknown kind
    assert admin.get("/admin/legal/notices/privacy/bg").status_code == 404
    assert admin.get("/admin/legal/notices/cookies/el").status_code == 404


def test_staff_answer_feedback_but_only_admins_edit(tenant_factory, tenant_client, sign_in, account_factory):
    tenant = tenant_factory()
    staff = sign_in(tenant_client(tenant), account_factory(memberships={tenant: "staff"}))
    member = sign_in(tenant_client(tenant), account_factory(memberships={tenant: "member"}))
    assert staff.get("/admin/legal/feedback").status_code == 200
    assert staff.get("/admin/legal/records").status_code == 200
    assert staff.get("/admin/legal/notices/privacy/en").status_code == 403
    assert staff.post("/admin/legal/notices/privacy/en", data={"body": "x"}).status_code == 403
    assert staff.post("/admin/legal/details", data={"legal_name": "X"}).status_code == 403
    assert member.get("/admin/legal/feedback").status_code == 403
    assert tenant_client(tenant).get("/admin/legal/").status_code == 302  # sign in first


def test_controller_details_fill_the_notices(tenant_factory, admin_client, tenant_client):
    tenant = tenant_factory(country="RO", locale="ro", locales=["ro", "en"])
    admin = admin_client(tenant)
    bad = admin.post(
        "/admin/legal/details?lang=ro",
        data={"legal_name": "Primăria Test", "dpo_email": "not-an-address", "conformance": "partial",
              "assessment_method": "self"},
    )  # fmt: skip
    assert bad.status_code == 422 and "Primăria Test" in _text(bad)
    future = admin.post(
        "/admin/legal/details?lang=ro",
        data={"legal_name": "Primăria Test", "conformance": "partial", "assessment_method": "self",
              "assessed_on": "2999-01-01"},
    )  # fmt: skip
    assert future.status_code == 422 and "viitor" in _text(future)
    ok = admin.post(
        "/admin/legal/details",
        data={"legal_name": "Primăria Test", "address": "Str. Primăriei 1", "email": "date@test.example",
              "phone": "+40 21 000 0000",
              "dpo_name": "Ion Popescu", "dpo_email": "rpd@test.example", "conformance": "full",
              "assessment_method": "third_party", "assessed_on": "2026-11-02"},
    )  # fmt: skip
    assert ok.status_code == 302
    public = tenant_client(tenant)
    privacy = _text(public.get("/legal/privacy?lang=ro"))
    controller = privacy.split("Operatorul de date</h2>", 1)[1].split("</p>", 1)[0]
    assert "Primăria Test, Str. Primăriei 1" in controller and "legal-missing" not in controller
    assert "Ion Popescu" in privacy and "rpd@test.example" in privacy
    statement = _text(public.get("/legal/accessibility?lang=ro"))
    assert "pe deplin conform" in statement and "o terță parte" in statement and "2026" in statement


# --- accessibility feedback ------------------------------------------------------------------


def test_feedback_is_tracked_until_answered_in_the_senders_language(
    app, tenant_factory, tenant_client, sign_in, account_factory, mail_outbox
):
    tenant = tenant_factory(country="BG", locale="bg", locales=["bg", "en"])
    staff_person = account_factory(memberships={tenant: "staff"}, locale="bg")
    public = tenant_client(tenant)
    sender = f"reader-{uuid.uuid4().hex[:8]}@example.org"

    # bad input: a message and the e-mail come back, nothing stored, in the sender's language
    bad = public.post(
        "/legal/accessibility/feedback?lang=bg", data={"email": "nope", "message": "Бутонът не се чете."}
    )
    assert bad.status_code == 422
    assert "Бутонът не се чете." in _text(bad) and "nope" in _text(bad)
    empty = public.post("/legal/accessibility/feedback?lang=bg", data={"email": sender, "message": "  "})
    assert empty.status_code == 422
    assert _feedback_rows(app, tenant) == []

    sent = public.post(
        "/legal/accessibility/feedback?lang=bg",
        data={
            "email": sender,
            "name": "Петър",
            "page_url": "/hearings/",
            "message": "Таблицата няма заглавия.",
        },
    )
    assert sent.status_code == 302
    [row] = _feedback_rows(app, tenant)
    assert (row.status, row.locale, row.email) == ("received", "bg", sender)
    staff_mail = mail_outbox.wait_for(lambda m: staff_person.email in (m["To"] or ""))
    assert row.reference in staff_mail["Subject"] and "Таблицата няма заглавия." in mail_outbox.body(
        staff_mail
    )
    assert staff_mail["Reply-To"] == sender

    staff = sign_in(tenant_client(tenant), staff_person)
    listing = _text(staff.get("/admin/legal/feedback"))
    assert row.reference in listing
    detail = f"/admin/legal/feedback/{row.id}"
    assert staff.post(detail, data={"action": "in_progress"}).status_code == 302
    assert _feedback_rows(app, tenant)[0].status == "in_progress"
    no_text = staff.post(detail + "?lang=en", data={"action": "answer", "answer": ""})
    assert no_text.status_code == 422 and "Write the answer." in _text(no_text)

    mail_outbox.clear()
    assert (
        staff.post(detail, data={"action": "answer", "answer": "Добавихме заглавия на колоните."}).status_code
        == 302
    )
    [row] = _feedback_rows(app, tenant)
    assert row.status == "answered" and row.answered_at is not None and row.answered_by_id == staff_person.id
    answer = mail_outbox.wait_for(lambda m: sender in (m["To"] or ""))
    assert "Отговор на Вашия сигнал за достъпността" in answer["Subject"]  # the sender wrote in bg
    body = mail_outbox.body(answer)
    assert "Добавихме заглавия на колоните." in body and "/legal/accessibility" in body  # the footer
    assert row.reference not in _text(staff.get("/admin/legal/feedback"))  # no longer waiting
    assert row.reference in _text(staff.get("/admin/legal/feedback?show=all"))
    again = staff.post(detail, data={"action": "answer", "answer": "Second answer"})
    assert again.status_code == 422
    assert _feedback_rows(app, tenant)[0].answer == "Добавихме заглавия на колоните."


def test_staff_are_told_only_after_the_report_is_committed(app, tenant_factory, account_factory, mail_outbox):
    from core.legal import services

    tenant = tenant_factory()
    staff_person = account_factory(memberships={tenant: "admin"})
    with app.test_request_context(), tenant_context(tenant.id):
        services.submit_feedback(
            tenant, services.FeedbackInput(email="a@example.org", message="Rolled back"), "en"
        )
        db.session.rollback()
    time.sleep(0.5)
    assert mail_outbox.to(staff_person.email) == []
    assert _feedback_rows(app, tenant) == []


# --- records of processing -------------------------------------------------------------------


def test_the_records_list_every_plugins_declarations(
    app, tenant_factory, admin_client, enable_plugin, disable_plugin
):
    from core.privacy.retention import set_retention

    tenant = tenant_factory(plugins=["hearings", "testplugin"])
    with app.app_context():
        set_retention(tenant.id, {"testplugin.notes": 90})
        db.session.commit()
    disable_plugin(tenant, "testplugin")  # switched off: its data, and so its record, stay
    page = _text(admin_client(tenant).get("/admin/legal/records"))
    reg = registry(app)
    with app.test_request_context():
        expected = {}
        # the plugins this municipality has had on (and the built-in one): another installed
        # plugin, never switched on here, holds no data of it and is rightly not in its records
        for name in [n for n in reg.plugins if n in {"hearings", "testplugin", "tenants"}]:
            for result in reg.only("sympraxis_personal_data_declarations", {name})():
                for d in result or []:
                    if d.controller == "municipality":
                        expected[d.kind] = name
    assert {"hearings", "testplugin", "tenants"} <= set(expected.values())
    for kind in [*expected, "core.memberships", "core.accessibility_feedback"]:
        assert f"<code>{kind}</code>" in page, kind
    notes = page.split("<code>testplugin.notes</code>")[0].rsplit('class="legal-record"', 1)[1]
    assert "90 days" in notes and "switched off" in notes
    assert "Art. 9(2)(a) GDPR" in page
    assert "tenants.billing_contact" not in page  # the operator's own data: not this controller's record


def test_the_records_show_the_sub_processors(app, tenant_factory, admin_client):
    tenant = tenant_factory(locale="el", locales=["el", "en"])
    saved = app.config["SUB_PROCESSORS"]
    app.config["SUB_PROCESSORS"] = [
        {"name": "Hosting Co", "purpose": {"en": "Servers", "el": "Διακομιστές"}, "location": "EU (Germany)"}
    ]
    try:
        admin = admin_client(tenant)
        records = _text(admin.get("/admin/legal/records?lang=el"))
        privacy = _text(admin.get("/legal/privacy?lang=el"))
    finally:
        app.config["SUB_PROCESSORS"] = saved
    for page in (records, privacy):
        assert re.search(r"Hosting Co</td>\s*<td[^>]*>Διακομιστές</td>\s*<td[^>]*>EU \(Germany\)", page)


# --- isolation -------------------------------------------------------------------------------


def test_a_municipality_cannot_read_anothers_notices_or_feedback(
    app, tenant_factory, admin_client, tenant_client
):
    a = tenant_factory(locale="en")
    b = tenant_factory(locale="en")
    marker = f"Only for A {uuid.uuid4().hex[:8]}"
    admin_a, admin_b = admin_client(a), admin_client(b)
    assert (
        admin_a.post(
            "/admin/legal/notices/terms/en", data={"body": f"{marker} [[municipality]]", "action": "save"}
        ).status_code
        == 302
    )
    assert (
        tenant_client(a)
        .post(
            "/legal/accessibility/feedback",
            data={"email": "x@example.org", "message": f"Report for A {marker}"},
        )
        .status_code
        == 302
    )
    [fa] = _feedback_rows(app, a)

    assert marker in _text(tenant_client(a).get("/legal/terms"))
    assert marker not in _text(tenant_client(b).get("/legal/terms"))
    assert marker not in _text(admin_b.get("/admin/legal/feedback?show=all"))
    assert admin_b.get(f"/admin/legal/feedback/{fa.id}").status_code == 404
    assert (
        admin_b.post(f"/admin/legal/feedback/{fa.id}", data={"action": "answer", "answer": "x"}).status_code
        == 404
    )
    assert admin_b.post("/admin/legal/notices/terms/en/reset").status_code == 302  # B's own: nothing to reset
    assert marker in _text(tenant_client(a).get("/legal/terms"))  # A's edit untouched
    with app.app_context(), tenant_context(b.id):  # the ORM wall, below the pages
        assert db.session.execute(sa.select(AccessibilityFeedback)).scalars().all() == []
        assert db.session.execute(sa.select(LegalNotice)).scalars().all() == []
    assert _feedback_rows(app, a)[0].status == "received"
