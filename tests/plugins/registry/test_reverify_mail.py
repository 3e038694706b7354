"""Re-verification mail: when an entry's verification expires, the organisation's admins are
told once (each in their language, and only once the job's transaction commits), again only
after the next verification expires; a change to a verified entry tells them it awaits
verification; staff see in the queue who was told."""

import datetime as dt

import sqlalchemy as sa

from core.testing.pytest_plugin import MailSink
from core.toolkit import OrganisationMember, db, tenant_context
from plugins.registry import jobs, services
from plugins.registry.models import ReverifyNotice
from tests.plugins.registry.conftest import ENTRY, Who, make_entry, make_organisation


def _verified_entry(app, town, account_factory):
    staff = account_factory(memberships={town: "staff"})
    greek = account_factory(memberships={town: "member"}, locale="el")
    romanian = account_factory(memberships={town: "member"}, locale="ro")
    org_id = make_organisation(app, town, greek)
    with app.app_context(), tenant_context(town.id):
        db.session.add(OrganisationMember(organisation_id=org_id, account_id=romanian.id, role="admin"))
        version = services.submit(None, ENTRY, account=Who(greek), organisation_id=org_id)
        services.review(version, account=Who(staff), approve=True, document="ΓΕΜΗ 2025", notify=False)
        db.session.commit()
        entry_id = version.entry_id
        db.session.remove()
    return entry_id, staff, greek, romanian, org_id


def _age(app, town, entry_id, days=400):
    with app.app_context(), tenant_context(town.id):
        entry = services.get_entry(entry_id)
        entry.verified_at = entry.verified_at - dt.timedelta(days=days)
        db.session.commit()
        db.session.remove()


def test_expired_verification_mails_each_admin_once_in_their_language(
    app, town, account_factory, mail_outbox, tenant_client, sign_in
):
    entry_id, staff, greek, romanian, _org = _verified_entry(app, town, account_factory)
    _age(app, town, entry_id)
    mail_outbox.clear()
    with app.app_context():
        jobs.remind_all({})
        db.session.commit()
        db.session.remove()
    el = mail_outbox.wait_for(lambda m: m["To"] == greek.email and "επίκαιρη" in m["Subject"])
    ro = mail_outbox.wait_for(lambda m: m["To"] == romanian.email and "actuală" in m["Subject"])
    assert f"/registry/entries/{entry_id}/edit" in MailSink.body(el)
    assert "a expirat" in MailSink.body(ro) and ENTRY["name"] in MailSink.body(ro)

    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 0  # told already for this verification
        db.session.rollback()
        count = db.session.execute(sa.select(sa.func.count()).select_from(ReverifyNotice)).scalar()
        assert count == 1
        db.session.remove()

    client = tenant_client(town)
    sign_in(client, staff)
    queue = client.get("/registry/review").get_data(as_text=True)
    assert ENTRY["name"] in queue and "ο φορέας ειδοποιήθηκε στις" in queue

    # verified again, and that verification expires in its turn: told once more
    with app.app_context(), tenant_context(town.id):
        services.reverify(services.get_entry(entry_id), account=Who(staff), document="Βεβαίωση 2026")
        db.session.commit()
        assert services.send_reverify_notices() == 0  # fresh again
        db.session.rollback()
        db.session.remove()
    _age(app, town, entry_id)
    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 1
        db.session.commit()
        db.session.remove()


def test_a_rolled_back_run_sends_nothing(app, town, account_factory, mail_outbox):
    entry_id, _staff, greek, _ro, _org = _verified_entry(app, town, account_factory)
    _age(app, town, entry_id)
    mail_outbox.clear()
    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 1
        db.session.rollback()
        db.session.remove()
    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 1  # the rolled-back notice did not count
        db.session.commit()
        db.session.remove()
    mails = mail_outbox.wait_for(lambda m: m["To"] == greek.email and "επίκαιρη" in m["Subject"])
    assert mails is not None
    assert len([m for m in mail_outbox.messages if m["To"] == greek.email]) == 1


def test_entries_without_an_organisation_are_left_to_staff(app, town, account_factory):
    staff = account_factory(memberships={town: "staff"})
    entry_id = make_entry(app, town, staff, name="Κοινωνικό φαρμακείο")
    _age(app, town, entry_id)
    with app.app_context(), tenant_context(town.id):
        assert services.send_reverify_notices() == 0
        assert [e.id for e in services.stale_entries()] == [entry_id]
        db.session.remove()


def test_a_change_to_a_verified_entry_tells_the_admins_it_awaits_verification(
    app, town, account_factory, mail_outbox
):
    entry_id, _staff, greek, romanian, org_id = _verified_entry(app, town, account_factory)
    mail_outbox.clear()
    with app.app_context(), tenant_context(town.id):
        services.submit(
            services.get_entry(entry_id),
            {**ENTRY, "address": "Πλατεία Αγοράς 1"},
            account=Who(greek),
            organisation_id=org_id,
        )
        db.session.commit()
        db.session.remove()
    el = mail_outbox.wait_for(lambda m: m["To"] == greek.email and "περιμένουν επαλήθευση" in m["Subject"])
    assert "τελευταία επαληθευμένη έκδοση" in MailSink.body(el)
    ro = mail_outbox.wait_for(lambda m: m["To"] == romanian.email and "așteaptă validarea" in m["Subject"])
    assert ro is not None
