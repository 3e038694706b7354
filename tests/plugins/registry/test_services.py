"""The registry's rules through its services: submission and verification keep the public
version right, every version is kept with its diff, re-verification when stale, figures, and
the annual campaign's edges (reminders once, before and after the due date)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.testing.pytest_plugin import MailSink
from core.toolkit import RuleViolation, db, tenant_context
from plugins.registry import services
from plugins.registry.models import Entry, EntryVersion, Reminder
from tests.plugins.registry.conftest import ENTRY, LAST_YEAR, Who, make_entry, make_organisation


@pytest.fixture
def people(app, town, account_factory):
    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    org_id = make_organisation(app, town, admin)
    return staff, admin, org_id


def _public_name(entry_id):
    found = [e for e in services.directory() if e.id == entry_id]
    return found[0].name if found else None


def test_verification_and_reverification_keep_the_public_version_right(app, town, people, mail_outbox):
    staff, admin, org_id = people
    with app.app_context(), tenant_context(town.id):
        first = services.submit(None, ENTRY, account=Who(admin), organisation_id=org_id)
        db.session.commit()
        entry_id = first.entry_id
        assert _public_name(entry_id) is None  # nobody sees an entry never verified
        with pytest.raises(RuleViolation) as err:
            services.review(first, account=Who(staff), approve=True, document="  ")
        assert err.value.field == "document"
        db.session.rollback()
        services.review(first, account=Who(staff), approve=True, document="ΓΕΜΗ extract 2026-11-02")
        db.session.commit()
        assert _public_name(entry_id) == ENTRY["name"]

        entry = services.get_entry(entry_id)
        change = services.submit(
            entry,
            {**ENTRY, "name": "Νέο όνομα", "sectors": ["56"]},
            account=Who(admin),
            organisation_id=org_id,
        )
        db.session.commit()
        assert _public_name(entry_id) == ENTRY["name"]  # still the verified version
        assert {c["field"] for c in change.diff} == {"name", "sectors"}
        assert {"field": "name", "before": ENTRY["name"], "after": "Νέο όνομα"} in change.diff

        services.review(
            change, account=Who(staff), approve=False, reason="The name differs from the register."
        )
        db.session.commit()
        assert _public_name(entry_id) == ENTRY["name"]  # rejected: the verified one stands

        again = services.submit(
            services.get_entry(entry_id),
            {**ENTRY, "name": "Νέο όνομα"},
            account=Who(admin),
            organisation_id=org_id,
        )
        db.session.commit()
        services.review(again, account=Who(staff), approve=True, document="ΓΕΜΗ extract 2026-11-20")
        db.session.commit()
        assert _public_name(entry_id) == "Νέο όνομα"
        history = [
            (v.number, v.status, v.document) for v in services.versions_of(services.get_entry(entry_id))
        ]
        assert history == [
            (3, "verified", "ΓΕΜΗ extract 2026-11-20"),
            (2, "rejected", ""),
            (1, "verified", "ΓΕΜΗ extract 2026-11-02"),
        ]
        with pytest.raises(RuleViolation):  # reviewed once only
            services.review(again, account=Who(staff), approve=False, reason="x")
        db.session.rollback()
    rejected = mail_outbox.wait_for(lambda m: "The name differs from the register." in MailSink.body(m))
    assert rejected["To"] == admin.email


def test_a_new_submission_supersedes_the_pending_one(app, town, people):
    staff, admin, org_id = people
    with app.app_context(), tenant_context(town.id):
        first = services.submit(None, ENTRY, account=Who(admin), organisation_id=org_id)
        entry = services.get_entry(first.entry_id, include_unpublished=True)
        second = services.submit(
            entry, {**ENTRY, "area": "Νέα Ορεστιάδα"}, account=Who(admin), organisation_id=org_id
        )
        db.session.commit()
        assert [v.status for v in services.versions_of(entry)] == ["pending", "superseded"]
        assert [v.id for v, _e in services.pending_versions()] == [second.id]
        db.session.remove()


def test_only_admins_of_an_approved_organisation_submit(app, town, account_factory):
    pending_admin = account_factory(memberships={town: "member"})
    org_id = make_organisation(app, town, pending_admin, approved=False, name="Pending")
    with app.app_context(), tenant_context(town.id):
        with pytest.raises(RuleViolation) as err:
            services.submit(None, ENTRY, account=Who(pending_admin), organisation_id=org_id)
        assert err.value.status == 403
        db.session.rollback()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_form": "ro_wise"}, "legal_form"),  # a Romanian form in a Greek municipality
        ({"sectors": ["99"]}, "sectors"),
        ({"latitude": 41.5}, "latitude"),
        ({"kind": "social_action"}, "starts_on"),
        ({"kind": "social_action", "starts_on": "2026-05-01", "ends_on": "2026-01-01"}, "ends_on"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_data_names_its_field(app, town, people, change, field):
    staff, _admin, _org = people
    with app.app_context(), tenant_context(town.id):
        with pytest.raises(RuleViolation) as err:
            services.create_by_staff({**ENTRY, **change}, account=Who(staff), document="doc")
        assert err.value.field == field
        db.session.rollback()


def test_settings_make_fields_mandatory(app, town, people, enable_plugin):
    staff, _admin, _org = people
    enable_plugin(town, "registry", settings={"required_fields": "business_number"})
    with app.app_context(), tenant_context(town.id):
        with pytest.raises(RuleViolation) as err:
            services.create_by_staff(ENTRY, account=Who(staff), document="doc")
        assert err.value.field == "business_number"
        db.session.rollback()


def test_stale_entries_are_listed_until_verified_again(app, town, people):
    staff, _admin, _org = people
    entry_id = make_entry(app, town, staff)
    with app.app_context(), tenant_context(town.id):
        entry = services.get_entry(entry_id)
        assert services.stale_entries() == []
        entry.verified_at = entry.verified_at - dt.timedelta(days=400)
        db.session.commit()
        assert [e.id for e in services.stale_entries()] == [entry_id]
        services.reverify(services.get_entry(entry_id), account=Who(staff), document="Βεβαίωση 2026")
        db.session.commit()
        assert services.stale_entries() == []
        assert services.versions_of(services.get_entry(entry_id))[0].diff == []
        db.session.remove()


def test_figures_rules(app, town, people):
    staff, _admin, _org = people
    entry_id = make_entry(app, town, staff)
    with app.app_context(), tenant_context(town.id):
        entry = services.get_entry(entry_id)
        for values, field in (
            ({"staff_paid": 2, "staff_women": 2, "staff_men": 1}, "staff_women"),
            ({"public_funding_pct": 101}, "public_funding_pct"),
            ({"staff_paid": -1}, "staff_paid"),
        ):
            with pytest.raises(RuleViolation) as err:
                services.save_figures(entry, LAST_YEAR, values, account=None)
            assert err.value.field == field
        with pytest.raises(RuleViolation):
            services.save_figures(entry, LAST_YEAR + 5, {}, account=None)
        services.save_figures(
            entry, LAST_YEAR, {"staff_paid": 3, "people_served": 40, "budget": 1000.5}, account=None
        )
        services.save_figures(
            entry, LAST_YEAR, {"staff_paid": 4, "people_served": 41}, account=None
        )  # replaces
        db.session.commit()
        rows = services.figures_of(entry)
        assert [(r.year, r.staff_paid, r.people_served, r.budget) for r in rows] == [(LAST_YEAR, 4, 41, None)]
        db.session.remove()


def test_the_annual_campaign_reminds_once_before_and_once_after_the_due_date(app, town, people, mail_outbox):
    staff, admin, org_id = people
    with app.app_context(), tenant_context(town.id):
        due_on = dt.date(LAST_YEAR + 1, 3, 31)
        year = services.open_year(LAST_YEAR, due_on, account=Who(staff))
        version = services.submit(None, ENTRY, account=Who(admin), organisation_id=org_id)
        services.review(version, account=Who(staff), approve=True, document="doc")
        done = services.create_by_staff(
            {**ENTRY, "name": "Done already", "contact_email": ""}, account=Who(staff), document="doc"
        )
        services.save_figures(done, LAST_YEAR, {"staff_paid": 1}, account=None)
        db.session.commit()
        with pytest.raises(RuleViolation) as err:
            services.open_year(LAST_YEAR, due_on, account=Who(staff))
        assert err.value.code == "year_open"
        db.session.rollback()
        mail_outbox.clear()

        assert services.send_reminders(due_on - dt.timedelta(days=15)) == 0  # before the window
        assert services.send_reminders(due_on - dt.timedelta(days=14)) == 1  # the window opens
        assert services.send_reminders(due_on) == 0  # once
        db.session.commit()
        states = {r["entry"].name: r["state"] for r in services.campaign(year, due_on)}
        assert states == {ENTRY["name"]: "due", "Done already": "done"}
        assert services.send_reminders(due_on + dt.timedelta(days=1)) == 1  # late, once
        assert services.send_reminders(due_on + dt.timedelta(days=30)) == 0
        db.session.commit()
        late = {r["entry"].name: r["state"] for r in services.campaign(year, due_on + dt.timedelta(days=1))}
        assert late[ENTRY["name"]] == "late"
        kinds = sorted(db.session.execute(sa.select(Reminder.kind)).scalars())
        assert kinds == ["due", "late"]
        db.session.remove()
    mails = mail_outbox.to(admin.email)
    assert len(mails) == 2 and all(str(LAST_YEAR) in m["Subject"] for m in mails)


def test_a_rolled_back_reminder_run_sends_nothing(app, town, people, mail_outbox):
    staff, _admin, _org = people
    entry_id = make_entry(app, town, staff)
    with app.app_context(), tenant_context(town.id):
        services.open_year(LAST_YEAR, dt.date(LAST_YEAR + 1, 1, 31), account=Who(staff))
        db.session.commit()
        mail_outbox.clear()
        assert services.send_reminders(dt.date(LAST_YEAR + 1, 2, 1)) == 1
        db.session.rollback()
        assert db.session.execute(sa.select(Reminder).where(Reminder.entry_id == entry_id)).first() is None
        db.session.remove()
    with pytest.raises(AssertionError):
        mail_outbox.wait_for(lambda m: True, timeout=1)


def test_erasure_empties_the_contact_person_and_keeps_the_entry(app, town, people, account_factory):
    staff, admin, org_id = people
    contact = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        version = services.submit(
            None, {**ENTRY, "contact_email": contact.email}, account=Who(admin), organisation_id=org_id
        )
        services.review(version, account=Who(staff), approve=True, document="doc")
        db.session.commit()
        entry_id = version.entry_id
        exported = services.export_personal_data(Who(contact))
        assert exported["contact_person_of"][0]["contact_email"] == contact.email
        services.erase_personal_data(Who(contact))
        services.erase_personal_data(Who(admin))
        db.session.commit()
        entry = db.session.get(Entry, (town.id, entry_id))
        assert (entry.name, entry.contact_email, entry.contact_name) == (ENTRY["name"], "", "")
        for v in db.session.execute(sa.select(EntryVersion)).scalars():
            assert contact.email not in str(v.data) and v.submitted_by_id != admin.id
        db.session.remove()
