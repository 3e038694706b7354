"""The periodic jobs as celery beat runs them (no tenant): the reminders fan out to every
municipality with the plugin on, each mail in the recipient's municipality and language; the
aggregate job runs from a job with no tenant; and the directory answers the platform's search."""

import datetime as dt

from core.testing.pytest_plugin import MailSink
from core.toolkit import db, tenant_context
from plugins.registry import aggregates, jobs, services
from plugins.registry.plugin import sympraxis_periodic_jobs
from tests.plugins.registry.conftest import ENTRY, Who, make_organisation


def test_reminders_fan_out_to_every_municipality(app, tenant_factory, account_factory, mail_outbox):
    last = dt.date.today().year - 1
    admins = {}
    for locale, country, name in (("el", "GR", "Κουζίνα"), ("ro", "RO", "Bucătăria")):
        town = tenant_factory(plugins=["registry"], locale=locale, locales=[locale], country=country)
        staff = account_factory(memberships={town: "staff"})
        admin = account_factory(memberships={town: "member"}, locale=locale)
        org_id = make_organisation(app, town, admin, name=name)
        with app.app_context(), tenant_context(town.id):
            version = services.submit(
                None, {**ENTRY, "name": name, "legal_form": ""}, account=Who(admin), organisation_id=org_id
            )
            services.review(version, account=Who(staff), approve=True, document="doc", notify=False)
            services.open_year(
                last, dt.date.today() - dt.timedelta(days=1), account=Who(staff)
            )  # late already
            db.session.commit()
            db.session.remove()
        admins[locale] = admin
    mail_outbox.clear()
    with app.app_context():
        jobs.remind_all({})
        db.session.commit()
        db.session.remove()
    greek = mail_outbox.wait_for(lambda m: m["To"] == admins["el"].email)
    romanian = mail_outbox.wait_for(lambda m: m["To"] == admins["ro"].email)
    assert "καθυστερούν" in greek["Subject"] and "Κουζίνα" in MailSink.body(greek)
    assert "întârziate" in romanian["Subject"] and "Bucătăria" in MailSink.body(romanian)
    assert sympraxis_periodic_jobs() == {"registry.remind_all": 21600.0, "registry.aggregate": 86400.0}


def test_the_aggregate_job_runs_without_a_tenant(app):
    with app.app_context():
        before = aggregates.latest_run()
        jobs.aggregate({})
        db.session.commit()
        after = aggregates.latest_run()
        assert after is not None and (before is None or after.id > before.id)
        db.session.remove()


def test_the_platform_search_finds_verified_entries(app, town, account_factory, tenant_client):
    from tests.plugins.registry.conftest import make_entry

    staff = account_factory(memberships={town: "staff"})
    make_entry(app, town, staff, name="Κοινωνικό Φροντιστήριο Ορεστιάδας")
    page = tenant_client(town).get("/search?q=Φροντιστήριο").get_data(as_text=True)
    assert "Κοινωνικό Φροντιστήριο Ορεστιάδας" in page


def test_search_ranks_and_highlights_verified_entries_only(app, town, account_factory):
    """TextQuery: the entry whose name and description both say it ranks first, the matched word
    is marked in an escaped snippet, and a pending (unverified) entry is not found."""
    from plugins.registry.search import search
    from tests.plugins.registry.conftest import make_entry

    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    make_entry(
        app, town, staff, name="Κέντρο Κοινότητας", description="Συμβουλευτική <b>και</b> φροντιστήριο."
    )
    make_entry(
        app,
        town,
        staff,
        name="Κοινωνικό Φροντιστήριο Ορεστιάδας",
        description="Δωρεάν φροντιστήριο για μαθητές.",
    )
    org_id = make_organisation(app, town, admin, name="Άλλο")
    with app.app_context(), tenant_context(town.id):
        services.submit(
            None,
            {**ENTRY, "name": "Φροντιστήριο σε αναμονή", "legal_form": ""},
            account=Who(admin),
            organisation_id=org_id,
        )
        db.session.commit()
        with app.test_request_context():
            hits = search("φροντιστηριο", 10)
        db.session.remove()
    titles = [h.title for h in hits]
    assert titles == ["Κοινωνικό Φροντιστήριο Ορεστιάδας", "Κέντρο Κοινότητας"]
    assert hits[0].rank > hits[1].rank
    assert "<mark>φροντιστήριο</mark>" in str(hits[0].snippet)
    assert "<b>" not in str(hits[1].snippet)  # the text is never served as HTML
