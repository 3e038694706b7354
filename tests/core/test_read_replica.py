"""Reads from a real streaming replica, with read-your-writes (issue 13 §3).

Two PostgreSQL clusters of this module's own, never the shared one: ``15/rprimary`` on 5441 and
``15/rreplica`` on 5442, made once with ``pg_basebackup -R`` (a hot standby streaming from the
primary) and reused. Lag is simulated by pausing the standby's replay (``pg_wal_replay_pause``).
A file lock keeps two test processes from pausing the replica under each other.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
import uuid

import psycopg
import pytest

from core.testing.pytest_plugin import build_app

VERSION = "15"
PRIMARY, REPLICA = ("rprimary", 5441), ("rreplica", 5442)
PRIMARY_ADMIN = f"postgresql://postgres@127.0.0.1:{PRIMARY[1]}/postgres"
REPLICA_ADMIN = f"postgresql://postgres@127.0.0.1:{REPLICA[1]}/postgres"
LOCK_PATH = "/tmp/sympraxis-replica-clusters.lock"
RETRY_SECONDS = 1.0

pytestmark = pytest.mark.skipif(
    shutil.which("pg_createcluster") is None or shutil.which("pg_basebackup") is None or os.geteuid() != 0,
    reason="needs pg_createcluster, pg_basebackup and root to run PostgreSQL clusters of its own",
)


def _run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True)


def _clusters() -> set[str]:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    return {line.split()[1] for line in listed.splitlines() if line.split()[:1] == [VERSION]}


def _start(name: str) -> None:
    if subprocess.run(["pg_ctlcluster", VERSION, name, "status"], capture_output=True).returncode != 0:
        _run("pg_ctlcluster", VERSION, name, "start")


def _wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _ensure_clusters() -> None:
    """The primary (wal_level=replica, the default, and max_wal_senders) and a standby made from
    it with pg_basebackup -R, both with trust auth on loopback; each created once, then reused."""
    existing = _clusters()
    if PRIMARY[0] not in existing:
        _run("pg_createcluster", VERSION, PRIMARY[0], "--port", str(PRIMARY[1]), "--", "--auth=trust")
        _run("pg_conftool", VERSION, PRIMARY[0], "set", "wal_level", "replica")
        _run("pg_conftool", VERSION, PRIMARY[0], "set", "max_wal_senders", "5")
    _start(PRIMARY[0])
    _wait_until_up(PRIMARY_ADMIN)
    if REPLICA[0] not in existing:
        _run("pg_createcluster", VERSION, REPLICA[0], "--port", str(REPLICA[1]))
        shutil.copy(
            f"/etc/postgresql/{VERSION}/{PRIMARY[0]}/pg_hba.conf", f"/etc/postgresql/{VERSION}/{REPLICA[0]}/"
        )
        data = f"/var/lib/postgresql/{VERSION}/{REPLICA[0]}"
        shutil.rmtree(data)
        _run("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", data)
        _run(
            "runuser", "-u", "postgres", "--", "pg_basebackup", "-h", "127.0.0.1", "-p", str(PRIMARY[1]),
            "-U", "postgres", "-D", data, "-R", "-X", "stream",
        )  # fmt: skip
    _start(REPLICA[0])
    _wait_until_up(REPLICA_ADMIN)
    _replay("resume")  # whatever an interrupted run left paused


def _replay(action: str) -> None:
    with psycopg.connect(REPLICA_ADMIN, autocommit=True) as conn:
        conn.execute(f"SELECT pg_wal_replay_{action}()")


def _wait_for_replica(timeout: float = 30.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    with psycopg.connect(PRIMARY_ADMIN, autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(REPLICA_ADMIN, autocommit=True) as replica:
        while not replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def replica_clusters():
    from core.testing.database import create_test_database, drop_test_database

    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_clusters()
        name = f"sympraxis_replica_{os.getpid()}"
        urls = create_test_database(name, admin_url=PRIMARY_ADMIN)
        urls["replica_app"] = urls["app"].replace(f":{PRIMARY[1]}/", f":{REPLICA[1]}/")
        try:
            yield urls
        finally:
            _replay("resume")
            drop_test_database(name, admin_url=PRIMARY_ADMIN)


@pytest.fixture(scope="module")
def app(replica_clusters, sympraxis_config, tmp_path_factory):
    """The platform on the primary, reading from the replica (the module's own app)."""
    config = {
        **sympraxis_config,
        "SQLALCHEMY_DATABASE_URI": replica_clusters["app"],
        "MIGRATIONS_DATABASE_URI": replica_clusters["owner"],
        "CROSS_TENANT_READ_DATABASE_URI": replica_clusters["reader"],
        "SQLALCHEMY_REPLICA_DATABASE_URI": replica_clusters["replica_app"],
        "REPLICA_PIN_SECONDS": 120,
        "REPLICA_RETRY_SECONDS": RETRY_SECONDS,
        "REPLICA_PIN_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": f"sympraxis-replica-test-{os.getpid()}",
    }
    application = build_app(config, str(tmp_path_factory.mktemp("replica-instance")))
    yield application
    from core import replica

    replica.replica_engine(application).dispose()


@pytest.fixture
def staff_setup(app, tenant_factory, account_factory, access_token, enable_plugin):
    tenant = tenant_factory(plugins=["testplugin"], locales=["el", "en"], locale="el")
    staff = account_factory(memberships={tenant: "staff"})
    return tenant, access_token(staff, tenant)


@pytest.fixture
def three_tokens(staff_setup, account_factory, access_token):
    """The municipality and three tokens, one per API client (a token's writes pin its own reads)."""
    tenant, token = staff_setup
    more = [access_token(account_factory(memberships={tenant: "staff"}), tenant) for _ in range(2)]
    return tenant, token, *more


def _titles(client, token) -> set[str]:
    response = client.get("/api/v1/testplugin/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.data[:300]
    return {note["title"] for note in response.json}


def _post(client, token, title):
    return client.post(
        "/api/v1/testplugin/notes", json={"title": title}, headers={"Authorization": f"Bearer {token}"}
    )


def test_reads_come_from_the_replica_and_a_writer_reads_its_own_writes(app, client_for, three_tokens):
    """A GET of a client that has not written reads from the replica (with replay paused it does
    not see a write that the primary has); the client that wrote sees its write at once, lag or
    not; once the replica has replayed it, both see it, and the writer is back on the replica.
    The tenant walls hold on the replica: another municipality's notes are never listed."""
    tenant, token, reader_token, other_token = three_tokens
    writer, reader = client_for(tenant.primary_host), client_for(tenant.primary_host)
    assert _post(writer, token, "before").status_code == 201
    _wait_for_replica()
    assert "before" in _titles(reader, reader_token)

    _replay("pause")
    try:
        title = f"during-{uuid.uuid4().hex[:8]}"
        assert _post(writer, token, title).status_code == 201
        assert writer.get_cookie("sympraxis_lsn", domain=tenant.primary_host) is not None
        assert title not in _titles(reader, reader_token), "the reader's GET did not come from the replica"
        assert title in _titles(writer, token), "the writer did not read its own write"
        page = writer.get("/testplugin/")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
        assert title not in reader.get("/testplugin/").get_data(as_text=True)
    finally:
        _replay("resume")
    _wait_for_replica()
    assert title in _titles(reader, reader_token)
    assert title in _titles(writer, token)

    # caught up: the writer reads from the replica again (pause, then another client writes)
    _replay("pause")
    try:
        other = client_for(tenant.primary_host)
        assert _post(other, other_token, "unseen").status_code == 201
        assert "unseen" not in _titles(writer, token)
        assert "unseen" in _titles(other, other_token)
    finally:
        _replay("resume")


def test_the_tenant_walls_hold_on_the_replica(
    app, client_for, staff_setup, tenant_factory, account_factory, access_token
):
    """Reads from the replica carry the tenant setting (RLS) like the primary's: one
    municipality's GET never lists another's notes, and a GET that writes sees its write."""
    tenant, token = staff_setup
    other = tenant_factory(plugins=["testplugin"], locales=["el", "en"], locale="el")
    other_token = access_token(account_factory(memberships={other: "staff"}), other)
    assert _post(client_for(other.primary_host), other_token, "theirs").status_code == 201
    assert _post(client_for(tenant.primary_host), token, "ours").status_code == 201
    _wait_for_replica()
    assert _titles(client_for(tenant.primary_host), token) == {"ours"}
    assert _titles(client_for(other.primary_host), other_token) == {"theirs"}


def test_a_new_municipality_is_served_while_the_replica_lags(app, client_for, tenant_factory):
    """Host lookups are cached until the next change is published, so they read from the primary:
    a municipality created (or a domain verified) while the replica lags is served at once, not
    answered 404 from the replica's old rows and cached so."""
    _wait_for_replica()
    _replay("pause")
    try:
        tenant = tenant_factory(locales=["el", "en"], locale="el")
        response = client_for(tenant.primary_host).get("/")
        assert response.status_code == 200, response.data[:300]
    finally:
        _replay("resume")


def test_a_request_that_writes_after_a_host_lookup_keeps_the_tenant_wall(app, staff_setup):
    """A safe request whose host lookup opened the primary's connection before its municipality
    was entered, then wrote: the write carries the municipality (the RLS setting reaches every
    connection of the transaction; it reached only the replica's, and the write was refused)."""
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note

    from core import replica
    from core.db import ReplicaRoute, _replica_route, primary_reads, tenant_context
    from core.extensions import db
    from core.tenancy import Tenant

    tenant, _token = staff_setup
    with app.app_context():
        route = ReplicaRoute(replica.replica_engine(app))
        token = _replica_route.set(route)
        try:
            with primary_reads():
                assert db.session.execute(sa.select(Tenant.id).where(Tenant.id == tenant.id)).scalar()
            with tenant_context(tenant.id):
                assert db.session.execute(sa.select(sa.func.pg_is_in_recovery())).scalar() is True
                db.session.add(Note(title="written in a GET"))
                db.session.flush()
                assert route.pinned and route.wrote
                titles = db.session.execute(sa.select(Note.title)).scalars().all()
        finally:
            _replica_route.reset(token)
            db.session.rollback()
    assert "written in a GET" in titles


def _fresh(client_for, host):
    """A client that keeps no cookie from one request to the next (as most API clients)."""
    return client_for(host)


def test_an_api_token_reads_its_own_writes_without_cookies(app, client_for, three_tokens):
    """A bearer-token client that keeps no cookies: after its write its reads go to the primary
    (a pin under the token's hash in Redis, never the token itself, for REPLICA_PIN_SECONDS)
    until the replica has replayed the write; another token's reads stay on the replica; once
    the replica has caught up, the writer's reads are the replica's again."""
    import hashlib

    import redis

    tenant, writer, reader, other = three_tokens
    host = tenant.primary_host
    _wait_for_replica()  # the tokens themselves are looked up on the replica
    _replay("pause")
    try:
        title = f"api-{uuid.uuid4().hex[:8]}"
        assert _post(_fresh(client_for, host), writer, title).status_code == 201
        assert title in _titles(_fresh(client_for, host), writer), "the token did not read its own write"
        assert title not in _titles(_fresh(client_for, host), reader), (
            "another token's GET was not the replica's"
        )
    finally:
        _replay("resume")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"{app.config['CACHE_KEY_PREFIX']}:replica-pin:{hashlib.sha256(writer.encode()).hexdigest()}"
    assert client.get(key) is not None and 0 < client.ttl(key) <= 120
    assert not [k for k in client.keys(f"{app.config['CACHE_KEY_PREFIX']}:*") if writer.encode() in k]

    _wait_for_replica()
    _replay("pause")
    try:
        assert _post(_fresh(client_for, host), other, "unseen-by-writer").status_code == 201
        assert "unseen-by-writer" not in _titles(_fresh(client_for, host), writer), (
            "the writer's reads did not return to the replica once it had caught up"
        )
    finally:
        _replay("resume")
    client.delete(key)


def _stop_replica() -> None:
    _run("pg_ctlcluster", VERSION, REPLICA[0], "stop", "-m", "fast")


def _start_replica() -> None:
    _start(REPLICA[0])
    _wait_until_up(REPLICA_ADMIN)


def _connect_attempts(engine):
    import sqlalchemy as sa

    attempts = []

    def count(dialect, conn_rec, cargs, cparams):
        attempts.append(time.monotonic())

    sa.event.listen(engine, "do_connect", count)
    return attempts, lambda: sa.event.remove(engine, "do_connect", count)


def test_replica_down_reads_go_to_the_primary_quickly_and_return_when_it_is_back(
    app, client_for, three_tokens, caplog
):
    """The replica stopped: GETs answer 200 from the primary (a note written meanwhile is
    listed), fast; the replica is tried once, then not again until REPLICA_RETRY_SECONDS have
    passed (one probe per window); the outage is logged once. Started again: after the window,
    reads come from the replica again (with its replay paused a new note is not listed), and the
    recovery is logged once."""
    import logging

    from core import replica

    tenant, writer, reader, _other = three_tokens
    host = tenant.primary_host
    _wait_for_replica()
    _titles(_fresh(client_for, host), reader)  # warm: pooled replica connections
    engine = replica.replica_engine(app)
    attempts, stop_counting = _connect_attempts(engine)
    caplog.set_level(logging.WARNING, logger="core.replica")
    _stop_replica()
    try:
        title = f"while-down-{uuid.uuid4().hex[:8]}"
        assert _post(_fresh(client_for, host), writer, title).status_code == 201
        durations = []
        for _ in range(6):
            started = time.monotonic()
            assert title in _titles(_fresh(client_for, host), reader)
            durations.append(time.monotonic() - started)
        assert max(durations) < 1.0, durations
        assert len(attempts) == 1, "the replica was tried again inside the breaker's window"
        time.sleep(RETRY_SECONDS + 0.1)
        assert title in _titles(_fresh(client_for, host), reader)
        assert len(attempts) == 2, "no probe once the window had passed"
        assert title in _titles(_fresh(client_for, host), reader)
        assert len(attempts) == 2
        down = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(down) == 1, [r.getMessage() for r in caplog.records]
    finally:
        _start_replica()
    _wait_for_replica()
    time.sleep(RETRY_SECONDS + 0.1)
    _replay("pause")
    try:
        late = f"after-{uuid.uuid4().hex[:8]}"
        assert _post(_fresh(client_for, host), writer, late).status_code == 201
        assert late not in _titles(_fresh(client_for, host), reader), "reads did not return to the replica"
    finally:
        _replay("resume")
        stop_counting()
    back = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(back) == 1
    assert not replica.replica_breaker(app).down


def test_a_replica_that_does_not_answer_costs_one_connect_timeout_per_window(app, client_for, three_tokens):
    """A replica host that accepts TCP but never answers (a hung server): the first GET waits
    the connect timeout (2 s, libpq's minimum) and is served by the primary; the GETs after it
    inside the window do not wait at all."""
    import socket

    import sqlalchemy as sa

    from core import replica

    tenant, _writer, reader, _other = three_tokens
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # never accept(): the kernel completes the handshake, nobody answers
    port = silent.getsockname()[1]
    url = sa.engine.make_url(app.config["SQLALCHEMY_REPLICA_DATABASE_URI"]).set(port=port)
    hung = sa.create_engine(url, **replica.engine_options(app.config))
    saved = app.extensions[replica._EXTENSION], app.extensions[replica._BREAKER]
    app.extensions[replica._EXTENSION] = hung
    app.extensions[replica._BREAKER] = replica.Breaker(retry_seconds=30)
    try:
        started = time.monotonic()
        assert _titles(_fresh(client_for, tenant.primary_host), reader) is not None
        first = time.monotonic() - started
        assert 1.5 < first < 4.0, first
        started = time.monotonic()
        for _ in range(3):
            _titles(_fresh(client_for, tenant.primary_host), reader)
        assert (time.monotonic() - started) / 3 < 0.5
    finally:
        app.extensions[replica._EXTENSION], app.extensions[replica._BREAKER] = saved
        hung.dispose()
        silent.close()
