"""Meetings: registration under concurrency, waiting list, guests by email, programmes, the
iCalendar attachment and feed, speakers, finishing, minutes and feedback."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.models import Feedback, Meeting, Registration
from plugins.hearings.programmes.services import save_programme
from plugins.hearings.registrations.services import cancel_registration, registration_open
from tests.plugins.hearings.conftest import make_meeting


def _registrations(app, tenant, mid):
    with app.app_context(), tenant_context(tenant.id):
        rows = list(
            db.session.execute(
                sa.select(Registration)
                .where(Registration.meeting_id == mid)
                .order_by(Registration.created_at)
            ).scalars()
        )
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return rows


def _ics_attachment(msg):
    for part in msg.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return part.get_content() if isinstance(part.get_content(), str) else part.get_content().decode()
    return None


def test_concurrent_registration_never_overbooks(
    app, world, account_factory, tenant_client, sign_in, mail_outbox
):
    mid = make_meeting(app, world.tenant, capacity=3)
    people = [account_factory(memberships={world.tenant: "member"}) for _ in range(8)]
    clients = [sign_in(tenant_client(world.tenant), p) for p in people]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def go(client):
        barrier.wait()
        statuses.append(client.post(f"/hearings/meetings/{mid}/register", data={}).status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302] * 8
    regs = _registrations(app, world.tenant, mid)
    assert sorted(r.status for r in regs) == ["confirmed"] * 3 + ["waiting"] * 5
    # everyone got a mail; the three with seats got the invitation
    for p in people:
        mail_outbox.wait_for(lambda m, e=p.email: e in (m["To"] or ""))
    with_ics = [m for m in mail_outbox.messages if _ics_attachment(m)]
    assert len(with_ics) == 3


def test_waiting_list_promoted_on_cancellation_with_mail_and_ics(
    app, world, account_factory, tenant_client, sign_in, mail_outbox
):
    mid = make_meeting(app, world.tenant, capacity=1, title="Civic forum: social plan")
    first, second, third = (account_factory(memberships={world.tenant: "member"}) for _ in range(3))
    for p in (first, second, third):
        assert (
            sign_in(tenant_client(world.tenant), p).post(f"/hearings/meetings/{mid}/register").status_code
            == 302
        )
    regs = _registrations(app, world.tenant, mid)
    assert [r.status for r in regs] == ["confirmed", "waiting", "waiting"]
    confirmation = mail_outbox.wait_for(lambda m: first.email in m["To"])
    ics = _ics_attachment(confirmation)
    assert "BEGIN:VEVENT" in ics and "SUMMARY:Civic forum: social plan" in ics and f"UID:{mid}@" in ics
    assert re.search(r"DTSTART:\d{8}T\d{6}Z", ics)
    link = re.search(r"http://[^\s]+/hearings/registrations/([^\s/]+)", mail_outbox.body(confirmation)).group(
        1
    )
    mail_outbox.clear()
    # the cancellation link needs no sign-in; the next in line gets the seat and a mail
    anon = tenant_client(world.tenant)
    assert anon.get(f"/hearings/registrations/{link}").status_code == 200
    assert anon.post(f"/hearings/registrations/{link}/cancel/{regs[0].id}").status_code == 302
    regs = _registrations(app, world.tenant, mid)
    assert [r.status for r in regs] == ["cancelled", "confirmed", "waiting"]
    promoted = mail_outbox.wait_for(lambda m: second.email in m["To"])
    assert "A seat is yours" in promoted["Subject"] and _ics_attachment(promoted)
    assert mail_outbox.to(third.email) == []
    # a forged link is refused
    assert anon.get("/hearings/registrations/forged.token").status_code == 404
    # the waiting person cancelling frees nothing
    with app.app_context(), tenant_context(world.tenant.id):
        reg = db.session.get(Registration, (world.tenant.id, regs[2].id))
        assert cancel_registration(reg) is None
        db.session.commit()


def test_guest_registers_and_confirms_by_email(app, world, tenant_client, mail_outbox, enable_plugin):
    mid = make_meeting(app, world.tenant, capacity=5)
    guest = tenant_client(world.tenant)
    r = guest.post(
        f"/hearings/meetings/{mid}/register",
        data={
            "name": "Guest Person",
            "email": "guest@example.org",
            "organisation_name": "Neighbourhood club",
            "accessibility": ["step_free", "sign_language"],
            "accessibility_consent": "y",
        },
    )
    assert r.status_code == 302
    (reg,) = _registrations(app, world.tenant, mid)
    assert reg.status == "pending" and reg.accessibility == "step_free,sign_language"
    msg = mail_outbox.wait_for(lambda m: "guest@example.org" in m["To"])
    assert "confirm" in msg["Subject"].lower()
    confirm = re.search(
        r"http://[^\s]+(/hearings/registrations/[^\s]+/confirm)", mail_outbox.body(msg)
    ).group(1)
    assert guest.get(confirm).status_code == 200
    assert guest.post(confirm).status_code == 302
    (reg,) = _registrations(app, world.tenant, mid)
    assert reg.status == "confirmed"
    mail_outbox.wait_for(lambda m: "guest@example.org" in m["To"] and _ics_attachment(m) is not None)
    # issue 16 §2: the confirm link used again changes nothing and mails nothing
    mail_outbox.clear()
    assert guest.post(confirm).status_code == 302
    time.sleep(1.0)
    assert mail_outbox.to("guest@example.org") == []
    # bad input: a clear message, nothing stored
    bad = guest.post(
        f"/hearings/meetings/{mid}/register", data={"name": "", "email": "nope"}, follow_redirects=True
    )
    assert "Give your name" in bad.get_data(as_text=True)
    assert len(_registrations(app, world.tenant, mid)) == 1
    # guests switched off: sign in first
    enable_plugin(world.tenant, "hearings", {"guests_may_register": False})
    off = guest.post(f"/hearings/meetings/{mid}/register", data={"name": "G2", "email": "g2@example.org"})
    assert off.status_code == 401


def test_registration_window_edges(app, world):
    start = utcnow() + dt.timedelta(days=10)
    opens, closes = utcnow() + dt.timedelta(days=1), utcnow() + dt.timedelta(days=5)
    mid = make_meeting(
        app,
        world.tenant,
        starts_in=dt.timedelta(days=10),
        registration_opens_at=opens,
        registration_closes_at=closes,
    )
    with app.app_context(), tenant_context(world.tenant.id):
        m = db.session.get(Meeting, (world.tenant.id, mid))
        assert not registration_open(m, opens - dt.timedelta(microseconds=1))
        assert registration_open(m, opens)
        assert registration_open(m, closes - dt.timedelta(microseconds=1))
        assert not registration_open(m, closes)
        m.registration_closes_at = None
        assert registration_open(m, m.starts_at - dt.timedelta(microseconds=1))
        assert not registration_open(m, m.starts_at)
        assert start  # the meeting starts after registration closes
        db.session.rollback()


def test_programme_registration_picks_sessions(app, world, tenant_client, sign_in, mail_outbox):
    with app.app_context(), tenant_context(world.tenant.id):
        p = save_programme(None, "Workshops 2027", "Sixteen workshops, free")
        db.session.commit()
        pid = p.id
    full = make_meeting(app, world.tenant, capacity=1, title="Workshop A", programme_id=pid)
    free = make_meeting(app, world.tenant, capacity=10, title="Workshop B", programme_id=pid)
    unpicked = make_meeting(app, world.tenant, capacity=10, title="Workshop C", programme_id=pid)
    outside = make_meeting(app, world.tenant, capacity=10, title="Not in the programme")
    sign_in(tenant_client(world.tenant), world.staff).post(f"/hearings/meetings/{full}/register")
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/programmes/{pid}").get_data(as_text=True)
    assert "Workshop A" in page and "full: waiting list" in page and "10 seats left" in page
    r = member.post(
        f"/hearings/programmes/{pid}/register",
        data={
            "meetings": [str(full), str(free), str(outside)],
            "accessibility": ["interpretation"],
            "accessibility_consent": "y",
        },
    )
    assert r.status_code == 302
    assert [x.status for x in _registrations(app, world.tenant, full) if x.account_id == world.member.id] == [
        "waiting"
    ]
    assert [x.status for x in _registrations(app, world.tenant, free)] == ["confirmed"]
    assert (
        _registrations(app, world.tenant, unpicked) == [] and _registrations(app, world.tenant, outside) == []
    )
    msg = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    body = mail_outbox.body(msg)
    assert "waiting list for Workshop A" in body and "Workshop B" in body
    assert "SUMMARY:Workshop B" in _ics_attachment(msg) and "Workshop A" not in _ics_attachment(msg)
    # registering twice for the same session is refused
    again = member.post(
        f"/hearings/programmes/{pid}/register", data={"meetings": [str(free)]}, follow_redirects=True
    )
    assert "already registered" in again.get_data(as_text=True)
    none = member.post(f"/hearings/programmes/{pid}/register", data={}, follow_redirects=True)
    assert "Choose at least one session." in none.get_data(as_text=True)


def test_calendar_feed(app, world, tenant_client):
    make_meeting(app, world.tenant, title="Hearing, with; commas\nand lines " + "long " * 30)
    make_meeting(app, world.other, title="Other town's meeting")
    r = tenant_client(world.tenant).get("/hearings/calendar.ics")
    assert r.mimetype == "text/calendar"
    text = r.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "Other town" not in text
    assert r"Hearing\, with\; commas\nand lines" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_speakers_finish_minutes_feedback(
    app, world, account_factory, tenant_client, sign_in, mail_outbox, enable_plugin
):
    mid = make_meeting(app, world.tenant, capacity=None, kind="hearing")
    member = sign_in(tenant_client(world.tenant), world.member)
    other = account_factory(memberships={world.tenant: "member"})
    other_client = sign_in(tenant_client(world.tenant), other)
    assert member.post(f"/hearings/meetings/{mid}/register").status_code == 302
    assert (
        member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Home help budget"}).status_code
        == 302
    )
    assert (
        other_client.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Day centre"}).status_code
        == 302
    )
    twice = member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Again"}, follow_redirects=True)
    assert "already on the speaker list" in twice.get_data(as_text=True)
    speakers = tenant_client(world.tenant).get(f"/api/v1/hearings/meetings/{mid}/speakers").json
    assert [s["topic"] for s in speakers] == ["Home help budget", "Day centre"]
    staff = sign_in(tenant_client(world.tenant), world.staff)
    # members cannot reorder nor mark someone else as spoken
    assert member.post(f"/hearings/meetings/{mid}/speakers/{speakers[1]['id']}/up").status_code == 403
    assert member.post(f"/hearings/meetings/{mid}/speakers/{speakers[1]['id']}/spoken").status_code == 403
    assert staff.post(f"/hearings/meetings/{mid}/speakers/{speakers[1]['id']}/up").status_code == 302
    assert [s["topic"] for s in staff.get(f"/api/v1/hearings/meetings/{mid}/speakers").json] == [
        "Day centre",
        "Home help budget",
    ]
    # cannot finish before the start, nor while a registered speaker has not spoken
    with app.app_context(), tenant_context(world.tenant.id):
        m = db.session.get(Meeting, (world.tenant.id, mid))
        m.starts_at = utcnow() - dt.timedelta(hours=1)
        db.session.commit()
    blocked = staff.post(f"/hearings/meetings/{mid}/finish", follow_redirects=True)
    assert "2 registered speakers have not spoken yet" in blocked.get_data(as_text=True)
    assert staff.post(f"/hearings/meetings/{mid}/speakers/{speakers[1]['id']}/spoken").status_code == 302
    assert (
        other_client.post(f"/hearings/meetings/{mid}/speakers/{speakers[0]['id']}/withdrawn").status_code
        == 403
    )
    assert member.post(f"/hearings/meetings/{mid}/speakers/{speakers[0]['id']}/withdrawn").status_code == 302
    mail_outbox.clear()
    assert staff.post(f"/hearings/meetings/{mid}/finish").status_code == 302
    ask = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    feedback_path = re.search(
        r"http://[^\s]+(/hearings/registrations/[^\s]+/feedback)", mail_outbox.body(ask)
    ).group(1)
    # minutes
    assert (
        staff.post(
            f"/hearings/meetings/{mid}/minutes", data={"minutes": "## Minutes\n\nAll spoke."}
        ).status_code
        == 302
    )
    assert "All spoke." in tenant_client(world.tenant).get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    # feedback: 1–5, once
    anon = tenant_client(world.tenant)
    out_of_range = anon.post(feedback_path, data={"overall": "6", "organisation": "3", "usefulness": "3"})
    assert out_of_range.status_code == 422
    ok = anon.post(
        feedback_path, data={"overall": "5", "organisation": "4", "usefulness": "3", "text": "Useful"}
    )
    assert ok.status_code == 302
    again = anon.post(
        feedback_path, data={"overall": "1", "organisation": "1", "usefulness": "1"}, follow_redirects=True
    )
    assert "already given feedback" in again.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Feedback)).scalar_one() == 1
    # the aggregate: staff only, until published
    assert anon.get(f"/hearings/meetings/{mid}/feedback").status_code == 401
    assert member.get(f"/hearings/meetings/{mid}/feedback").status_code == 403
    results = staff.get(f"/hearings/meetings/{mid}/feedback").get_data(as_text=True)
    assert 'data-avg="overall">5.0' in results and "Useful" in results
    enable_plugin(world.tenant, "hearings", {"feedback_public": True})
    assert anon.get(f"/hearings/meetings/{mid}/feedback").status_code == 200


def test_checkin_list(app, world, tenant_client, sign_in):
    mid = make_meeting(app, world.tenant, capacity=5)
    sign_in(tenant_client(world.tenant), world.member).post(
        f"/hearings/meetings/{mid}/register",
        data={
            "organisation_name": "Club",
            "accessibility": ["other"],
            "accessibility_other": "Large print",
            "accessibility_consent": "y",
        },
    )
    staff = sign_in(tenant_client(world.tenant), world.staff)
    (reg,) = _registrations(app, world.tenant, mid)
    page = staff.get(f"/hearings/meetings/{mid}/attendees").get_data(as_text=True)
    assert "Nikos Member" in page and "Large print" in page
    assert staff.post(f"/hearings/meetings/{mid}/attendees/{reg.id}/checkin").status_code == 302
    assert _registrations(app, world.tenant, mid)[0].checked_in_at is not None
