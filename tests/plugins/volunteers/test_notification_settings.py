"""A shift reminder is a notification (issue 16 §3): the volunteer's settings decide, in this
municipality; the sign-up's confirmation (asked for) always comes."""

import datetime as dt

from core.notifications.services import set_preference
from core.toolkit import Account, db, tenant_context
from plugins.volunteers import services
from tests.plugins.volunteers.conftest import make_task

HOUR = dt.timedelta(hours=1)


def test_reminders_off_here_means_no_reminder_and_the_confirmation_still_comes(
    app, town, account_factory, mail_outbox
):
    person = account_factory(memberships={town: "member"}, locale="en")
    shift = make_task(app, town, shifts=[(5 * HOUR, 4)])["shifts"][0]
    with app.app_context():
        set_preference(person.id, "volunteers.shift_reminder", town.id, "off")
        db.session.commit()
    with app.app_context(), tenant_context(town.id):
        services.sign_up(shift, db.session.get(Account, person.id))
        db.session.commit()
        db.session.remove()
    mail_outbox.wait_for(lambda m: m["To"] == person.email)  # the confirmation
    with app.app_context(), tenant_context(town.id):
        assert services.send_reminders() == 0
        db.session.commit()
        db.session.remove()
    with app.app_context():
        set_preference(person.id, "volunteers.shift_reminder", town.id, None)  # back to the default
        db.session.commit()
    assert [m["Subject"] for m in mail_outbox.to(person.email) if "Reminder" in m["Subject"]] == []
