"""Reminders of terms ending: a periodic job fans out one job per municipality.

The reminders go on the 60th and 30th day before a term ends, so the job runs once a day.
"""

from core.toolkit import db, enqueue, job, tenants_with_plugin
from plugins.councils import services

REMIND_EVERY_SECONDS = 86_400.0


@job("councils.remind")
def remind(payload):
    services.send_term_reminders()
    db.session.flush()


@job("councils.remind_all")
def remind_all(payload):
    for tenant_id in tenants_with_plugin("councils"):
        enqueue("councils.remind", tenant_id, {})
