"""Background jobs: inline in the demo and tests, Celery workers in production.

Every job carries ``tenant_id`` (None for platform jobs) and runs inside that tenant's context,
so the tenancy walls hold in workers exactly as in requests (DESIGN §3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from flask import Flask, current_app

from core.db import tenant_context

JobFunction = Callable[[dict[str, Any]], None]
_JOBS: dict[str, JobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under a stable name: ``@job("hearings.send_reminders")``."""

    def decorator(fn: JobFunction) -> JobFunction:
        _JOBS[name] = fn
        return fn

    return decorator


def run_job(name: str, tenant_id: int | None, payload: dict[str, Any]) -> None:
    """Run one job now, inside its tenant (if any), committing on success."""
    from core.extensions import db

    fn = _JOBS[name]
    try:
        if tenant_id is None:
            fn(payload)
        else:
            with tenant_context(tenant_id):
                fn(payload)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def enqueue(name: str, tenant_id: int | None, payload: dict[str, Any], countdown: int = 0) -> None:
    """Send a job once the caller's transaction commits (never if it rolls back).

    The job is written to the outbox in the caller's transaction (see :mod:`core.outbox`); after
    commit it runs inline (``JOBS_INLINE``: demo and tests, in its own transaction, as a worker
    would run it) or is published to Celery. A broker outage neither fails the committed write
    nor loses the job: the periodic ``core.outbox_sweep`` sends it later.
    """
    if name not in _JOBS:
        raise KeyError(f"unknown job {name!r}")
    from core import outbox

    outbox.add(name, tenant_id, payload, countdown)


#: The name the toolkit gives it: enqueue() always waits for the commit.
enqueue_after_commit = enqueue


def publish(name: str, tenant_id: int | None, payload: dict[str, Any], countdown: int = 0) -> None:
    """Hand a job to Celery now (the outbox calls this after commit); fails fast when the broker
    is down rather than retrying inside a request."""
    celery_app(current_app).send_task(
        "sympraxis.run_job", args=[name, tenant_id, payload], countdown=countdown, retry=False
    )


def celery_app(app: Flask) -> Celery:
    """The Celery application bound to ``app`` (created once; ``celery -A core.worker``)."""
    existing = app.extensions.get("celery")
    if existing is not None:
        return existing
    celery = Celery(
        "sympraxis",
        broker=app.config["CELERY_BROKER_URL"],
        backend=app.config.get("CELERY_RESULT_BACKEND"),
    )
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_serializer="json",
        # a broker that is down fails a publish in seconds (the outbox keeps the job), never hangs
        broker_connection_timeout=float(app.config.get("CELERY_BROKER_CONNECTION_TIMEOUT", 3)),
        broker_connection_retry_on_startup=False,
    )

    # shared=False: a shared task would be added to every Celery app of the process, and the
    # first Flask app's closure would answer for all of them
    @celery.task(name="sympraxis.run_job", bind=True, max_retries=8, shared=False)
    def _run(self: Any, name: str, tenant_id: int | None, payload: dict[str, Any]) -> None:
        with app.app_context():
            try:
                run_job(name, tenant_id, payload)
            except Exception as exc:
                raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 600)) from exc

    celery.conf.beat_schedule = periodic_schedule(app)
    app.extensions["celery"] = celery
    return celery


def periodic_schedule(app: Flask) -> dict[str, dict[str, Any]]:
    """The ``celery beat`` schedule gathered from every plugin's ``sympraxis_periodic_jobs``."""
    from core.plugins import registry

    schedule: dict[str, dict[str, Any]] = {
        name: {"task": "sympraxis.run_job", "schedule": float(every), "args": [name, None, {}]}
        for name, every in CORE_PERIODIC_JOBS.items()
    }
    for result in registry(app).pm.hook.sympraxis_periodic_jobs():
        for name, every in (result or {}).items():
            schedule[name] = {"task": "sympraxis.run_job", "schedule": float(every), "args": [name, None, {}]}
    return schedule


#: The core's own periodic jobs, seconds between runs.
#: ``core.retention_purge_all`` enforces the retention schedule (core.privacy.retention) every six
#: hours: a period in days is then kept to within a quarter of a day, and every run is idempotent.
CORE_PERIODIC_JOBS = {
    "core.outbox_sweep": 60,
    "core.idempotency_purge": 3600,
    "core.form_once_purge": 3600,
    "core.retention_purge_all": 6 * 3600,
    "core.notification_digest": 24 * 3600,  # each person's daily digest (core.notifications)
}


def _register_core_jobs() -> None:
    from core.form_once import purge_job as form_once_purge_job
    from core.idempotency import purge_job as idempotency_purge_job
    from core.mail import _send_mail_job
    from core.notifications.services import digest_job
    from core.outbox import sweep_job
    from core.privacy.retention import purge_all_job, purge_job

    job("core.send_mail")(_send_mail_job)
    job("core.outbox_sweep")(sweep_job)
    job("core.idempotency_purge")(idempotency_purge_job)
    job("core.form_once_purge")(form_once_purge_job)
    job("core.retention_purge")(purge_job)
    job("core.retention_purge_all")(purge_all_job)
    job("core.notification_digest")(digest_job)


_register_core_jobs()
