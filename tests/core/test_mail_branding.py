"""Issue 16 §1: every mail has a branded HTML part (the municipality's name, logo and colour, its
text, a signature, the footer) beside its plain text; notification mails carry an unsubscribe
link and header; calendar files say they are UTF-8; a registration mail names each session's
date, place and agenda, and a cancellation is confirmed by mail."""

from __future__ import annotations

import re

from core.db import tenant_context
from core.extensions import db
from core.mail import Attachment, Mail, build_message, send_mail
from core.mail_layout import text_colour_on
from tests.plugins.hearings.conftest import make_meeting


def _html(msg) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None, "the mail has no HTML part"
    return part.get_content()


def test_every_mail_gets_the_municipalitys_html_part(app, tenant_factory, mail_outbox):
    from core.tenancy import Tenant, invalidate_tenant_cache

    town = tenant_factory(name="Δήμος Δοκιμής", locale="el", locales=["el", "en"])
    with app.app_context():
        row = db.session.get(Tenant, town.id)
        row.branding = {"primary_color": "#ffd700", "logo_url": "/branding/logo?v=abc"}
        db.session.commit()
        invalidate_tenant_cache()
    from flask_babel import force_locale

    with (
        app.test_request_context(base_url=f"http://{town.primary_host}"),
        tenant_context(town.id),
        force_locale("el"),
    ):
        send_mail(
            Mail(
                to=["reader@example.org"],
                subject="Νέα διαβούλευση",
                text="Γεια σας,\n\nΆνοιξε η διαβούλευση <Σχέδιο & δράση>:\nhttps://example.org/c/1.\n\nΚαλή ανάγνωση.",
                unsubscribe_url="https://t.example/unsubscribe/xyz",
            )
        )
        db.session.commit()
    msg = mail_outbox.wait_for(lambda m: "reader@example.org" in m["To"])
    html = _html(msg)
    assert "Δήμος Δοκιμής" in html and 'lang="el"' in html
    assert f"http://{town.primary_host}/branding/logo?v=abc" in html  # absolute: mail has no host
    assert "background:#ffd700;color:#000000" in html  # dark text on a light colour
    assert "&lt;Σχέδιο &amp; δράση&gt;" in html  # the text is escaped ...
    assert '<a href="https://example.org/c/1" ' in html  # ... its addresses are links, without the full stop
    assert html.count("<p style=") >= 3  # one paragraph per blank-line block
    assert "https://t.example/unsubscribe/xyz" in html and "mail-footer" in html
    text = mail_outbox.body(msg)
    assert "Άνοιξε η διαβούλευση <Σχέδιο & δράση>" in text and "https://t.example/unsubscribe/xyz" in text
    assert msg["List-Unsubscribe"] == "<https://t.example/unsubscribe/xyz>"


def test_a_mail_without_unsubscribe_link_has_no_header(app):
    with app.test_request_context():
        msg = build_message(Mail(to=["a@example.org"], subject="s", text="t"))
    assert msg["List-Unsubscribe"] is None


def test_text_colour_keeps_contrast():
    assert text_colour_on("#1d4e89") == "#ffffff"
    assert text_colour_on("#ffd700") == "#000000"
    assert text_colour_on("#fff") == "#000000"


def test_calendar_files_are_utf8_with_their_method(app):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nSUMMARY:Σχέδιο\r\nEND:VCALENDAR\r\n".encode()
    with app.test_request_context():
        msg = build_message(
            Mail(
                to=["a@example.org"],
                subject="s",
                text="t",
                attachments=[Attachment("x.ics", ics, "text/calendar")],
            )
        )
    part = next(msg.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("charset") == "utf-8" and part.get_param("method") == "PUBLISH"


def test_registration_mail_names_each_session_and_cancelling_is_confirmed(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    town = tenant_factory(plugins=["hearings"])
    first = make_meeting(
        app, town, capacity=5, title="Workshop A", place="Town hall, room 2", agenda="1. Welcome\n2. Groups"
    )
    person = account_factory(memberships={town: "member"})
    client = sign_in(tenant_client(town), person)
    assert client.post(f"/hearings/meetings/{first}/register").status_code == 302
    mail = mail_outbox.wait_for(lambda m: person.email in m["To"])
    body = mail_outbox.body(mail)
    assert "Workshop A" in body and "Town hall, room 2" in body and "2. Groups" in body
    assert "Town hall, room 2" in _html(mail)
    link = re.search(r"/hearings/registrations/([^\s/]+)", body).group(1)
    mail_outbox.clear()
    from plugins.hearings.models import Registration

    with app.app_context(), tenant_context(town.id):
        import sqlalchemy as sa

        rid = db.session.execute(sa.select(Registration.id)).scalar_one()
    anon = tenant_client(town)
    assert anon.post(f"/hearings/registrations/{link}/cancel/{rid}").status_code == 302
    cancelled = mail_outbox.wait_for(lambda m: person.email in m["To"])
    assert "Workshop A" in cancelled["Subject"] and "cancelled" in mail_outbox.body(cancelled)
    mail_outbox.clear()
    assert anon.post(f"/hearings/registrations/{link}/cancel/{rid}").status_code == 302  # again
    import time

    time.sleep(1.0)
    assert mail_outbox.to(person.email) == []  # no second mail for a second click
