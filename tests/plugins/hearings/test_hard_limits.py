"""Issue 10 (hardening): the per-account comment limit under concurrency, and guest registration
(rate-limited per address and per e-mail, one answer whether or not the e-mail is registered)."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Comment, Registration
from tests.plugins.hearings.conftest import make_consultation, make_meeting

REDIS_URL = "redis://127.0.0.1:6379/13"


def _count(app, tenant, model, *where) -> int:
    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()
        db.session.remove()
    return n


def test_forty_parallel_comments_against_a_limit_of_twenty(app, world, tenant_client, sign_in, enable_plugin):
    """Issue 10 item 7: the per-account comment limit counted, then inserted, so 22 of 40 parallel
    posts got through a limit of 20; the count and the insert are now serialised per account."""
    enable_plugin(world.tenant, "hearings", {"comments_per_hour": 20})
    c = make_consultation(app, world.tenant)
    clients = [sign_in(tenant_client(world.tenant), world.member) for _ in range(40)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client, n):
        barrier.wait()
        response = client.post(f"/hearings/consultations/{c['id']}/comments", data={"body": f"Comment {n}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(client, n)) for n, client in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [302] * 40  # each answered: the comment, or the message to wait
    assert _count(app, world.tenant, Comment, Comment.consultation_id == c["id"]) == 20
