"""The registry's reminders are notifications (issue 16 §3): each organisation admin's settings
decide ("off" sends nothing, "digest" puts it in the daily digest); an entry without an admin is
reminded at its contact address, which has no settings."""

import datetime as dt

from core.notifications.services import send_digests, set_preference
from core.toolkit import db, tenant_context
from plugins.registry import services
from tests.plugins.registry.conftest import ENTRY, Who, make_entry
from tests.plugins.registry.test_reverify_mail import _age, _verified_entry

LAST_YEAR = dt.date.today().year - 1


def _prefer(app, kind, **modes):
    with app.app_context():
        for account_id, (municipality_id, mode) in modes.items():
            set_preference(int(account_id), kind, municipality_id, mode)
        db.session.commit()


def test_reverify_notice_off_sends_nothing_and_digest_waits_for_the_digest(
    app, town, account_factory, mail_outbox
):
    entry_id, _staff, greek, romanian, _org = _verified_entry(app, town, account_factory)
    _prefer(
        app, services.REVERIFY_NOTICE, **{str(greek.id): (town.id, "off"), str(romanian.id): (None, "digest")}
    )
    _age(app, town, entry_id)
    mail_outbox.clear()
    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 1  # the entry is marked as told, once
        db.session.commit()
        db.session.remove()
    with app.app_context():
        assert send_digests() == 1
    digest = mail_outbox.wait_for(lambda m: m["To"] == romanian.email)
    assert ENTRY["name"] in mail_outbox.body(
        digest
    ) and f"/registry/entries/{entry_id}/edit" in mail_outbox.body(digest)
    assert len(mail_outbox.to(romanian.email)) == 1  # the digest, not the notice itself
    assert mail_outbox.to(greek.email) == []


def test_figures_reminders_honour_the_admins_settings_and_reach_a_contact_address(
    app, town, account_factory, mail_outbox
):
    entry_id, staff, greek, romanian, _org = _verified_entry(app, town, account_factory)
    make_entry(app, town, staff, name="Χωρίς διαχειριστή", contact_email="desk@nogroup.example")
    _prefer(
        app,
        services.FIGURES_REMINDER,
        **{str(greek.id): (None, "off"), str(romanian.id): (town.id, "digest")},
    )
    due_on = dt.date(LAST_YEAR + 1, 3, 31)
    with app.app_context(), tenant_context(town.id):
        services.open_year(LAST_YEAR, due_on, account=Who(staff))
        db.session.commit()
        mail_outbox.clear()
        assert services.send_reminders(due_on - dt.timedelta(days=3)) == 2
        db.session.commit()
        db.session.remove()
    contact = mail_outbox.wait_for(lambda m: m["To"] == "desk@nogroup.example")
    assert str(LAST_YEAR) in contact["Subject"]
    with app.app_context():
        assert send_digests() == 1
    digest = mail_outbox.wait_for(lambda m: m["To"] == romanian.email)
    assert f"/registry/entries/{entry_id}/figures/{LAST_YEAR}" in mail_outbox.body(digest)
    assert len(mail_outbox.to(romanian.email)) == 1
    assert mail_outbox.to(greek.email) == []
