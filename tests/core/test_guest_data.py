"""Guests' rights by e-mail (issue 12 §4): ask on the municipality's page, get a signed single-use
link by mail, download the data or erase it. The guest here is someone invited by an address
that has no account (the ``tenants`` plugin's data); the hearings tests add registrations."""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.privacy.models import DataRequest


def _invite(app, tenant, email):
    from core.tenancy import Tenant
    from tenants import services

    with app.test_request_context("/"):
        services.invite(db.session.get(Tenant, tenant.id), email, "member")
        db.session.commit()


def _ask(client, mail_outbox, email):
    mail_outbox.clear()
    r = client.post("/privacy/my-data", data={"email": email})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r


def _link(mail_outbox, email):
    msg = mail_outbox.wait_for(lambda m: email in m["To"] and "personal data" in m["Subject"])
    return re.search(r"http://\S+(/privacy/my-data/\S+)", mail_outbox.body(msg)).group(1)


def _invitations(app, tenant, email):
    from tenants.models import Invitation

    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(
            sa.select(sa.func.count()).select_from(Invitation).where(Invitation.email == email)
        ).scalar_one()
        db.session.rollback()
    return n


def test_the_page_answers_the_same_and_mails_only_an_address_with_data(
    app, tenant_factory, tenant_client, mail_outbox
):
    town = tenant_factory()
    _invite(app, town, "guest-known@example.org")
    client = tenant_client(town)
    assert client.get("/privacy/my-data").status_code == 200
    unknown = _ask(client, mail_outbox, "nobody-here@example.org").get_data(as_text=True)
    known = _ask(client, mail_outbox, "Guest-Known@Example.org").get_data(as_text=True)
    assert unknown.replace("nobody-here@example.org", "X") == known.replace("guest-known@example.org", "X")
    assert _link(mail_outbox, "guest-known@example.org")
    assert not mail_outbox.to("nobody-here@example.org")


def test_a_wrong_address_comes_back_with_a_message(tenant_factory, tenant_client, mail_outbox):
    client = tenant_client(tenant_factory(locale="el", locales=["el"]))
    r = client.post("/privacy/my-data", data={"email": "not-an-address"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'value="not-an-address"' in html and 'aria-invalid="true"' in html
    assert client.post("/privacy/my-data", data={}).status_code == 422


def test_download_once_then_the_link_is_spent(app, tenant_factory, tenant_client, mail_outbox):
    town = tenant_factory()
    _invite(app, town, "guest-dl@example.org")
    client = tenant_client(town)
    _ask(client, mail_outbox, "guest-dl@example.org")
    path = _link(mail_outbox, "guest-dl@example.org")
    page = client.get(path)
    assert page.status_code == 200 and "Invitations and the log of administrative actions" in page.get_data(
        as_text=True
    )
    assert client.get(path).status_code == 200  # opening (a mail scanner, say) spends nothing
    r = client.post(path + "/download")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    data = json.loads(r.data)
    assert data["format"] == "sympraxis-guest-data/1" and data["email"] == "guest-dl@example.org"
    assert [i["email"] for i in data["plugins"]["tenants"]["invitations"]] == ["guest-dl@example.org"]
    assert any(e["action"] == "member.invited" for e in data["plugins"]["tenants"]["audit_log"])
    assert {r["key"] for r in data["retention"]} >= {"tenants.invitations", "core.data_requests"}
    assert client.get(path).status_code == 410
    assert client.post(path + "/download").status_code == 410
    assert client.post(path + "/erase", data={"confirm": "y"}).status_code == 410
    assert _invitations(app, town, "guest-dl@example.org") == 1  # downloading erased nothing
    with app.app_context(), tenant_context(town.id):
        (req,) = db.session.execute(sa.select(DataRequest)).scalars().all()
        assert (req.action, req.email) == ("export", None) and len(req.email_hash) == 64
        db.session.rollback()


def test_erase_needs_the_box_ticked_and_then_erases_here_only(
    app, tenant_factory, tenant_client, mail_outbox
):
    from tenants.models import AuditEvent

    town, other = tenant_factory(), tenant_factory()
    _invite(app, town, "guest-er@example.org")
    _invite(app, other, "guest-er@example.org")
    client = tenant_client(town)
    _ask(client, mail_outbox, "guest-er@example.org")
    path = _link(mail_outbox, "guest-er@example.org")
    r = client.post(path + "/erase", data={})
    assert r.status_code == 422 and "Tick the box to confirm." in r.get_data(as_text=True)
    assert _invitations(app, town, "guest-er@example.org") == 1
    r = client.post(path + "/erase", data={"confirm": "y"})
    assert r.status_code == 200
    assert _invitations(app, town, "guest-er@example.org") == 0
    assert _invitations(app, other, "guest-er@example.org") == 1  # another municipality's data stays
    with app.app_context():
        details = {
            e.subject_tenant_id: e.details["email"]
            for e in db.session.execute(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "member.invited",
                    AuditEvent.subject_tenant_id.in_([town.id, other.id]),
                )
            ).scalars()
        }
        db.session.rollback()
    assert details == {town.id: "[erased]", other.id: "guest-er@example.org"}
    assert client.get(path).status_code == 410


def test_a_link_works_only_on_its_municipality_and_as_signed(app, tenant_factory, tenant_client, mail_outbox):
    town, other = tenant_factory(), tenant_factory()
    _invite(app, town, "guest-iso@example.org")
    _ask(tenant_client(town), mail_outbox, "guest-iso@example.org")
    path = _link(mail_outbox, "guest-iso@example.org")
    assert tenant_client(other).get(path).status_code == 404
    assert tenant_client(other).post(path + "/download").status_code == 404
    assert tenant_client(town).get(path[:-3] + "abc").status_code == 404
    assert tenant_client(town).get("/privacy/my-data/" + "x" * 300).status_code == 404


def test_an_expired_link_is_refused(app, tenant_factory, tenant_client, mail_outbox):
    town = tenant_factory()
    _invite(app, town, "guest-exp@example.org")
    _ask(tenant_client(town), mail_outbox, "guest-exp@example.org")
    path = _link(mail_outbox, "guest-exp@example.org")
    with app.app_context(), tenant_context(town.id):
        req = db.session.execute(sa.select(DataRequest)).scalar_one()
        req.expires_at = req.requested_at - dt.timedelta(seconds=1)
        db.session.commit()
    r = tenant_client(town).get(path)
    assert r.status_code == 410 and "expired" in r.get_data(as_text=True)


def test_links_per_address_are_limited(app, tenant_factory, tenant_client, mail_outbox):
    from core.privacy.guests import MAX_LINKS_PER_DAY

    town = tenant_factory()
    _invite(app, town, "guest-many@example.org")
    client = tenant_client(town)
    for _ in range(MAX_LINKS_PER_DAY):
        _ask(client, mail_outbox, "guest-many@example.org")
        assert _link(mail_outbox, "guest-many@example.org")
    _ask(client, mail_outbox, "guest-many@example.org")
    assert not mail_outbox.to("guest-many@example.org")


def test_accessibility_feedback_a_guest_sent_is_theirs_to_download_and_erase(
    app, tenant_factory, tenant_client, mail_outbox
):
    from core.legal.models import AccessibilityFeedback

    town = tenant_factory()
    with app.app_context(), tenant_context(town.id):
        db.session.add(AccessibilityFeedback(name="Maria", email="maria@example.org", locale="en",
                                             message="The map has no text alternative."))  # fmt: skip
        db.session.commit()
    client = tenant_client(town)
    _ask(client, mail_outbox, "maria@example.org")
    path = _link(mail_outbox, "maria@example.org")
    assert "Accessibility feedback you sent" in client.get(path).get_data(as_text=True)
    data = json.loads(client.post(path + "/download").data)
    assert (
        data["plugins"]["core"]["accessibility_feedback"][0]["message"] == "The map has no text alternative."
    )
    _ask(client, mail_outbox, "maria@example.org")
    assert (
        client.post(_link(mail_outbox, "maria@example.org") + "/erase", data={"confirm": "y"}).status_code
        == 200
    )
    with app.app_context(), tenant_context(town.id):
        (row,) = db.session.execute(sa.select(AccessibilityFeedback)).scalars().all()
        assert (row.name, row.email, row.message) == (None, None, "The map has no text alternative.")
        db.session.rollback()
