"""The Celery application the billing test's worker runs (``celery -A tests.tenants.celery_worker``).

Configured entirely from ``SYMPRAXIS_*`` environment variables, like a production worker; the
queue name comes from ``SYMPRAXIS_TEST_QUEUE`` so that concurrent test runs never share tasks.
"""

import os

from core.app import create_app
from core.jobs import celery_app

flask_app = create_app()
celery = celery_app(flask_app)
celery.conf.task_default_queue = os.environ["SYMPRAXIS_TEST_QUEUE"]
