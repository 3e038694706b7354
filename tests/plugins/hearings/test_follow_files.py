"""Following (mail on opening, two days before closing), meeting reminders, the tick command,
and PDF attachments checked for type and size."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.attachments.services import add_attachment, attachments_of, max_attachment
from plugins.hearings.common import HearingsError
from plugins.hearings.dashboard import activity
from plugins.hearings.following.services import _follower_emails, is_following, send_closing_reminders
from plugins.hearings.models import Attachment, Consultation, Meeting
from tests.plugins.hearings.conftest import make_consultation, make_meeting


def test_followers_mailed_on_opening_and_two_days_before_closing(
    app, world, tenant_client, sign_in, mail_outbox
):
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post("/hearings/follow", data={"follow": "1"}).status_code == 302
    assert "Stop following" in member.get("/hearings/").get_data(as_text=True)
    c = make_consultation(app, world.tenant, status="draft", closes_in=dt.timedelta(days=10))
    staff = sign_in(tenant_client(world.tenant), world.staff)
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
        ).status_code
        == 302
    )
    opened = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert opened["Subject"] == "Open for comments: Local social action plan"
    assert mail_outbox.to(world.staff.email) == []
    mail_outbox.clear()
    with app.app_context(), tenant_context(world.tenant.id):
        cons = db.session.get(Consultation, (world.tenant.id, c["id"]))
        closes = cons.closes_at
        # just outside two days: nothing; at exactly two days: the reminder, once
        assert send_closing_reminders(closes - dt.timedelta(days=2, seconds=1)) == 0
        assert send_closing_reminders(closes - dt.timedelta(days=2)) == 1
        assert send_closing_reminders(closes - dt.timedelta(days=1)) == 0
        db.session.commit()
    reminder = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert reminder["Subject"].startswith("Closing soon")
    # unfollow: no more mail
    member.post("/hearings/follow", data={"follow": "0"})
    with app.app_context(), tenant_context(world.tenant.id):
        assert is_following(db.session.get(Account, world.member.id)) is False


def test_tick_command_transitions_and_meeting_reminders(app, world, tenant_client, sign_in, mail_outbox):
    c = make_consultation(app, world.tenant, status="scheduled", opens_in=dt.timedelta(seconds=-1))
    mid = make_meeting(app, world.tenant, starts_in=dt.timedelta(hours=23))
    later = make_meeting(app, world.tenant, starts_in=dt.timedelta(hours=25), title="Later")
    sign_in(tenant_client(world.tenant), world.member).post(f"/hearings/meetings/{mid}/register")
    sign_in(tenant_client(world.tenant), world.member).post(f"/hearings/meetings/{later}/register")
    mail_outbox.clear()
    result = app.test_cli_runner().invoke(args=["hearings", "tick"])
    assert result.exit_code == 0, result.output
    assert (
        f"tenant {world.tenant.id}: {{'transitions': 1, 'closing_reminders': 0, 'meeting_reminders': 1}}"
        in result.output
    )
    reminder = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert reminder["Subject"] == "Reminder: Workshop on home help"
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.get(Consultation, (world.tenant.id, c["id"])).status == "open"
        assert db.session.get(Meeting, (world.tenant.id, later)).reminder_sent_at is None
    again = app.test_cli_runner().invoke(args=["hearings", "tick"])
    assert (
        f"tenant {world.tenant.id}: {{'transitions': 0, 'closing_reminders': 0, 'meeting_reminders': 0}}"
        in again.output
    )


def test_pdf_attachments_type_and_size(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)

    def upload(name, data):
        return staff.post(
            f"/hearings/consultations/{c['id']}/attachments",
            data={"attachment": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    pdf = b"%PDF-1.7\n" + b"0" * 100
    assert "The file is attached." in upload("plan.pdf", pdf).get_data(as_text=True)
    assert "Only PDF files" in upload("plan.pdf", b"MZ\x90\x00 not a pdf").get_data(as_text=True)
    assert "Only PDF files" in upload("plan.exe", pdf).get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        limit = max_attachment()
        add_attachment("exact.pdf", b"%PDF-" + b"0" * (limit - 5), consultation_id=c["id"])
        try:
            add_attachment("big.pdf", b"%PDF-" + b"0" * (limit - 4), consultation_id=c["id"])
        except HearingsError as exc:
            assert exc.status == 413
        else:
            raise AssertionError("a file over 20 MB was accepted")
        db.session.rollback()
        (att,) = attachments_of(consultation_id=c["id"])
        aid = att.id
    anon = tenant_client(world.tenant)
    page = anon.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "plan.pdf" in page
    r = anon.get(f"/hearings/files/{aid}")
    assert r.status_code == 200 and r.data == pdf and r.headers["Content-Type"] == "application/pdf"
    assert r.headers.getlist("X-Content-Type-Options") == ["nosniff"]  # its own, not doubled
    # members cannot attach; another municipality cannot read
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post(f"/hearings/consultations/{c['id']}/attachments").status_code == 403
    assert tenant_client(world.other).get(f"/hearings/files/{aid}").status_code == 404
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar_one() == 1


def test_activity_items(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant, status="draft", title="Fresh plan")
    make_meeting(app, world.tenant, title="Fresh meeting")
    sign_in(tenant_client(world.tenant), world.staff).post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
    )
    with app.app_context(), tenant_context(world.tenant.id):
        items = activity(5)
    assert [i["title"] for i in items] == ["Open for comments: Fresh plan", "Fresh meeting"]
    assert items[0]["url"] == f"/hearings/consultations/{c['id']}"


def test_an_organisation_follows_and_its_administrators_are_mailed(
    app, world, tenant_client, sign_in, account_factory, mail_outbox
):
    from core.accounts.models import Affiliation, Organisation, OrganisationMember

    colleague = account_factory(memberships={world.tenant: "member"})
    with app.app_context():
        org = Organisation(name="Roma Youth Union")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=world.member.id, role="admin"))
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=colleague.id, role="member"))
        with tenant_context(world.tenant.id):
            db.session.add(Affiliation(organisation_id=org.id, status="approved"))
            db.session.flush()
        db.session.commit()
        org_id = org.id

    # a plain member of the organisation cannot make it follow
    outsider_try = sign_in(tenant_client(world.tenant), colleague).post(
        "/hearings/follow", data={"follow": "1", "organisation_id": str(org_id)}
    )
    assert outsider_try.status_code == 403
    # a malformed id is refused too, and does not turn into following as oneself
    bad = sign_in(tenant_client(world.tenant), world.member).post(
        "/hearings/follow", data={"follow": "1", "organisation_id": "abc"}
    )
    assert bad.status_code == 403
    with app.app_context(), tenant_context(world.tenant.id):
        assert is_following(db.session.get(Account, world.member.id)) is False
    member = sign_in(tenant_client(world.tenant), world.member)
    assert "Follow as Roma Youth Union" in member.get("/hearings/").get_data(as_text=True)
    assert (
        member.post("/hearings/follow", data={"follow": "1", "organisation_id": str(org_id)}).status_code
        == 302
    )
    page = member.get("/hearings/").get_data(as_text=True)
    assert "Stop following as Roma Youth Union" in page and "Follow consultations (email)" in page

    c = make_consultation(app, world.tenant, status="draft", closes_in=dt.timedelta(days=10))
    staff = sign_in(tenant_client(world.tenant), world.staff)
    mail_outbox.clear()
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
        ).status_code
        == 302
    )
    mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert mail_outbox.to(colleague.email) == []  # only the organisation's administrators

    # the organisation stops following: no mail for the next opening
    member.post("/hearings/follow", data={"follow": "0", "organisation_id": str(org_id)})
    with app.app_context(), tenant_context(world.tenant.id):
        assert _follower_emails() == []


def test_a_followers_mail_links_the_page_that_stops_it(
    app, world, tenant_client, sign_in, account_factory, mail_outbox
):
    """Issue 16 §1: a link that stops the follow in every follower's mail (and, in its
    List-Unsubscribe header, the notification's own, which turns the kind off): no sign-in needed, a button (not the link itself) stops it, only on its municipality."""
    import re

    from core.accounts.models import Affiliation, Organisation, OrganisationMember

    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post("/hearings/follow", data={"follow": "1"}).status_code == 302
    admin = account_factory(memberships={world.tenant: "member"})
    with app.app_context():
        org = Organisation(name="Neighbours' Association")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=admin.id, role="admin"))
        with tenant_context(world.tenant.id):
            db.session.add(Affiliation(organisation_id=org.id, status="approved"))
            db.session.flush()
        db.session.commit()
        org_id = org.id
    admin_client = sign_in(tenant_client(world.tenant), admin)
    admin_client.post("/hearings/follow", data={"follow": "1", "organisation_id": str(org_id)})

    c = make_consultation(app, world.tenant, status="draft", closes_in=dt.timedelta(days=10))
    staff = sign_in(tenant_client(world.tenant), world.staff)
    mail_outbox.clear()
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
        ).status_code
        == 302
    )
    links = {}
    for person in (world.member, admin):
        mail = mail_outbox.wait_for(lambda m, e=person.email: e in m["To"])
        # the follow's own stop link in the text; the header turns the kind off (core.notifications)
        stop = re.search(r"http://\S+/hearings/unfollow/(\S+)", mail_outbox.body(mail))
        assert stop, mail_outbox.body(mail)
        assert re.fullmatch(r"<http://[^>]+/notifications/off/[^>]+>", mail["List-Unsubscribe"])
        links[person.email] = stop.group(1)

    anon = tenant_client(world.tenant)
    page = anon.get(f"/hearings/unfollow/{links[world.member.email]}")
    assert page.status_code == 200 and "Stop following the consultations" in page.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert set(_follower_emails()) == {world.member.email, admin.email}  # opening the page stops nothing
    # forged, or on another municipality's host: nothing
    assert anon.get("/hearings/unfollow/forged").status_code == 404
    assert (
        tenant_client(world.other).get(f"/hearings/unfollow/{links[world.member.email]}").status_code == 404
    )
    assert anon.post(f"/hearings/unfollow/{links[world.member.email]}").status_code == 302
    organisation_page = anon.get(f"/hearings/unfollow/{links[admin.email]}").get_data(as_text=True)
    assert (
        "Neighbours&#39; Association" in organisation_page and "all its administrators" in organisation_page
    )
    assert anon.post(f"/hearings/unfollow/{links[admin.email]}").status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        assert _follower_emails() == []
    again = anon.post(f"/hearings/unfollow/{links[world.member.email]}", follow_redirects=True)
    assert "These e-mails had already stopped." in again.get_data(as_text=True)
