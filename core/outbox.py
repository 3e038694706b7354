"""The outbox: jobs and mail leave only after the transaction that asked for them commits.

:func:`core.jobs.enqueue` (and :func:`core.mail.send_mail`, a job) writes an :class:`OutboxEntry`
into the caller's transaction and registers its dispatch with :func:`core.db.after_commit`:

* a rollback takes the entry with it, so nothing leaves for a write that did not happen;
* after commit the entry is sent (inline: the job runs in its own transaction; otherwise it is
  published to Celery) and deleted; if the broker refuses, the entry stays, the committed write
  is answered as usual, and the periodic ``core.outbox_sweep`` sends it later.

Delivery is at least once: an entry is claimed with a lease (``next_attempt_at``), so the sweeper
takes only entries whose dispatcher gave up or died. The table is the platform's, not a tenant's:
``job_tenant_id`` is the tenant the job will enter, and only the core's dispatcher reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from core.db import SympraxisSession, after_commit, drop_on_rollback
from core.extensions import db

log = logging.getLogger(__name__)

#: How long the committing process has to dispatch an entry before the sweeper may take it.
DISPATCH_LEASE = dt.timedelta(seconds=60)
#: How long a sweeper owns an entry it took (it sends, then deletes or reschedules it).
SWEEP_LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class OutboxEntry(db.Model):
    """A job (mail included) waiting to leave."""

    __tablename__ = "core_outbox"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(120))
    job_tenant_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    countdown: Mapped[int] = mapped_column(sa.Integer(), default=0)
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text())


_PENDING = "sympraxis_outbox_pending"


def add(name: str, tenant_id: int | None, payload: dict[str, Any], countdown: int = 0) -> None:
    """Queue an entry on the current transaction: written when it commits, dispatched after."""
    db.session().info.setdefault(_PENDING, []).append((name, tenant_id, payload, int(countdown or 0)))


def has_pending(session: Any) -> bool:
    return bool(session.info.get(_PENDING))


@sa.event.listens_for(SympraxisSession, "before_commit")
def _write_pending(session: Any) -> None:
    """The entries join the transaction as it commits (kept out of ``session.new`` until then,
    so that a transaction that only read and queued mail still counts as one that only read)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    now = _now()
    for spec in pending:
        name, tenant_id, payload, countdown = spec
        entry = OutboxEntry(
            job=name,
            job_tenant_id=tenant_id,
            payload=payload,
            countdown=countdown,
            attempts=0,
            next_attempt_at=now + DISPATCH_LEASE,
        )
        session.add(entry)
        session.info.setdefault(_AFTER, []).append((entry, spec))


_AFTER = "sympraxis_outbox_written"


@sa.event.listens_for(SympraxisSession, "after_commit")
def _dispatch_after_commit(session: Any) -> None:
    written = session.info.pop(_AFTER, None)
    if written:
        after_commit(lambda: [_dispatch_committed(entry, spec) for entry, spec in written], session)


drop_on_rollback(_PENDING, _AFTER)


def _dispatch_committed(entry: OutboxEntry, spec: tuple[str, int | None, dict[str, Any], int]) -> None:
    identity = sa.inspect(entry).identity  # known since the flush: no reload of the expired entry
    if identity is None:  # never flushed (its savepoint rolled back)
        return
    _send(identity[0], *spec)


def _send(entry_id: int, name: str, tenant_id: int | None, payload: dict[str, Any], countdown: int) -> bool:
    """Send one claimed entry and delete it; on failure keep it for the sweeper. True if sent."""
    from core import jobs

    try:
        if current_app.config["JOBS_INLINE"]:
            jobs.run_job(name, tenant_id, payload)
        else:
            jobs.publish(name, tenant_id, payload, countdown)
    except Exception as exc:  # noqa: BLE001 - the broker (or an inline job) failed: retry later
        log.warning("job %s (outbox entry %s) not sent: %s", name, entry_id, exc, exc_info=True)
        _reschedule(entry_id, exc)
        return False
    with db.engine.begin() as conn:
        conn.execute(sa.delete(OutboxEntry.__table__).where(OutboxEntry.__table__.c.id == entry_id))
    return True


def _reschedule(entry_id: int, exc: BaseException) -> None:
    table = OutboxEntry.__table__
    try:
        with db.engine.begin() as conn:
            attempts = conn.execute(sa.select(table.c.attempts).where(table.c.id == entry_id)).scalar()
            if attempts is None:
                return
            delay = min(dt.timedelta(seconds=30 * 2**attempts), MAX_BACKOFF)
            conn.execute(
                table.update()
                .where(table.c.id == entry_id)
                .values(attempts=attempts + 1, next_attempt_at=_now() + delay, last_error=repr(exc)[:2000])
            )
    except Exception:  # noqa: BLE001 - the entry stays with its lease; the sweeper takes it then
        log.warning("could not reschedule outbox entry %s", entry_id, exc_info=True)


def sweep(limit: int = 100) -> dict[str, int]:
    """Send what the broker refused (the periodic ``core.outbox_sweep``); returns counts."""
    table = OutboxEntry.__table__
    counts = {"sent": 0, "failed": 0}
    with db.engine.begin() as conn:
        due = conn.execute(
            sa.select(table.c.id)
            .where(table.c.next_attempt_at <= _now())
            .order_by(table.c.next_attempt_at, table.c.id)
            .limit(limit)
        ).all()
    for (entry_id,) in due:
        with db.engine.begin() as conn:  # claim: only one sweeper wins an entry
            now = _now()
            claimed = conn.execute(
                table.update()
                .where(table.c.id == entry_id, table.c.next_attempt_at <= now)
                .values(next_attempt_at=now + SWEEP_LEASE)
                .returning(table.c.job, table.c.job_tenant_id, table.c.payload, table.c.countdown)
            ).first()
        if claimed is None:
            continue
        name, tenant_id, payload, countdown = claimed
        counts["sent" if _send(entry_id, name, tenant_id, payload, countdown or 0) else "failed"] += 1
    return counts


def sweep_job(payload: dict[str, Any]) -> None:
    counts = sweep()
    if counts["sent"] or counts["failed"]:
        log.info("outbox sweep: %(sent)s sent, %(failed)s kept for later", counts)
