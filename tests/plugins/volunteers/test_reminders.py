"""Reminders before a shift: in the recipient's language and the municipality's time, sent once,
never from a transaction that rolled back, and once even when two runs overlap."""

import datetime as dt
import threading

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context, tenant_info, to_local, utcnow_aware
from plugins.volunteers import jobs, services
from plugins.volunteers.models import Signup
from tests.plugins.volunteers.conftest import make_task

HOUR = dt.timedelta(hours=1)


def _sign_up(app, tenant, shift_id, person):
    with app.app_context(), tenant_context(tenant.id):
        services.sign_up(shift_id, db.session.get(Account, person.id))
        db.session.commit()
        db.session.remove()


def _remind(app, tenant, *, commit=True):
    with app.app_context(), tenant_context(tenant.id):
        sent = services.send_reminders()
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
        db.session.remove()
    return sent


def _reminders(mail_outbox, person):
    return [
        m
        for m in mail_outbox.to(person.email)
        if "Υπενθύμιση" in m["Subject"] or "Напомняне" in m["Subject"] or "Reminder" in m["Subject"]
    ]


def test_one_reminder_in_the_volunteers_language_with_the_local_time(app, town, account_factory, mail_outbox):
    """Athens is UTC+2 or +3: 09:00 local is written 09:00 in the mail, not the UTC hour."""
    person = account_factory(name="Мария", memberships={town: "member"}, locale="bg")
    with app.app_context(), tenant_context(town.id):
        task = services.save_task(
            None, account=None, title="Food bank", status="published", place="Town hall"
        )
        local_nine = to_local(utcnow_aware() + 5 * HOUR, tenant_info(town.id)).replace(
            hour=9, minute=0, second=0, microsecond=0
        ) + dt.timedelta(days=1)
        shift = services.save_shift(
            task, None, starts_at=local_nine, ends_at=local_nine + 3 * HOUR, capacity=4
        )
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    _sign_up(app, town, shift_id, person)
    mail_outbox.wait_for(lambda m: m["To"] == person.email)  # the confirmation
    mail_outbox.clear()
    # the default window is 24 hours: a shift tomorrow at 09:00 is due from 09:00 today
    with app.app_context(), tenant_context(town.id):
        sent = services.send_reminders(now=local_nine - 23 * HOUR)
        db.session.commit()
        db.session.remove()
    assert sent == 1
    mail = mail_outbox.wait_for(lambda m: m["To"] == person.email)
    assert mail["Subject"].startswith("Напомняне: Food bank")
    body = mail_outbox.body(mail)
    assert "Здравейте, Мария" in body and "9:00" in body and "Town hall" in body
    assert f"http://{town.primary_host}" in body and "/volunteers/mine" in body
    assert _remind(app, town) == 0  # the next run finds nothing to send


def test_only_shifts_within_the_municipalitys_window(app, town, account_factory, enable_plugin, mail_outbox):
    person = account_factory(memberships={town: "member"}, locale="en")
    shift = make_task(app, town, shifts=[(3 * 24 * HOUR, 4)])["shifts"][0]
    _sign_up(app, town, shift, person)
    assert _remind(app, town) == 0  # three days ahead, a 24-hour window
    enable_plugin(town, "volunteers", settings={"reminder_hours": 96})
    assert _remind(app, town) == 1
    mail = mail_outbox.wait_for(lambda m: m["Subject"].startswith("Reminder: Food bank"))
    assert town.name in mail["Subject"]


def test_a_rolled_back_run_sends_nothing_and_the_next_one_sends_it(app, town, account_factory, mail_outbox):
    person = account_factory(memberships={town: "member"}, locale="el")
    shift = make_task(app, town, shifts=[(2 * HOUR, 4)])["shifts"][0]
    _sign_up(app, town, shift, person)
    mail_outbox.wait_for(lambda m: m["To"] == person.email)
    mail_outbox.clear()
    assert _remind(app, town, commit=False) == 1  # queued, then the transaction rolled back
    with app.app_context(), tenant_context(town.id):
        (reminded_at,) = db.session.execute(
            sa.select(Signup.reminded_at).where(Signup.shift_id == shift)
        ).one()
        db.session.remove()
    assert reminded_at is None
    assert _remind(app, town) == 1
    mail = mail_outbox.wait_for(lambda m: m["To"] == person.email)
    assert mail["Subject"].startswith("Υπενθύμιση: Food bank")
    assert len(mail_outbox.to(person.email)) == 1  # the rolled-back one never left


def test_two_runs_at_once_send_one_reminder(app, town, account_factory, mail_outbox):
    """A run holds the due rows until it commits; a second run meanwhile skips them (and does
    not wait): one mail, not two."""
    person = account_factory(memberships={town: "member"}, locale="en")
    shift = make_task(app, town, shifts=[(2 * HOUR, 4)])["shifts"][0]
    _sign_up(app, town, shift, person)
    mail_outbox.wait_for(lambda m: m["To"] == person.email)
    mail_outbox.clear()
    first_has_rows, second_done = threading.Event(), threading.Event()
    counts = {}

    def first():
        with app.app_context(), tenant_context(town.id):
            counts["first"] = services.send_reminders()
            first_has_rows.set()
            second_done.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_has_rows.wait(timeout=30)
    try:
        counts["second"] = _remind(app, town)
    finally:
        second_done.set()
        thread.join(timeout=30)
    assert counts == {"first": 1, "second": 0}
    mail_outbox.wait_for(lambda m: m["To"] == person.email)
    assert len(mail_outbox.to(person.email)) == 1


def test_the_periodic_job_fans_out_to_every_municipality_with_the_plugin(
    app, town, tenant_factory, account_factory, mail_outbox
):
    other = tenant_factory(
        plugins=["volunteers"], locale="ro", locales=["ro", "en"], timezone="Europe/Bucharest"
    )
    people = {}
    for tenant, locale in ((town, "el"), (other, "ro")):
        people[tenant.id] = account_factory(memberships={tenant: "member"}, locale=locale)
        shift = make_task(app, tenant, shifts=[(2 * HOUR, 4)])["shifts"][0]
        _sign_up(app, tenant, shift, people[tenant.id])
    mail_outbox.clear()
    with app.app_context():
        jobs.remind_all({})  # as celery beat runs it: no tenant
        db.session.commit()  # the fan-out's jobs leave after this commit
        db.session.remove()
    romanian = mail_outbox.wait_for(lambda m: m["To"] == people[other.id].email)
    assert romanian["Subject"].startswith("Memento: Food bank")
    assert mail_outbox.wait_for(lambda m: m["To"] == people[town.id].email)
    from plugins.volunteers.plugin import sympraxis_periodic_jobs

    assert sympraxis_periodic_jobs() == {"volunteers.remind_all": 900.0}
