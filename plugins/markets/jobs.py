"""Reminders before pick-up: a periodic job fans out one job per municipality (as volunteers)."""

from core.toolkit import db, enqueue, job, tenants_with_plugin
from plugins.markets import grocery, services

REMIND_EVERY_SECONDS = 900.0


@job("markets.remind")
def remind(payload):
    """Inside one municipality: mail the pick-up reminders and the social grocery's renewal
    notices that are due."""
    services.send_reminders()
    grocery.send_renewal_reminders()
    db.session.flush()


@job("markets.remind_all")
def remind_all(payload):
    """Periodic, with no tenant: one ``markets.remind`` per municipality with the plugin on."""
    for tenant_id in tenants_with_plugin("markets"):
        enqueue("markets.remind", tenant_id, {})
