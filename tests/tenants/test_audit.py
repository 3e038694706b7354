"""The audit log is append-only (for the application role and the owner alike) and records who,
what, which municipality, when and from where."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from core.extensions import db
from tenants import audit
from tenants.models import AuditEvent


def _one_event(app, action="test.event"):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        event = audit.record(action, None, {"k": "v", "nested": {"a": [1, 2]}})
        db.session.commit()
        return event.id


def test_event_records_where_from(app):
    event_id = _one_event(app)
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        assert event.ip == "203.0.113.7" and event.details == {"k": "v", "nested": {"a": [1, 2]}}
        assert event.at is not None


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_app_role_cannot_rewrite_history(app, statement):
    _one_event(app)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_even_the_owner_cannot_rewrite_history(app, sympraxis_database):
    _one_event(app)
    url = sympraxis_database["owner"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        for statement in (
            "UPDATE audit_events SET action = 'x'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def test_filters(app):
    _one_event(app, "filter.one")
    _one_event(app, "filter.two")
    _one_event(app, "other.three")
    with app.app_context():
        rows, total = audit.events(audit.AuditFilter(action="filter."))
        assert {e.action for e in rows} == {"filter.one", "filter.two"} and total >= 2
        rows, _ = audit.events(audit.AuditFilter(action="filter%"))  # LIKE wildcards are literal
        assert rows == []
