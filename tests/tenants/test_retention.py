"""The retention schedule (issue 12 §4): per-municipality periods, enforced by a periodic job.

The purge is tested by travelling in time: rows of known ages in two municipalities, the purge
run at a chosen "now", and then every row is accounted for, deleted or kept, in both.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.privacy import retention
from core.privacy.models import DataRequest, RetentionSetting
from core.tenancy import utcnow
from tenants.models import AuditEvent, Invitation

NOW = dt.datetime(2031, 6, 1, 12, 0)
DAY = dt.timedelta(days=1)


def _note(title, created_at):
    from sympraxis_testplugin.models import Note

    note = Note(title=title, created_at=created_at)
    db.session.add(note)
    return note


def _invitation(email, *, created, expires, accepted=None, revoked=None):
    inv = Invitation(
        email=email,
        role="member",
        token_hash=uuid.uuid4().hex,
        created_at=created,
        expires_at=expires,
        accepted_at=accepted,
        revoked_at=revoked,
    )
    db.session.add(inv)
    return inv


def _seed(app, tenant, tag):
    """The same rows in each municipality, named by ``tag``: old ones and fresh ones."""
    with app.app_context(), tenant_context(tenant.id):
        _note(f"{tag}-note-40d", NOW - 40 * DAY)
        _note(f"{tag}-note-29d", NOW - 29 * DAY)  # fresher than a 30-day period
        _invitation(f"{tag}-accepted-old@example.org", created=NOW - 120 * DAY, expires=NOW - 106 * DAY,
                    accepted=NOW - 100 * DAY)  # fmt: skip
        _invitation(f"{tag}-accepted-recent@example.org", created=NOW - 95 * DAY, expires=NOW - 81 * DAY,
                    accepted=NOW - 80 * DAY)  # fmt: skip
        _invitation(f"{tag}-expired-old@example.org", created=NOW - 110 * DAY, expires=NOW - 91 * DAY)
        _invitation(f"{tag}-revoked-old@example.org", created=NOW - 200 * DAY, expires=NOW - 186 * DAY,
                    revoked=NOW - 190 * DAY)  # fmt: skip
        # sent long ago but still waiting (a long expiry): live, never purged
        _invitation(f"{tag}-pending@example.org", created=NOW - 300 * DAY, expires=NOW + 5 * DAY)
        db.session.add(
            DataRequest(email_hash=f"{tag}-old", requested_at=NOW - 1100 * DAY, expires_at=NOW - 1099 * DAY)
        )
        db.session.add(
            DataRequest(email_hash=f"{tag}-new", requested_at=NOW - 10 * DAY, expires_at=NOW - 9 * DAY)
        )
        db.session.commit()
    with app.app_context():
        for age in (181, 179):
            db.session.add(
                AuditEvent(
                    action=f"test.{tag}.{age}",
                    subject_tenant_id=tenant.id,
                    ip="203.0.113.7",
                    at=NOW - age * DAY,
                    details={},
                )  # fmt: skip
            )
        db.session.commit()


def _state(app, tenant, tag):
    from sympraxis_testplugin.models import Note

    with app.app_context(), tenant_context(tenant.id):
        notes = set(db.session.execute(sa.select(Note.title)).scalars())
        invitations = {e.split("@")[0] for e in db.session.execute(sa.select(Invitation.email)).scalars()}
        requests = set(db.session.execute(sa.select(DataRequest.email_hash)).scalars())
        ips = dict(
            db.session.execute(
                sa.select(AuditEvent.action, AuditEvent.ip).where(
                    AuditEvent.action.startswith(f"test.{tag}.")
                )
            ).all()
        )
        db.session.rollback()
    return notes, invitations, requests, ips


@pytest.fixture
def two_towns(app, tenant_factory):
    a = tenant_factory(plugins=["testplugin"])
    b = tenant_factory(plugins=["testplugin"])
    _seed(app, a, "a")
    _seed(app, b, "b")
    return a, b


def test_purge_travels_in_time_and_deletes_exactly_what_is_due(app, two_towns):
    """Town A keeps notes 30 days (its own setting), the rest by default: the purge at NOW
    deletes A's rows past their periods and nothing else, in A or in B (same rows, not purged);
    IPs go, their actions stay; a second run finds nothing."""
    a, b = two_towns
    with app.app_context():
        retention.set_retention(a.id, {"testplugin.notes": 30})
        db.session.commit()
        done = retention.purge_tenant(a.id, now=NOW)
        db.session.commit()
    assert done == {
        "testplugin.notes": 1,
        "tenants.invitations": 3,  # accepted 100 days ago, expired 91, withdrawn 190 (period 90)
        "tenants.audit_ips": 1,  # the entry of 181 days (period 180)
        "core.data_requests": 1,  # the request of 1,100 days (period 1,095)
    }
    notes, invitations, requests, ips = _state(app, a, "a")
    assert notes == {"a-note-29d"}
    assert invitations == {"a-accepted-recent", "a-pending"}
    assert requests == {"a-new"}
    assert ips == {"test.a.181": None, "test.a.179": "203.0.113.7"}  # the action kept, its IP gone
    # the other municipality: every row still there, old ones included
    notes, invitations, requests, ips = _state(app, b, "b")
    assert notes == {"b-note-40d", "b-note-29d"}  # kept, though older than A's period
    assert len(invitations) == 5 and requests == {"b-old", "b-new"}
    assert ips == {"test.b.181": "203.0.113.7", "test.b.179": "203.0.113.7"}
    with app.app_context():
        assert retention.purge_tenant(a.id, now=NOW) == {}  # idempotent
        db.session.rollback()


def test_each_period_counts_to_the_day(app, two_towns):
    """A day later the 179-day entry is exactly 180 days old: kept (only older rows go); a day
    after that it loses its IP."""
    a, _b = two_towns
    with app.app_context():
        retention.purge_tenant(a.id, now=NOW + DAY)
        db.session.commit()
        _n, _i, _r, ips = _state(app, a, "a")
        assert ips["test.a.179"] == "203.0.113.7"  # 180 days old: not older than the period
        retention.purge_tenant(a.id, now=NOW + 2 * DAY)
        db.session.commit()
    _n, _i, _r, ips = _state(app, a, "a")
    assert ips["test.a.179"] is None


def test_the_job_purges_one_municipality_and_the_fan_out_reaches_every_one(app, two_towns, monkeypatch):
    """``core.retention_purge`` runs inside the tenant it is given, at the job's own clock;
    ``core.retention_purge_all`` enqueues one per municipality (deleted ones left out)."""
    from core import jobs
    from core.privacy import retention as module

    a, b = two_towns
    monkeypatch.setattr(module, "utcnow", lambda: NOW)
    with app.app_context():
        jobs.run_job("core.retention_purge", a.id, {})
    assert _state(app, a, "a")[1] == {"a-accepted-recent", "a-pending"}
    assert len(_state(app, b, "b")[1]) == 5
    queued = []
    monkeypatch.setattr(
        jobs, "enqueue", lambda name, tenant_id, payload, countdown=0: queued.append((name, tenant_id))
    )
    with app.app_context():
        jobs.run_job("core.retention_purge_all", None, {})
        ids = retention.tenant_ids_to_purge()
    assert ("core.retention_purge", a.id) in queued and ("core.retention_purge", b.id) in queued
    assert len(queued) == len(ids)
    schedule = jobs.periodic_schedule(app)
    assert schedule["core.retention_purge_all"]["args"] == ["core.retention_purge_all", None, {}]
    assert schedule["tenants.audit_ip_purge"]["schedule"] > 0


def test_a_failing_rule_is_rolled_back_alone(app, two_towns, monkeypatch):
    """A rule that raises half-way leaves nothing of its own done, and the others still run."""
    a, _b = two_towns
    original = retention.rules

    def broken_notes(cutoff):
        from sympraxis_testplugin.models import Note

        db.session.execute(sa.delete(Note))  # deletes, then fails: must be undone
        raise RuntimeError("rule failure for the test")

    def patched():
        found = dict(original())
        plugin, rule = found["testplugin.notes"]
        found["testplugin.notes"] = (
            plugin,
            retention.RetentionRule(**{**rule.__dict__, "purge": broken_notes}),
        )
        return found

    monkeypatch.setattr(retention, "rules", patched)
    with app.app_context():
        done = retention.purge_tenant(a.id, now=NOW)
        db.session.commit()
    assert "testplugin.notes" not in done and done["tenants.invitations"] == 3
    assert _state(app, a, "a")[0] == {"a-note-40d", "a-note-29d"}


def test_platform_audit_ips_follow_the_instance_setting(app):
    with app.app_context():
        old = AuditEvent(action="test.platform.old", ip="198.51.100.1", at=utcnow() - 200 * DAY, details={})
        new = AuditEvent(action="test.platform.new", ip="198.51.100.2", at=utcnow() - 10 * DAY, details={})
        db.session.add_all([old, new])
        db.session.commit()
        from core import jobs

        jobs.run_job("tenants.audit_ip_purge", None, {})
        ips = dict(
            db.session.execute(
                sa.select(AuditEvent.action, AuditEvent.ip).where(
                    AuditEvent.action.startswith("test.platform.")
                )
            ).all()
        )
    assert ips == {"test.platform.old": None, "test.platform.new": "198.51.100.2"}


# --- the admin page -------------------------------------------------------------------------------


def test_admin_sets_periods_within_bounds_and_keeps_what_was_typed(app, tenant_factory, admin_client):
    t = tenant_factory(plugins=["testplugin"])
    client = admin_client(t)
    page = client.get("/admin/privacy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="testplugin__notes"' in html and 'value="365"' in html
    assert "Default 90 days; from 1 to 3650" in html  # the invitations' hint
    # below the rule's minimum (30): refused, nothing saved, the typed values come back
    r = client.post("/admin/privacy", data={"testplugin__notes": "29", "tenants__invitations": "45"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Choose a period from 30 to 3650 days." in html and 'value="29"' in html and 'value="45"' in html
    assert client.post("/admin/privacy", data={"tenants__audit_ips": "731"}).status_code == 422
    assert client.post("/admin/privacy", data={"tenants__invitations": "many"}).status_code == 422
    with app.app_context(), tenant_context(t.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(RetentionSetting)).scalar_one() == 0
    # at the bounds: saved, audited, and read back by retention_days
    r = client.post(
        "/admin/privacy",
        data={"testplugin__notes": "30", "tenants__audit_ips": "730", "tenants__invitations": ""},
    )
    assert r.status_code == 302
    with app.app_context():
        assert retention.retention_days("testplugin.notes", t.id) == 30
        assert retention.retention_days("tenants.audit_ips", t.id) == 730
        assert retention.retention_days("tenants.invitations", t.id) == 90  # empty: the default
        event = db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.action == "retention.changed", AuditEvent.subject_tenant_id == t.id
            )
        ).scalar_one()
        assert event.details["periods"] == {"testplugin.notes": 30, "tenants.audit_ips": 730}
        db.session.rollback()


def test_periods_are_per_municipality(app, tenant_factory):
    a = tenant_factory(plugins=["testplugin"])
    b = tenant_factory(plugins=["testplugin"])
    with app.app_context():
        retention.set_retention(a.id, {"tenants.invitations": 7})
        db.session.commit()
        assert retention.retention_days("tenants.invitations", a.id) == 7
        assert retention.retention_days("tenants.invitations", b.id) == 90
        with cross_tenant_read():
            rows = (
                db.session.execute(sa.select(RetentionSetting.tenant_id).execution_options(all_tenants=True))
                .scalars()
                .all()
            )
        assert b.id not in rows
        db.session.rollback()


def test_a_rule_declares_sane_bounds():
    with pytest.raises(ValueError):
        retention.RetentionRule(
            key="x.y", label="l", description="d", default_days=10, min_days=20, purge=len
        )
    with pytest.raises(ValueError):
        retention.RetentionRule(key="Bad Key", label="l", description="d", default_days=10, purge=len)


def test_the_command_line_applies_the_schedule_where_asked(app, two_towns):
    """`sympraxis tenants purge-expired SLUG` (cron, the demo) runs the rules in that
    municipality only, at the real clock: the seeded rows are dated in 2031, so nothing is due
    for the notes, and the other town is not named."""
    a, b = two_towns
    result = app.test_cli_runner().invoke(args=["tenants", "purge-expired", a.slug])
    assert result.exit_code == 0, result.output
    assert f"tenant {a.id}:" in result.output and f"tenant {b.id}:" not in result.output
    assert f"tenant {a.id}: nothing due" in result.output


def test_the_notice_and_the_purge_read_the_same_periods(app, tenant_factory):
    """Every period the privacy notice promises is one a retention rule enforces, and every rule
    is promised in the notice: the declarations' ``retention_setting`` names the rules, and a
    municipality's own period shows in both (issue 12 §4: "shown in the privacy notice from the
    same settings")."""
    from core.legal.declarations import declarations

    t = tenant_factory(plugins=["testplugin", "hearings"])
    with app.test_request_context():
        retention.set_retention(t.id, {"hearings.accessibility": 12, "tenants.invitations": 45})
        db.session.commit()
        found, failed = declarations(t.id)
        rules = retention.rules()
        assert not failed
        promised = {p.declaration.retention_setting: p.retention_days for p in found if p.retention_days}
        first_party = {
            k for k, (plugin, _r) in rules.items() if plugin in ("core", "tenants", "hearings", "testplugin")
        }
        assert first_party <= set(promised), first_party - set(promised)  # every rule is in the notice
        unenforced = [
            p.declaration.kind
            for p in found
            if p.retention_days
            and p.source in ("core", "tenants", "hearings")
            and p.declaration.retention_setting not in rules
        ]
        assert unenforced == []  # every period of the notice is a rule's
        for key, days in promised.items():
            if key in rules:
                assert days == retention.retention_days(key, t.id), key
        assert promised["hearings.accessibility"] == 12 and promised["tenants.invitations"] == 45
        db.session.rollback()
