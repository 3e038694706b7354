"""Celery entry point: ``celery -A deploy.worker:celery worker`` and ``… beat``.

The same application as the app servers (``wsgi:app``), so jobs run inside their tenant with the
same configuration. ``SYMPRAXIS_BEAT_MAX_INTERVAL`` (seconds) caps periodic jobs' intervals: a
staging or test stack runs the reminders every few seconds instead of every five minutes.
``SYMPRAXIS_BEAT_CAPPED_JOBS`` (comma-separated names) limits the cap to those jobs: every job
of every municipality every two seconds is more work than one worker does in two seconds, so
its queue would only grow, and a job sent now would wait behind it.
"""

import os
import sys

from core.jobs import celery_app
from wsgi import app

celery = celery_app(app)


def _count_jobs() -> None:
    """Jobs by name and outcome (``sympraxis_jobs_total``), served for Prometheus on
    ``SYMPRAXIS_WORKER_METRICS_PORT`` (a worker has no HTTP server of its own)."""
    from celery import signals
    from prometheus_client import start_http_server

    from core.observability import Metrics

    metrics = Metrics.get()

    def job_name(sender: object, args: object) -> str:
        return str(args[0]) if isinstance(args, list | tuple) and args else getattr(sender, "name", "?")

    @signals.task_success.connect(weak=False)
    def _success(sender=None, **_kw):
        metrics.jobs.labels(job_name(sender, getattr(sender.request, "args", None)), "success").inc()

    @signals.task_retry.connect(weak=False)
    def _retry(sender=None, request=None, **_kw):
        metrics.jobs.labels(job_name(sender, getattr(request, "args", None)), "retry").inc()

    @signals.task_failure.connect(weak=False)
    def _failure(sender=None, args=None, **_kw):
        metrics.jobs.labels(job_name(sender, args), "failure").inc()

    port = int(os.environ["SYMPRAXIS_WORKER_METRICS_PORT"])
    start_http_server(port, addr=os.environ.get("SYMPRAXIS_WORKER_METRICS_ADDR", "127.0.0.1"))


if os.environ.get("SYMPRAXIS_WORKER_METRICS_PORT") and "worker" in sys.argv:
    _count_jobs()

_cap = os.environ.get("SYMPRAXIS_BEAT_MAX_INTERVAL")
_capped = {n.strip() for n in os.environ.get("SYMPRAXIS_BEAT_CAPPED_JOBS", "").split(",") if n.strip()}
if _cap:
    for _name, entry in celery.conf.beat_schedule.items():
        if not _capped or _name in _capped:
            entry["schedule"] = min(float(entry["schedule"]), float(_cap))
