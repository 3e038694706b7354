"""Background jobs: the periodic tick that applies transitions by time and sends the reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.toolkit import (
    enqueue,
    job,
    tenants_with_plugin,
    utcnow,
)
from plugins.hearings.consultations.services import advance_all_due
from plugins.hearings.following.services import send_closing_reminders
from plugins.hearings.registrations.services import send_meeting_reminders


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Everything time makes due in the current tenant: transitions, closing and meeting reminders."""
    now = now or utcnow()
    return {
        "transitions": advance_all_due(now),
        "closing_reminders": send_closing_reminders(now),
        "meeting_reminders": send_meeting_reminders(now),
    }


@job("hearings.tick")
def tick_job(payload: dict[str, Any]) -> None:
    tick()


@job("hearings.tick_all")
def tick_all_job(payload: dict[str, Any]) -> None:
    """Scheduled (celery beat): one ``hearings.tick`` job per municipality with the plugin on."""
    for tenant_id in tenants_with_plugin("hearings"):
        enqueue("hearings.tick", tenant_id, {})
