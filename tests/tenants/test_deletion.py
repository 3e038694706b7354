"""Verified deletion at the end of a contract (issue 12 §4): after the grace period every row with
the municipality's id is gone from every table (read from the catalog by a superuser), nothing of
another municipality is touched, and a certificate records what, when and by whom."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.tenancy import Tenant, resolve_host, utcnow
from tenants import deletion
from tenants.models import AuditEvent, TenantDeletion
from tests.tenants.test_portability import _fill


def _rows_with_id(admin_url, tenant_id):
    """Every table of the database, by every column that carries a municipality's id as a plain
    key (tenant_id, scope_tenant_id, job_tenant_id): rows holding ``tenant_id``."""
    found = {}
    with psycopg.connect(admin_url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name IN ('tenant_id', 'scope_tenant_id', 'job_tenant_id')"
        ).fetchall()
        for table, column in columns:
            n = conn.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}" = %s', (tenant_id,)
            ).fetchone()[0]
            if n:
                found[f"{table}.{column}"] = n
    return found


@pytest.fixture
def ending(app, tenant_factory, account_factory, access_token):
    """A municipality at the end of its contract (archived, full of data) and one that goes on."""
    from tenants import services

    t = tenant_factory(plugins=["testplugin", "hearings"])
    u = tenant_factory(plugins=["testplugin", "hearings"])
    admin = account_factory(name="Ada Admin", memberships={t: "admin", u: "admin"})
    member = account_factory(name="Nikos", memberships={t: "member", u: "member"})
    _fill(app, t, admin, member, None, "T")
    _fill(app, u, admin, member, None, "U")
    access_token(member, t)
    access_token(member, u)
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.5"}):
        from core.accounts.models import Account
        from tenants import audit

        audit.record("test.about_t", t.id, {"email": member.email}, actor=db.session.get(Account, admin.id))
        db.session.commit()
        services.change_status(t.id, "archive", reason="contract ended")
        db.session.commit()
    return t, u


def test_deletion_after_the_grace_period_leaves_no_row_and_writes_a_certificate(
    app, ending, operator, sympraxis_database
):
    t, u = ending
    before_u = _rows_with_id(sympraxis_database["admin"], u.id)
    assert before_u and _rows_with_id(sympraxis_database["admin"], t.id)
    with app.app_context():
        from core.accounts.models import Account

        op = db.session.get(Account, operator.id)
        scheduled = deletion.schedule(t.id, op, "contract 2026/17 ended")
        db.session.commit()
        due = scheduled.due_at
        assert due - scheduled.requested_at == dt.timedelta(days=30)
        with pytest.raises(deletion.DeletionError, match="grace period runs until"):
            deletion.execute(scheduled, now=due - dt.timedelta(minutes=1))
        db.session.rollback()
        assert deletion.run_due(now=due - dt.timedelta(minutes=1)) == []
        (done,) = deletion.run_due(now=due)  # the periodic job, at the end of the grace period
        db.session.commit()
        cert_id = done.id
    assert _rows_with_id(sympraxis_database["admin"], t.id) == {}
    assert _rows_with_id(sympraxis_database["admin"], u.id) == before_u  # the other town untouched
    with app.app_context():
        cert = db.session.get(TenantDeletion, cert_id)
        assert cert.status == "done" and cert.verified and not any(cert.remaining.values())
        assert cert.requested_by_email == operator.email and cert.executed_by_id is None
        assert cert.counts["hearings_comments"] == 2 and cert.counts["memberships"] == 2
        assert cert.counts["personal_access_tokens"] == 1 and cert.counts["testplugin_notes"] == 1
        assert set(cert.remaining) >= {"hearings_registrations", "tenant_domains", "core_outbox"}
        tenant = db.session.get(Tenant, t.id)
        assert tenant.status == "deleted"
        events = (
            db.session.execute(sa.select(AuditEvent).where(AuditEvent.subject_tenant_id == t.id))
            .scalars()
            .all()
        )
        assert {e.action for e in events} >= {"test.about_t", "tenant.deleted", "tenant.deletion_scheduled"}
        about = next(e for e in events if e.action == "test.about_t")
        assert (about.actor_email, about.ip, about.details["email"]) == (None, None, "[erased]")
        db.session.rollback()
    with app.app_context():
        assert resolve_host(f"{t.slug}.localhost") is None


def test_scheduling_needs_an_archived_municipality_and_can_be_cancelled(app, tenant_factory):
    t = tenant_factory()
    with app.app_context():
        with pytest.raises(deletion.DeletionError, match="Archive the municipality"):
            deletion.schedule(t.id)
        from tenants import services

        services.change_status(t.id, "archive")
        deletion.schedule(t.id)
        with pytest.raises(deletion.DeletionError, match="already scheduled"):
            deletion.schedule(t.id)
        deletion.cancel(t.id)
        db.session.commit()
        assert deletion.pending(t.id) is None
        assert deletion.run_due(now=utcnow() + dt.timedelta(days=365)) == []
        assert db.session.get(Tenant, t.id).status == "archived"
        db.session.rollback()


def test_the_console_schedules_cancels_carries_out_and_shows_the_certificate(
    app, operator, operator_client, tenant_factory, sympraxis_database
):
    t = tenant_factory(plugins=["testplugin"])
    page = operator_client.get(f"/operator/tenants/{t.id}")
    assert "archive the municipality first" in page.get_data(as_text=True)
    export = operator_client.get(f"/operator/tenants/{t.id}/export")
    assert export.status_code == 200 and export.mimetype == "application/zip" and export.data[:2] == b"PK"
    operator_client.post(f"/operator/tenants/{t.id}/status/archive", data={"reason": "contract ended"})
    r = operator_client.post(f"/operator/tenants/{t.id}/deletion", data={"deletion_reason": ""})
    assert r.status_code == 422  # a reason is required: the page again
    r = operator_client.post(f"/operator/tenants/{t.id}/deletion", data={"deletion_reason": "contract ended"})
    assert r.status_code == 302
    page = operator_client.get(f"/operator/tenants/{t.id}").get_data(as_text=True)
    assert 'data-testid="deletion"' in page and "Delete all its data now" not in page  # not due yet
    r = operator_client.post(f"/operator/tenants/{t.id}/deletion/execute")
    assert r.status_code == 302
    assert _rows_with_id(sympraxis_database["admin"], t.id)  # refused: the grace period runs
    assert operator_client.post(f"/operator/tenants/{t.id}/deletion/cancel").status_code == 302
    operator_client.post(f"/operator/tenants/{t.id}/deletion", data={"deletion_reason": "contract ended"})
    app.config["TENANT_DELETION_GRACE_DAYS"] = 0
    try:
        with app.app_context():  # the schedule made with 30 days: move it to now
            d = deletion.pending(t.id)
            d.due_at = utcnow() - dt.timedelta(seconds=1)
            db.session.commit()
        page = operator_client.get(f"/operator/tenants/{t.id}").get_data(as_text=True)
        assert "Delete all its data now" in page
        r = operator_client.post(f"/operator/tenants/{t.id}/deletion/execute")
        assert r.status_code == 302 and "/operator/deletions/" in r.headers["Location"]
    finally:
        app.config["TENANT_DELETION_GRACE_DAYS"] = 30
    cert = operator_client.get(r.headers["Location"])
    html = cert.get_data(as_text=True)
    assert cert.status_code == 200 and "no row with its id is left" in html and operator.email in html
    assert "tenant_plugins" in html
    assert _rows_with_id(sympraxis_database["admin"], t.id) == {}


def test_the_command_line_deletes_once_due(app, tenant_factory, sympraxis_database):
    t = tenant_factory(plugins=["testplugin"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "delete", t.slug, "--reason", "test"])
    assert result.exit_code != 0 and "Archive the municipality" in result.output
    runner.invoke(args=["tenants", "archive", t.slug])
    result = runner.invoke(args=["tenants", "delete", t.slug, "--reason", "test"])
    assert result.exit_code == 0 and "scheduled for" in result.output
    result = runner.invoke(args=["tenants", "delete", t.slug, "--now"])
    assert result.exit_code != 0 and "grace period runs until" in result.output
    with app.app_context():
        d = deletion.pending(t.id)
        d.due_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["tenants", "delete", t.slug, "--now"])
    assert result.exit_code == 0, result.output
    assert "verified: no row with its id is left" in result.output
    assert _rows_with_id(sympraxis_database["admin"], t.id) == {}
