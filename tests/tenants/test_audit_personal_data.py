"""Personal data in the audit log (issue 12 §4): "download my data" shows the entries about the
person, "delete my account" removes their e-mail and IP addresses and keeps each action, and the
log stays append-only for everything else."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from core.accounts.models import Account
from core.extensions import db
from tenants import audit
from tenants.models import AuditEvent


def _event(app, action, actor=None, tenant_id=None, details=None, ip="203.0.113.9"):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ip}):
        acc = db.session.get(Account, actor.id) if actor is not None else None
        event = audit.record(action, tenant_id, details or {}, actor=acc)
        db.session.commit()
        return event.id


def _get(app, event_id):
    with app.app_context():
        e = db.session.get(AuditEvent, event_id)
        row = (e.action, e.actor_id, e.actor_email, e.ip, e.details, e.subject_tenant_id)
        db.session.rollback()
        return row


def test_download_my_data_has_audit_entries_purposes_and_retention(
    app, apex_client, tenant_factory, account_factory, sign_in
):
    town = tenant_factory(plugins=["testplugin"])
    person = account_factory(memberships={town: "admin"})
    acted = _event(app, "member.invited", person, town.id, {"email": "someone@example.org", "role": "staff"})
    named = _event(app, "member.joined", None, town.id, {"email": person.email.upper(), "role": "admin"})
    other = _event(app, "member.joined", None, town.id, {"email": "other@example.org"})
    sign_in(apex_client, person)
    data = json.loads(apex_client.get("/account/export").data)
    entries = data["platform"]["tenants"]["audit_log"]
    assert [(e["action"], e["by_you"], e["municipality"]) for e in entries] == [
        ("member.invited", True, town.slug),
        ("member.joined", False, town.slug),
    ]
    assert entries[0]["ip"] == "203.0.113.9" and entries[0]["email"] == person.email
    assert other not in (acted, named) and "other@example.org" not in json.dumps(data)
    (municipality,) = data["municipalities"]
    schedule = {r["key"]: r for r in municipality["retention"]}
    assert schedule["tenants.invitations"]["days"] == 90
    assert "90" in schedule["tenants.invitations"]["what_happens"]
    assert schedule["testplugin.notes"]["days"] == 365
    purposes = {p["kind"]: p for p in municipality["purposes"]}
    assert purposes["tenants.invitations"]["retention_days"] == 90
    assert purposes["testplugin.notes"]["legal_basis"].startswith("Art. 6(1)(e)")


def test_delete_my_account_removes_email_and_ip_from_the_log_and_keeps_the_actions(
    app, apex_client, tenant_factory, account_factory, sign_in
):
    town = tenant_factory()
    person = account_factory(memberships={town: "admin"})
    bystander = account_factory(memberships={town: "admin"})
    acted = _event(app, "member.invited", person, town.id, {"email": "guest@example.org", "role": "staff"})
    named = _event(app, "member.joined", bystander, town.id, {"email": person.email, "role": "member"})
    platform = _event(app, "account.signed_in", person, None, {})
    untouched = _event(app, "member.invited", bystander, town.id, {"email": "guest@example.org"})
    sign_in(apex_client, person)
    r = apex_client.post("/account/delete", data={"password": person.password, "confirm": "y"})
    assert r.status_code in (200, 302), r.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(Account, person.id).erased_at is not None
        db.session.rollback()
    # the person's own actions: kept, without their address or IP; details naming others stay
    assert _get(app, acted) == (
        "member.invited", person.id, None, None, {"email": "guest@example.org", "role": "staff"}, town.id,
    )  # fmt: skip
    assert _get(app, platform)[:4] == ("account.signed_in", person.id, None, None)
    # another admin's action that named the person: the name goes, the actor's data stays
    action, actor_id, actor_email, ip, details, _t = _get(app, named)
    assert (action, actor_id, actor_email, ip) == (
        "member.joined",
        bystander.id,
        bystander.email,
        "203.0.113.9",
    )
    assert details == {"email": audit.ERASED, "role": "member"}
    assert _get(app, untouched)[2:4] == (bystander.email, "203.0.113.9")
    with app.app_context():
        text = json.dumps(
            [
                list(r)
                for r in db.session.execute(
                    sa.select(AuditEvent.actor_email, AuditEvent.ip, AuditEvent.details).where(
                        AuditEvent.actor_id == person.id
                    )
                )
            ]  # fmt: skip
        )
        db.session.rollback()
    assert person.email not in text and "203.0.113.9" not in text


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'x' WHERE id = :id",
        "UPDATE audit_events SET actor_email = 'forged@example.org' WHERE id = :id",
        "UPDATE audit_events SET ip = '10.0.0.1' WHERE id = :id",
        "UPDATE audit_events SET at = at - interval '1 day' WHERE id = :id",
        "UPDATE audit_events SET actor_id = NULL WHERE id = :id",
        'UPDATE audit_events SET details = \'{"role": "admin"}\' WHERE id = :id',  # a key removed
        'UPDATE audit_events SET details = \'{"email": "x@example.org", "role": "staff"}\' WHERE id = :id',
    ],
)
def test_only_an_erasure_may_change_an_entry(app, account_factory, statement):
    person = account_factory()
    event_id = _event(app, "member.invited", person, None, {"email": "guest@example.org", "role": "staff"})
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": event_id})
        db.session.rollback()


def test_an_erasure_update_is_admitted(app, account_factory):
    person = account_factory()
    event_id = _event(app, "member.invited", person, None, {"email": "guest@example.org", "role": "staff"})
    with app.app_context():
        db.session.execute(
            sa.text(
                "UPDATE audit_events SET actor_email = NULL, ip = NULL, "
                'details = \'{"email": "[erased]", "role": "staff"}\' WHERE id = :id'
            ),
            {"id": event_id},
        )
        db.session.commit()
    assert _get(app, event_id)[2:5] == (None, None, {"email": "[erased]", "role": "staff"})
