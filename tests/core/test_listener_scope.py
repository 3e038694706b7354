"""The platform's SQLAlchemy listeners apply to its own session and engines only.

Another library's engine or session in the same process (a migration tool, a reporting script, a
test helper) is left as SQLAlchemy made it: no tenancy wall, no write tracking, no checkout check.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

import core.accounts.personal_data as personal_data
import core.db as core_db
import core.outbox as outbox
from core.db import SympraxisSession, TenantNotActive
from core.extensions import db
from core.tenancy import TenantPlugin

SESSION_LISTENERS = [
    ("after_begin", core_db._set_tenant_on_begin),
    ("do_orm_execute", core_db._scope_orm_statements),
    ("before_flush", core_db._stamp_tenant_on_flush),
    ("after_commit", core_db._after_commit_due),
    ("after_soft_rollback", core_db._after_rollback_drop),
    ("before_commit", outbox._write_pending),
    ("after_commit", outbox._dispatch_after_commit),
    ("after_flush", personal_data._note_personal_data),
]
ENGINE_LISTENERS = [
    ("before_cursor_execute", core_db._note_writes),
    ("checkout", core_db._discard_dead_connection),
]


def test_an_unrelated_engine_and_session_are_untouched(app):
    engine = sa.create_engine("sqlite://")
    TenantPlugin.__table__.create(engine)
    # no tenant is active: the platform's session would refuse all of this (first wall)
    with Session(engine) as other:
        assert other.execute(sa.select(TenantPlugin)).all() == []
        other.add(TenantPlugin(tenant_id=1, plugin="elsewhere", allowed=True, enabled=True, settings={}))
        other.commit()
        assert other.execute(sa.select(TenantPlugin.plugin)).scalars().all() == ["elsewhere"]
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE tenant_plugins SET enabled = 0")
        assert "sympraxis_wrote" not in conn.info  # the platform's write tracking did not run
        conn.rollback()
    for name, fn in SESSION_LISTENERS:
        assert not event.contains(Session, name, fn), name
    for name, fn in ENGINE_LISTENERS:
        assert not event.contains(engine, name, fn), name
    assert not event.contains(sa.engine.Engine, "before_cursor_execute", core_db._note_writes)
    assert not event.contains(sa.pool.Pool, "checkout", core_db._discard_dead_connection)


def test_the_platforms_session_and_engines_have_them(app):
    for name, fn in SESSION_LISTENERS:
        assert event.contains(SympraxisSession, name, fn), name
    with app.app_context():
        engines = list(db.engines.values())
        reader = app.extensions.get("sympraxis_cross_tenant_reader")
        assert reader is not None  # the test configuration has one
        for engine in [*engines, reader]:
            for name, fn in ENGINE_LISTENERS:
                assert event.contains(engine, name, fn), (engine, name)
        # and they work: the wall refuses a query with no tenant active, a write is noted
        try:
            try:
                db.session.execute(sa.select(TenantPlugin))
            except TenantNotActive:
                pass
            else:
                raise AssertionError("the platform's session let a tenant-owned query through")
            connection = db.session.connection()
            connection.exec_driver_sql("SELECT 1")
            assert connection.info["sympraxis_wrote"] is False
            connection.exec_driver_sql("CREATE TEMPORARY TABLE scope_probe (x int)")
            assert connection.info["sympraxis_wrote"] is True
        finally:
            db.session.rollback()


def test_the_checkout_check_survives_a_dispose(make_app):
    """gunicorn's post_fork disposes the pool (a new one is made): the listeners move with it."""
    fresh = make_app()
    with fresh.app_context():
        db.engine.dispose(close=False)
        assert event.contains(db.engine, "checkout", core_db._discard_dead_connection)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
