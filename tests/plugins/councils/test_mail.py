"""Mail: staff are told 60 and 30 days before a term ends (in their language, once per day of the
run); members are invited to a meeting with the agenda and an .ics of its local time."""

import datetime as dt

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import make_council


def test_staff_hear_of_terms_ending_in_60_and_30_days(app, town, account_factory, mail_outbox):
    staff = account_factory(name="Петя Служител", memberships={town: "staff"}, locale="bg")
    with app.app_context(), tenant_context(town.id):
        council = services.save_council(None, name="Обществен съвет", seats={"ngo": (3, 0)})
        today = dt.date(2030, 3, 1)
        for name, days in (("Иван", 60), ("Мария", 30), ("Стоян", 45)):
            services.add_member(
                council,
                name=name,
                category="ngo",
                term_start=dt.date(2029, 1, 1),
                term_end=today + dt.timedelta(days=days),
            )
        assert services.send_term_reminders(today) == 1  # one mail to each staff member
        db.session.commit()
        db.session.remove()
    mail = mail_outbox.wait_for(lambda m: m["To"] == staff.email)
    body = mail_outbox.body(mail)
    assert mail["Subject"].startswith("Изтичащи мандати")
    assert "Иван (Обществен съвет)" in body and "след 60 дни" in body and "Мария" in body
    assert "Стоян" not in body


def test_members_are_invited_with_the_agenda_and_a_calendar_file(app, town, account_factory, mail_outbox):
    person = account_factory(name="Ana Member", memberships={town: "member"}, locale="en")
    ids = make_council(
        app, town, members=[("Ana Member", "ngo", "member", person.id), ("No Account", "ngo", "member", None)]
    )
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title="Spring session",
            starts_at=utcnow_aware() + dt.timedelta(days=3),
            place="Town hall, room 3",
            items=["Budget 2027", "Parks"],
        )
        assert services.send_invitations(meeting) == 1  # the member without an account has no address
        db.session.commit()
        db.session.remove()
    mail = mail_outbox.wait_for(lambda m: m["To"] == person.email)
    assert mail["Subject"].startswith("Invitation: Spring session")
    body = mail_outbox.body(mail)
    assert "1. Budget 2027" in body and "2. Parks" in body and "Town hall, room 3" in body
    (ics,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    text = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert "SUMMARY:Public Council: Spring session" in text and "LOCATION:Town hall\\, room 3" in text


def _meeting(app, town, ids, title="Autumn session"):
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title=title,
            starts_at=utcnow_aware() + dt.timedelta(days=3),
            place="Town hall, room 3",
            items=["Budget 2027"],
        )
        sent = services.send_invitations(meeting)
        db.session.commit()
        db.session.remove()
    return sent


def test_invitations_and_term_reminders_honour_the_persons_settings(app, town, account_factory, mail_outbox):
    """Both are notifications: "off" in this municipality sends nothing, "digest" sends nothing
    now and puts the mail in the next daily digest; the default is still immediate."""
    from core.notifications.services import send_digests, set_preference

    quiet = account_factory(name="Quiet Member", memberships={town: "member"}, locale="en")
    gathered = account_factory(name="Digest Member", memberships={town: "member"}, locale="en")
    eager = account_factory(name="Eager Member", memberships={town: "member"}, locale="en")
    staff_off = account_factory(name="Staff Off", memberships={town: "staff"}, locale="en")
    staff_digest = account_factory(name="Staff Digest", memberships={town: "staff"}, locale="en")
    ids = make_council(
        app,
        town,
        members=[(p.display_name, "ngo", "member", p.id) for p in (quiet, gathered, eager)],
    )
    with app.app_context():
        set_preference(quiet.id, services.MEETING_INVITATION, town.id, "off")
        set_preference(gathered.id, services.MEETING_INVITATION, None, "digest")
        set_preference(staff_off.id, services.TERM_REMINDER, town.id, "off")
        set_preference(staff_digest.id, services.TERM_REMINDER, None, "digest")
        db.session.commit()
    assert _meeting(app, town, ids) == 2  # the eager member's mail and the digest member's item
    mail_outbox.wait_for(lambda m: m["To"] == eager.email)
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        today = services.local_today()
        services.add_member(
            council,
            name="Ending Soon",
            category="ngo",
            term_start=today - dt.timedelta(days=300),
            term_end=today + dt.timedelta(days=30),
        )
        assert services.send_term_reminders(today) == 1  # only the digest staff member's item
        db.session.commit()
        db.session.remove()
    with app.app_context():
        assert send_digests() == 2
    for person, expected in ((gathered, "Invitation: Autumn session"), (staff_digest, "Ending Soon")):
        digest = mail_outbox.wait_for(lambda m, p=person: m["To"] == p.email)
        assert digest["Subject"].startswith("Your daily digest")
        assert expected in mail_outbox.body(digest)
    assert mail_outbox.to(quiet.email) == [] and mail_outbox.to(staff_off.email) == []
    # the digest member got the digest only, never the invitation itself
    assert len(mail_outbox.to(gathered.email)) == 1 and len(mail_outbox.to(staff_digest.email)) == 1


def test_the_screening_decision_reaches_who_nominated_whatever_their_settings(
    app, town, account_factory, mail_outbox
):
    """A decision on the organisation's own nomination is transactional: with every councils
    notification off, the nominating admin still gets it, in their language, with the reason."""
    from core.notifications.services import set_preference
    from tests.plugins.councils.conftest import DECLARATION, make_organisation

    admin = account_factory(name="Ana Admin", memberships={town: "member"}, locale="ro")
    staff = account_factory(memberships={town: "staff"}, locale="en")
    org = make_organisation(app, town, admin)
    with app.app_context():
        for kind in (services.MEETING_INVITATION, services.TERM_REMINDER):
            set_preference(admin.id, kind, None, "off")
        db.session.commit()
    with app.app_context(), tenant_context(town.id):
        now = utcnow_aware()
        council = services.save_council(None, name="Consiliul tinerilor", seats={"ngo": (3, 0)})
        call = services.save_call(
            None,
            council,
            title="Apel 2027",
            category="ngo",
            seats=1,
            opens_at=now - dt.timedelta(days=10),
            closes_at=now - dt.timedelta(days=2),
            status="published",
        )
        nomination = services.nominate(
            call,
            db.session.get(services.Account, admin.id),
            organisation_id=org,
            candidate_name="Elena Pop",
            declaration=DECLARATION,
            now=now - dt.timedelta(days=5),
        )
        services.screen(
            nomination,
            admit=False,
            reason="Lipsește statutul.",
            staff=db.session.get(services.Account, staff.id),
        )
        db.session.commit()
        call_id = call.id
        db.session.remove()
    mail = mail_outbox.wait_for(lambda m: m["To"] == admin.email)
    assert mail["Subject"].startswith("Nominalizare respinsă: Elena Pop")
    body = mail_outbox.body(mail)
    assert "Motiv: Lipsește statutul." in body and f"/councils/calls/{call_id}" in body
    assert mail["List-Unsubscribe"] is None  # not a notification: nothing to turn off
