"""Celery entry point: ``celery -A deploy.worker:celery worker`` and ``… beat``.

The same application as the app servers (``wsgi:app``), so jobs run inside their tenant with the
same configuration. ``SYMPRAXIS_BEAT_MAX_INTERVAL`` (seconds) caps every periodic job's interval:
a staging or test stack runs the reminders every few seconds instead of every five minutes.
"""

import os

from core.jobs import celery_app
from wsgi import app

celery = celery_app(app)

_cap = os.environ.get("SYMPRAXIS_BEAT_MAX_INTERVAL")
if _cap:
    for entry in celery.conf.beat_schedule.values():
        entry["schedule"] = min(float(entry["schedule"]), float(_cap))
