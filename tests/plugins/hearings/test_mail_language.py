"""Mail sent by the background tick (opening, closing soon, meeting reminders) is written in each
recipient's language, the municipality's when it does not offer theirs, with times to the minute
and no zone names; Greek times on the 24-hour clock."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.jobs import tick
from plugins.hearings.models import Follow, Registration
from tests.plugins.hearings.conftest import make_consultation, make_meeting

SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
LONG_ZONE = re.compile(r"Eastern European|Ανατολικής Ευρώπης|Източноевропейско|Europei de Est|Europe/")
TWELVE_HOUR = re.compile(r"\d{1,2}:\d{2}\s?(π\.μ\.|μ\.μ\.|AM|PM)", re.IGNORECASE)


def _tick(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        done = tick()
        db.session.commit()
        db.session.remove()
    return done


def test_tick_mails_each_recipient_in_their_language(app, tenant_factory, account_factory, mail_outbox):
    tenant = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], timezone="Europe/Athens")
    english = account_factory(locale="en", memberships={tenant: "member"})
    greek = account_factory(locale="el", memberships={tenant: "member"})
    bulgarian = account_factory(locale="bg", memberships={tenant: "member"})  # bg is not offered here
    people = (english, greek, bulgarian)
    # opens now (scheduled, due) and closes within the reminder's two days; a meeting tomorrow
    make_consultation(
        app, tenant, status="scheduled", opens_in=dt.timedelta(minutes=-5), closes_in=dt.timedelta(hours=30)
    )
    mid = make_meeting(app, tenant, starts_in=dt.timedelta(hours=20), title="Εργαστήριο")
    with app.app_context(), tenant_context(tenant.id):
        for person in people:
            db.session.add(Follow(account_id=person.id))
            db.session.add(
                Registration(
                    meeting_id=mid,
                    account_id=person.id,
                    name="x",
                    email=person.email,
                    status="confirmed",
                    submission_id=uuid.uuid4(),
                    created_at=utcnow(),
                )
            )
        db.session.add(
            Registration(
                meeting_id=mid,
                name="Guest",
                email="guest-reminder@example.org",
                status="confirmed",
                submission_id=uuid.uuid4(),
                created_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.remove()
    mail_outbox.clear()
    done = _tick(app, tenant)
    assert done["transitions"] == 1 and done["meeting_reminders"] == 1
    expected = {
        english.email: ("Open for comments: ", "Closing soon: ", "Reminder: "),
        greek.email: ("Ανοιχτή για σχόλια: ", "Κλείνει σύντομα: ", "Υπενθύμιση: "),
        bulgarian.email: ("Ανοιχτή για σχόλια: ", "Κλείνει σύντομα: ", "Υπενθύμιση: "),  # the municipality's
        "guest-reminder@example.org": ("Υπενθύμιση: ",),
    }
    for email, prefixes in expected.items():
        for prefix in prefixes:
            mail_outbox.wait_for(
                lambda m, e=email, p=prefix: e in (m["To"] or "") and m["Subject"].startswith(p)
            )
    for msg in mail_outbox.messages:
        body = mail_outbox.body(msg)
        assert not SECONDS.search(body), body
        assert not LONG_ZONE.search(body), body
        if msg["To"] != english.email:  # Greek: 14:05, not 2:05 μ.μ.
            assert not TWELVE_HOUR.search(body) and re.search(r"\d{2}:\d{2}", body), body


def test_invitation_mail_in_the_municipality_language_not_the_inviters(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    tenant = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], name="Δήμος Δοκιμής")
    admin = sign_in(tenant_client(tenant), account_factory(locale="en", memberships={tenant: "admin"}))
    mail_outbox.clear()
    r = admin.post("/admin/members?lang=en", data={"email": "new-person@example.org", "role": "moderator"})
    assert r.status_code == 302
    msg = mail_outbox.wait_for(lambda m: "new-person@example.org" in (m["To"] or ""))
    assert msg["Subject"] == "Πρόσκληση στον φορέα «Δήμος Δοκιμής» στο Sympraxis"
    body = mail_outbox.body(msg)
    assert "ως συντονιστής" in body and "moderator" not in body  # the role by name, in Greek


def test_promotion_mail_in_the_promoted_persons_language(app, tenant_factory, account_factory, mail_outbox):
    from flask_babel import force_locale

    from plugins.hearings.registrations.services import cancel_registration, mail_promoted

    tenant = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"])
    english = account_factory(locale="en", memberships={tenant: "member"})
    mid = make_meeting(app, tenant, capacity=1)
    mail_outbox.clear()
    with app.test_request_context("/"), tenant_context(tenant.id), force_locale("ro"):  # the canceller's
        seated, waiting = (
            Registration(
                meeting_id=mid,
                account_id=account_id,
                name="x",
                email=email,
                status=status,
                submission_id=uuid.uuid4(),
                created_at=utcnow(),
            )
            for account_id, email, status in (
                (None, "first@example.org", "confirmed"),
                (english.id, english.email, "waiting"),
            )
        )
        db.session.add_all([seated, waiting])
        db.session.flush()
        promoted = cancel_registration(seated)
        assert promoted is not None and promoted.id == waiting.id
        mail_promoted(promoted)
        db.session.commit()
        db.session.remove()
    msg = mail_outbox.wait_for(lambda m: english.email in (m["To"] or ""))
    assert msg["Subject"].startswith("A seat is yours: "), msg["Subject"]
    assert not SECONDS.search(mail_outbox.body(msg))


def test_a_guests_later_mail_is_in_the_language_they_registered_in(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    """A guest has no account to hold a language: the registration keeps the page's, so a
    cancellation by staff reaches an English-speaking guest of a Greek municipality in English."""
    import sqlalchemy as sa

    town = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], timezone="Europe/Athens")
    mid = make_meeting(app, town, capacity=5, title="Workshop")
    email = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    r = tenant_client(town).post(
        f"/hearings/meetings/{mid}/register?lang=en", data={"name": "Guest", "email": email}
    )
    assert r.status_code == 302
    with app.app_context(), tenant_context(town.id):
        reg = db.session.execute(sa.select(Registration).where(Registration.email == email)).scalar_one()
        assert reg.locale == "en"
        rid = reg.id
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}))
    mail_outbox.clear()
    done = staff.post(
        f"/hearings/meetings/{mid}/attendees/{rid}/cancel?lang=el",
        data={"confirmed": "yes", "reason": "Full."},
    )
    assert done.status_code == 302
    told = mail_outbox.wait_for(lambda m: email in (m["To"] or ""))
    assert "is cancelled" in mail_outbox.body(told)  # English, though staff worked in Greek


def test_the_feedback_request_is_in_each_participants_language_not_the_staffs(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    """Finishing a meeting mails each confirmed participant the feedback link: an English
    account and an English-speaking guest in English, a Greek account in Greek, whatever
    language the staff member who finished it works in."""
    town = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], timezone="Europe/Athens")
    english = account_factory(locale="en", memberships={town: "member"})
    greek = account_factory(locale="el", memberships={town: "member"})
    mid = make_meeting(app, town, starts_in=dt.timedelta(hours=-2), title="Workshop")
    guest = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context(), tenant_context(town.id):
        for account_id, email, locale in (
            (english.id, english.email, None),
            (greek.id, greek.email, None),
            (None, guest, "en"),
        ):
            db.session.add(
                Registration(
                    meeting_id=mid,
                    account_id=account_id,
                    name="x",
                    email=email,
                    locale=locale,
                    status="confirmed",
                    submission_id=uuid.uuid4(),
                    created_at=utcnow(),
                )
            )
        db.session.commit()
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(locale="el", memberships={town: "staff"}))
    mail_outbox.clear()
    assert staff.post(f"/hearings/meetings/{mid}/finish?lang=el").status_code == 302
    for email, subject in (
        (english.email, "How was Workshop?"),
        (guest, "How was Workshop?"),
        (greek.email, "Πώς σας φάνηκε: Workshop;"),
    ):
        told = mail_outbox.wait_for(
            lambda m, e=email: e in (m["To"] or "") and "/feedback" in mail_outbox.body(m)
        )
        assert told["Subject"].startswith(subject), (email, told["Subject"])


def test_the_feedback_request_follows_each_participants_notification_settings(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    """The feedback request is a notification for a participant with an account: it carries the
    link that turns it off, and one who turned it off gets none; a guest (no settings) gets it."""
    from core.notifications.services import set_preference

    town = tenant_factory(plugins=["hearings"], locale="en", locales=["en"], timezone="Europe/Athens")
    wants = account_factory(locale="en", memberships={town: "member"})
    declined = account_factory(locale="en", memberships={town: "member"})
    guest = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    mid = make_meeting(app, town, starts_in=dt.timedelta(hours=-2), title="Workshop")
    with app.app_context():
        set_preference(declined.id, "hearings.meeting_feedback", town.id, "off")
        db.session.commit()
    with app.app_context(), tenant_context(town.id):
        for account_id, email in ((wants.id, wants.email), (declined.id, declined.email), (None, guest)):
            db.session.add(
                Registration(
                    meeting_id=mid, account_id=account_id, name="x", email=email, locale="en",
                    status="confirmed", submission_id=uuid.uuid4(), created_at=utcnow(),
                )
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(locale="en", memberships={town: "staff"}))
    mail_outbox.clear()
    assert staff.post(f"/hearings/meetings/{mid}/finish").status_code == 302
    asked = mail_outbox.wait_for(lambda m: wants.email in (m["To"] or ""))
    assert "/feedback" in mail_outbox.body(asked) and "/notifications/off/" in asked["List-Unsubscribe"]
    guest_mail = mail_outbox.wait_for(lambda m: guest in (m["To"] or ""))
    assert "/feedback" in mail_outbox.body(guest_mail)
    assert mail_outbox.to(declined.email) == []
