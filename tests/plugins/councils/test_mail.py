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
