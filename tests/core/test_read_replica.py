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


def _titles(client, token) -> set[str]:
    response = client.get("/api/v1/testplugin/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.data[:300]
    return {note["title"] for note in response.json}


def _post(client, token, title):
    return client.post(
        "/api/v1/testplugin/notes", json={"title": title}, headers={"Authorization": f"Bearer {token}"}
    )


def test_reads_come_from_the_replica_and_a_writer_reads_its_own_writes(app, client_for, staff_setup):
    """A GET of a client that has not written reads from the replica (with replay paused it does
    not see a write that the primary has); the client that wrote sees its write at once, lag or
    not; once the replica has replayed it, both see it, and the writer is back on the replica.
    The tenant walls hold on the replica: another municipality's notes are never listed."""
    tenant, token = staff_setup
    writer, reader = client_for(tenant.primary_host), client_for(tenant.primary_host)
    assert _post(writer, token, "before").status_code == 201
    _wait_for_replica()
    assert "before" in _titles(reader, token)

    _replay("pause")
    try:
        title = f"during-{uuid.uuid4().hex[:8]}"
        assert _post(writer, token, title).status_code == 201
        assert writer.get_cookie("sympraxis_lsn", domain=tenant.primary_host) is not None
        assert title not in _titles(reader, token), "the reader's GET did not come from the replica"
        assert title in _titles(writer, token), "the writer did not read its own write"
        page = writer.get("/testplugin/")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
        assert title not in reader.get("/testplugin/").get_data(as_text=True)
    finally:
        _replay("resume")
    _wait_for_replica()
    assert title in _titles(reader, token)
    assert title in _titles(writer, token)

    # caught up: the writer reads from the replica again (pause, then another client writes)
    _replay("pause")
    try:
        other = client_for(tenant.primary_host)
        assert _post(other, token, "unseen").status_code == 201
        assert "unseen" not in _titles(writer, token)
        assert "unseen" in _titles(other, token)
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
