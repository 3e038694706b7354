"""Time-driven work (transitions, reminders) reaches every municipality through the schedule."""

import datetime as dt

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.jobs import celery_app, run_job
from plugins.hearings.models import Consultation
from tests.plugins.hearings.conftest import make_consultation


def test_beat_schedule_lists_the_hearings_tick(make_app):
    app = make_app(JOBS_INLINE=False)
    entry = celery_app(app).conf.beat_schedule["hearings.tick_all"]
    assert entry["args"] == ["hearings.tick_all", None, {}]
    assert entry["schedule"] == 300.0


def test_scheduled_tick_opens_due_consultations_in_every_municipality(app, tenant_factory):
    first, second = tenant_factory(plugins=["hearings"]), tenant_factory(plugins=["hearings"])
    due = [
        make_consultation(app, tenant, status="scheduled", opens_in=dt.timedelta(minutes=-5))["id"]
        for tenant in (first, second)
    ]
    later = make_consultation(app, first, status="scheduled", opens_in=dt.timedelta(days=2))["id"]

    with app.app_context():
        run_job("hearings.tick_all", None, {})  # inline: fans out one tick per municipality
        statuses = {}
        for tenant, cid in ((first, due[0]), (second, due[1]), (first, later)):
            with tenant_context(tenant.id):
                statuses[cid] = db.session.execute(
                    sa.select(Consultation.status).where(Consultation.id == cid)
                ).scalar_one()
        db.session.remove()
    assert statuses[due[0]] == "open" and statuses[due[1]] == "open"
    assert statuses[later] == "scheduled"
