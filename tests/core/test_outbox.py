"""Jobs and mail leave only after commit, through a durable outbox (issue 10 item 19, issue 11)."""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import sqlalchemy as sa

from core.db import after_commit
from core.extensions import db
from core.jobs import enqueue, job
from core.mail import Mail, send_mail
from core.outbox import OutboxEntry, sweep

ran: list[dict] = []


@job("tests.outbox_record")
def _record(payload: dict) -> None:
    ran.append(payload)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again once the socket is: nothing listens there


def _entries(marker: str) -> list[OutboxEntry]:
    rows = db.session.execute(sa.select(OutboxEntry)).scalars().all()
    return [r for r in rows if marker in str(r.payload)]


def test_a_rolled_back_transaction_sends_nothing(app_ctx, mail_outbox):
    """Issue 10 item 19 / issue 11: inline jobs and mail ran inside the caller's transaction, before
    it committed; a write that then rolled back had already sent its mail."""
    marker = uuid.uuid4().hex
    called: list[str] = []
    ran.clear()
    send_mail(Mail(to=[f"{marker}@example.org"], subject="never", text="x"))
    enqueue("tests.outbox_record", None, {"marker": marker})
    after_commit(lambda: called.append("after"))
    assert ran == [] and called == [] and mail_outbox.messages == []  # nothing before the commit
    db.session.rollback()
    db.session.commit()  # a later commit does not revive what was rolled back
    assert ran == [] and called == []
    assert mail_outbox.to(f"{marker}@example.org") == []
    assert _entries(marker) == []

    send_mail(Mail(to=[f"{marker}@example.org"], subject="sent", text="x"))
    enqueue("tests.outbox_record", None, {"marker": marker})
    after_commit(lambda: called.append("after"))
    db.session.commit()
    assert ran == [{"marker": marker}] and called == ["after"]
    assert mail_outbox.wait_for(lambda m: marker in (m["To"] or ""))["Subject"] == "sent"
    assert _entries(marker) == []  # sent, so gone from the outbox
    db.session.rollback()


def test_a_broker_outage_keeps_the_job_and_the_sweeper_sends_it(make_app, monkeypatch):
    """Issue 10 item 19: with the broker down, queueing a job after a write raised into the
    request (a committed write answered 500) and the job was lost. Now the write's commit stands,
    the job waits in the outbox, and the periodic sweeper sends it once the broker is back."""
    from core import jobs

    marker = uuid.uuid4().hex
    down = make_app(JOBS_INLINE=False, CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{_closed_port()}//")
    with down.app_context():
        enqueue("tests.outbox_record", None, {"marker": marker})
        db.session.commit()  # does not raise, does not hang
        [entry] = _entries(marker)
        assert entry.attempts == 1 and entry.last_error
        db.session.rollback()

        assert sweep()["sent"] == 0  # not due yet: it waits out its back-off
        past = dt.datetime(2000, 1, 1)
        db.session.execute(
            sa.update(OutboxEntry).where(OutboxEntry.id == entry.id).values(next_attempt_at=past)
        )
        db.session.commit()
        sent: list[tuple] = []
        celery = jobs.celery_app(down)
        monkeypatch.setattr(
            celery, "send_task", lambda name, args, countdown, **kw: sent.append((name, args))
        )
        assert sweep() == {"sent": 1, "failed": 0}
        assert sent == [("sympraxis.run_job", ["tests.outbox_record", None, {"marker": marker}])]
        assert _entries(marker) == []
        db.session.rollback()
