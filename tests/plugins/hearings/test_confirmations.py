"""Issue 16 §2: irreversible staff actions ask for confirmation and record a reason: closing or
opening now, publishing an outcome while comments have no answer, cancelling someone's
registration (the person is told why, in their language)."""

from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Consultation, Registration, StatusChange
from tests.plugins.hearings.conftest import make_consultation, make_meeting, set_hearings_settings


def _consultation(app, tenant, cid):
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, cid))
        changes = [
            (s.to_status, s.reason)
            for s in db.session.execute(
                sa.select(StatusChange).where(StatusChange.consultation_id == cid)
            ).scalars()
        ]
        status = c.status
        db.session.remove()
    return status, changes


def test_close_now_asks_then_records_the_reason(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    url = f"/hearings/consultations/{c['id']}/status"
    asked = staff.post(url, data={"action": "close"})
    page = asked.get_data(as_text=True)
    assert (
        asked.status_code == 200
        and "This cannot be undone." in page
        and 'name="confirmed" value="yes"' in page
    )
    assert _consultation(app, world.tenant, c["id"]) == ("open", [])  # nothing happened yet
    blank = staff.post(url, data={"action": "close", "confirmed": "yes", "reason": "  "})
    assert blank.status_code == 422 and "Give the reason for doing this now." in blank.get_data(as_text=True)
    assert _consultation(app, world.tenant, c["id"])[0] == "open"
    done = staff.post(
        url, data={"action": "close", "confirmed": "yes", "reason": "The council meets on Monday."}
    )
    assert done.status_code == 302
    assert _consultation(app, world.tenant, c["id"]) == (
        "closed",
        [("closed", "The council meets on Monday.")],
    )
    public = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Reason: The council meets on Monday." in public  # in the consultation's history


def test_open_now_asks_too(app, world, tenant_client, sign_in):
    c = make_consultation(
        app, world.tenant, status="scheduled", opens_in=__import__("datetime").timedelta(days=2)
    )
    staff = sign_in(tenant_client(world.tenant), world.staff)
    url = f"/hearings/consultations/{c['id']}/status"
    assert staff.post(url, data={"action": "open"}).status_code == 200
    assert _consultation(app, world.tenant, c["id"])[0] == "scheduled"
    assert (
        staff.post(url, data={"action": "open", "confirmed": "yes", "reason": "Agreed early."}).status_code
        == 302
    )
    assert _consultation(app, world.tenant, c["id"]) == ("open", [("open", "Agreed early.")])


def test_publishing_with_unanswered_comments_asks_for_a_reason(app, world, tenant_client, sign_in):
    set_hearings_settings(app, world.tenant, consultation_minimum_days=1)
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert (
        member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "Unanswered"}).status_code
        == 302
    )
    staff = sign_in(tenant_client(world.tenant), world.staff)
    staff.post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "close", "confirmed": "yes", "reason": "x"},
    )
    url = f"/hearings/consultations/{c['id']}/outcome"
    asked = staff.post(url, data={"summary": "Thank you all."})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "1 comment has no answer yet." in page
    assert 'name="summary" value="Thank you all."' in page  # the summary typed goes through
    assert _consultation(app, world.tenant, c["id"])[0] == "closed"
    done = staff.post(
        url, data={"summary": "Thank you all.", "confirmed": "yes", "reason": "Answered at the council."}
    )
    assert done.status_code == 302
    status, changes = _consultation(app, world.tenant, c["id"])
    assert status == "outcome_published" and changes[-1] == ("outcome_published", "Answered at the council.")


def test_publishing_with_every_comment_answered_needs_no_confirmation(app, world, tenant_client, sign_in):
    set_hearings_settings(app, world.tenant, consultation_minimum_days=1)
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    staff.post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "close", "confirmed": "yes", "reason": "x"},
    )
    assert (
        staff.post(f"/hearings/consultations/{c['id']}/outcome", data={"summary": "None came."}).status_code
        == 302
    )
    assert _consultation(app, world.tenant, c["id"])[0] == "outcome_published"


def test_staff_cancel_a_registration_with_a_reason_sent_in_the_persons_language(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    town = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"])
    mid = make_meeting(app, town, capacity=1, title="Εργαστήριο για τα πάρκα")
    first, second = (account_factory(memberships={town: "member"}) for _ in range(2))
    with app.app_context():
        db.session.get(Account, first.id).locale = "el"
        db.session.commit()
    for person in (first, second):
        assert (
            sign_in(tenant_client(town), person).post(f"/hearings/meetings/{mid}/register").status_code == 302
        )
    with app.app_context(), tenant_context(town.id):
        rid = db.session.execute(
            sa.select(Registration.id).where(Registration.account_id == first.id)
        ).scalar_one()
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}))
    attendees = staff.get(f"/hearings/meetings/{mid}/attendees").get_data(as_text=True)
    assert f"/hearings/meetings/{mid}/attendees/{rid}/cancel" in attendees
    url = f"/hearings/meetings/{mid}/attendees/{rid}/cancel"
    assert staff.post(url).status_code == 200  # the confirmation first
    mail_outbox.clear()
    assert staff.post(url, data={"confirmed": "yes", "reason": "Η αίθουσα άλλαξε."}).status_code == 302
    with app.app_context(), tenant_context(town.id):
        regs = {r.account_id: r for r in db.session.execute(sa.select(Registration)).scalars()}
        assert (regs[first.id].status, regs[first.id].cancel_reason) == ("cancelled", "Η αίθουσα άλλαξε.")
        assert regs[second.id].status == "confirmed"  # the waiting list moved up
        db.session.remove()
    told = mail_outbox.wait_for(lambda m: first.email in (m["To"] or ""))
    body = mail_outbox.body(told)
    assert "Η αίθουσα άλλαξε." in body and "Ο δήμος" in body  # the reason, in Greek
