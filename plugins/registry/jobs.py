"""Periodic work: the annual campaign's reminders (fanned out per municipality) and the
aggregate run (platform-wide: the one reviewed cross-tenant read, into global tables).

Without Celery (the demo), ``sympraxis registry remind`` and ``sympraxis registry aggregate``
do the same from cron."""

from core.toolkit import db, enqueue, job, tenants_with_plugin, utcnow_aware
from plugins.registry import aggregates, services

REMIND_EVERY_SECONDS = 6 * 3600.0
AGGREGATE_EVERY_SECONDS = 24 * 3600.0


@job("registry.remind")
def remind(payload):
    """Inside one municipality: the figures reminders due today, and the notices of expired
    verifications."""
    services.send_reminders(utcnow_aware().date())
    services.send_reverify_notices()
    db.session.flush()


@job("registry.remind_all")
def remind_all(payload):
    for tenant_id in tenants_with_plugin("registry"):
        enqueue("registry.remind", tenant_id, {})


@job("registry.aggregate")
def aggregate(payload):
    """With no tenant: recompute every aggregate from the consenting municipalities."""
    aggregates.run()
    db.session.flush()
