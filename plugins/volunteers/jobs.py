"""Reminders before a shift: a periodic job fans out one job per municipality.

``celery beat`` runs ``volunteers.remind_all`` every quarter of an hour with no tenant; it enqueues
``volunteers.remind`` for each municipality that has the plugin on, which runs inside that
municipality (its transaction commits the ``reminded_at`` marks and the queued mail together).
Without Celery (the demo), ``sympraxis volunteers remind`` does the same from cron.
"""

from core.toolkit import db, enqueue, job, tenants_with_plugin
from plugins.volunteers import services

REMIND_EVERY_SECONDS = 900.0


@job("volunteers.remind")
def remind(payload):
    """Inside one municipality: mail the reminders that are due."""
    services.send_reminders()
    db.session.flush()  # inline, the next job of the fan-out shares the session


@job("volunteers.remind_all")
def remind_all(payload):
    """Periodic, with no tenant: one ``volunteers.remind`` per municipality with the plugin on."""
    for tenant_id in tenants_with_plugin("volunteers"):
        enqueue("volunteers.remind", tenant_id, {})
