"""Committed writes are answered as written (issue 10 item 19)."""

from __future__ import annotations

import socket

import sqlalchemy as sa

from core.extensions import db
from core.testing.pytest_plugin import HostClient

from .conftest import make_consultation, make_meeting


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _client(app, host: str) -> HostClient:
    app.test_client_class = HostClient
    client = app.test_client()
    client.host = host
    return client


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_registration_with_the_broker_down_is_answered_and_its_mail_kept(make_app, world, access_token):
    """Issue 10 item 19: a registration committed, then queueing its mail failed (broker down):
    the answer was a 500, no mail ever left, and the retry said "already registered". Now the
    mail is written to the outbox with the registration and the answer is the 201."""
    from core.outbox import OutboxEntry

    down = make_app(JOBS_INLINE=False, CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{_closed_port()}//")
    mid = make_meeting(down, world.tenant)
    secret = access_token(world.member, world.tenant)
    client = _client(down, world.tenant.primary_host)
    response = client.post(f"/api/v1/hearings/meetings/{mid}/registrations", json={}, headers=_bearer(secret))
    assert response.status_code == 201, response.data[:300]
    assert response.json["status"] == "confirmed"
    with down.app_context():
        waiting = db.session.execute(sa.select(OutboxEntry.payload)).scalars().all()
        assert any(p.get("to") == [world.member.email] for p in waiting)  # the mail, kept for the sweeper


def test_comment_answer_is_built_before_the_commit(app, world, access_token, client_for, monkeypatch):
    """Issue 10 item 19: the comment API committed, then built its answer from the expired
    objects (a reload): when the database went away in between, a committed comment was answered
    500. The answer is now built before the commit: reads after it are not needed."""
    c = make_consultation(app, world.tenant)
    secret = access_token(world.member, world.tenant)
    committed = {"done": False}

    def _fail_after_commit(conn, cursor, statement, params, context, many):
        if committed["done"] and statement.lstrip().upper().startswith("SELECT"):
            raise RuntimeError("database gone after the commit")

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _fail_after_commit)

    def _after_commit(session):
        committed["done"] = True

    from sqlalchemy.orm import Session

    event.listen(Session, "after_commit", _after_commit)
    try:
        response = client_for(world.tenant.primary_host).post(
            f"/api/v1/hearings/consultations/{c['id']}/comments",
            json={"body": "Committed, and answered as such."},
            headers=_bearer(secret),
        )
    finally:
        event.remove(Session, "after_commit", _after_commit)
        event.remove(engine, "before_cursor_execute", _fail_after_commit)
    assert response.status_code == 201, response.data[:300]
    assert response.json["body"] == "Committed, and answered as such."
