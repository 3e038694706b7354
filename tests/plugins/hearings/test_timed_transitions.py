"""Issue 10, item 10: reads never write; timed transitions happen once, in the periodic job.

Against the test PostgreSQL with real connections: threads share nothing but the database."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.jobs import run_job
from core.testing.pytest_plugin import HostClient
from plugins.hearings.models import Consultation, StatusChange
from tests.plugins.hearings.conftest import make_consultation

READERS = 20
TICKS = 5


def _followers(world, account_factory, tenant_client, sign_in, n=3):
    people = [account_factory(name=f"Follower {i}", memberships={world.tenant: "member"}) for i in range(n)]
    for person in people:
        assert (
            sign_in(tenant_client(world.tenant), person)
            .post("/hearings/follow", data={"follow": "1"})
            .status_code
            == 302
        )
    return people


def _read(client, url, out, barrier):
    barrier.wait()
    response = client.get(url)
    out.append((url, response.status_code, response.get_json() if url.startswith("/api/") else None))


def _tick(app, tenant_id, errors, barrier):
    with app.app_context():
        barrier.wait()
        try:
            run_job("hearings.tick", tenant_id, {})
        except Exception as exc:  # noqa: BLE001  (reported by the test, not swallowed)
            errors.append(exc)


def _run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)


def _state(app, tenant, cid):
    with app.app_context(), tenant_context(tenant.id):
        status = db.session.get(Consultation, (tenant.id, cid)).status
        changes = db.session.execute(
            sa.select(StatusChange.from_status, StatusChange.to_status).where(
                StatusChange.consultation_id == cid
            )
        ).all()
        db.session.remove()
    return status, [tuple(c) for c in changes]


def _opening_mails(mail_outbox, person):
    return [m for m in mail_outbox.to(person.email) if m["Subject"].startswith("Open for comments")]


def test_concurrent_reads_at_the_due_moment_write_nothing_and_the_job_opens_once(
    app, world, account_factory, tenant_client, sign_in, mail_outbox
):
    """Issue 10 item 10: GET requests performed the ``scheduled → open`` transition without a
    lock: 20 concurrent reads of the list when a consultation fell due made 8 transitions and
    mailed each of 3 followers 8 times. Now reads only show the status the dates give, and the
    periodic job (run here 5 times at once, beside 20 more reads) opens it once: one recorded
    transition, one mail per follower."""
    followers = _followers(world, account_factory, tenant_client, sign_in)
    c = make_consultation(app, world.tenant, status="scheduled", opens_in=dt.timedelta(seconds=-1))
    cid = c["id"]
    urls = ["/api/v1/hearings/consultations", "/hearings/", f"/hearings/consultations/{cid}"]
    mail_outbox.clear()

    # 20 concurrent reads at the due moment: each shows "open", none writes
    results: list = []
    barrier = threading.Barrier(READERS)
    _run(
        [
            threading.Thread(target=_read, args=(tenant_client(world.tenant), urls[i % 3], results, barrier))
            for i in range(READERS)
        ]
    )
    assert sorted({code for _u, code, _j in results}) == [200]
    for _url, _code, data in results:
        if data is not None:
            (item,) = [x for x in data if x["id"] == str(cid)]
            assert item["status"] == "open"
    time.sleep(0.3)  # let any mail a read might have sent arrive
    assert _state(app, world.tenant, cid) == ("scheduled", [])
    assert mail_outbox.messages == []

    # reads and 5 periodic jobs at once: exactly one transition, one mail per follower
    results.clear()
    errors: list = []
    barrier = threading.Barrier(READERS + TICKS)
    readers = [
        threading.Thread(target=_read, args=(tenant_client(world.tenant), urls[i % 3], results, barrier))
        for i in range(READERS)
    ]
    ticks = [
        threading.Thread(target=_tick, args=(app, world.tenant.id, errors, barrier)) for _ in range(TICKS)
    ]
    _run(readers + ticks)
    assert errors == []
    assert sorted({code for _u, code, _j in results}) == [200]
    assert _state(app, world.tenant, cid) == ("open", [("scheduled", "open")])
    for person in followers:
        mail_outbox.wait_for(lambda m, p=person: p.email in (m["To"] or ""))
    time.sleep(0.3)
    assert [len(_opening_mails(mail_outbox, p)) for p in followers] == [1, 1, 1]
    # and a later job finds nothing left to do
    _run([threading.Thread(target=_tick, args=(app, world.tenant.id, errors, threading.Barrier(1)))])
    assert errors == [] and _state(app, world.tenant, cid) == ("open", [("scheduled", "open")])


def test_the_list_answers_while_the_broker_is_down(
    make_app, world, account_factory, tenant_client, sign_in, app
):
    """Issue 10 item 10: with the broker down (jobs not inline, nothing listening on its port) the
    consultations list answered 500 every time a consultation fell due, because the read tried to
    queue the followers' mail. Reads queue nothing: list, page and API answer 200, showing "open"."""
    _followers(world, account_factory, tenant_client, sign_in, n=1)
    c = make_consultation(app, world.tenant, status="scheduled", opens_in=dt.timedelta(seconds=-1))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # closed when the block ends: connections are refused
    down = make_app(JOBS_INLINE=False, CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{closed_port}//")
    down.test_client_class = HostClient
    client = down.test_client()
    client.host = world.tenant.primary_host
    for url in ("/hearings/", f"/hearings/consultations/{c['id']}", "/api/v1/hearings/consultations"):
        response = client.get(url)
        assert response.status_code == 200, url
    (item,) = [x for x in client.get("/api/v1/hearings/consultations").json if x["id"] == str(c["id"])]
    assert item["status"] == "open"
    assert '<span class="badge badge-open">' in client.get("/hearings/").get_data(as_text=True)
    assert _state(app, world.tenant, c["id"]) == ("scheduled", [])
