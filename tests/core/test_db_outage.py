"""Database outages, against a PostgreSQL cluster of this test's own (issue 10 items 17 and 18).

The shared PostgreSQL is never stopped: the module creates (once) and runs the cluster
``15/faults`` on port 5499 with ``pg_createcluster``/``pg_ctlcluster``, stops and restarts it.
A file lock keeps two test processes from stopping it under each other.
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
import sqlalchemy as sa

from core.extensions import db
from core.testing.pytest_plugin import build_app

CLUSTER = ("15", "faults")
PORT = 5499
ADMIN_URL = f"postgresql://postgres@127.0.0.1:{PORT}/postgres"
LOCK_PATH = "/tmp/sympraxis-faults-cluster.lock"

pytestmark = pytest.mark.skipif(
    shutil.which("pg_createcluster") is None or os.geteuid() != 0,
    reason="needs pg_createcluster and root to run a PostgreSQL cluster of its own",
)


def _ctl(action: str) -> None:
    args = ["pg_ctlcluster", *CLUSTER, action]
    if action in ("stop", "restart"):
        args += ["-m", "fast"]
    subprocess.run(args, check=True, capture_output=True)


def _is_running() -> bool:
    return subprocess.run(["pg_ctlcluster", *CLUSTER, "status"], capture_output=True).returncode == 0


def _wait_until_up(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(ADMIN_URL, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _ensure_cluster() -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    if not any(line.split()[:2] == list(CLUSTER) for line in listed.splitlines()):
        subprocess.run(
            ["pg_createcluster", *CLUSTER, "--port", str(PORT), "--", "--auth=trust"],
            check=True,
            capture_output=True,
        )
    if not _is_running():
        _ctl("start")
    _wait_until_up()


@pytest.fixture(scope="module")
def faults_cluster():
    from core.testing.database import create_test_database, drop_test_database

    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_cluster()
        name = f"sympraxis_faults_{os.getpid()}"
        urls = create_test_database(name, admin_url=ADMIN_URL)
        try:
            yield urls
        finally:
            if not _is_running():
                _ctl("start")
            _wait_until_up()
            drop_test_database(name, admin_url=ADMIN_URL)


@pytest.fixture(scope="module")
def app(faults_cluster, sympraxis_config, tmp_path_factory):
    """The platform on the faults cluster (the module's own app: every factory uses it)."""
    config = {
        **sympraxis_config,
        "SQLALCHEMY_DATABASE_URI": faults_cluster["app"],
        "MIGRATIONS_DATABASE_URI": faults_cluster["owner"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 4, "max_overflow": 0, "pool_timeout": 5},
        "TESTING": False,  # as deployed: errors go through the handlers, not up to the test
    }
    return build_app(config, str(tmp_path_factory.mktemp("faults-instance")))


@pytest.fixture
def staff_setup(app, tenant_factory, account_factory, access_token, enable_plugin):
    tenant = tenant_factory(plugins=["testplugin"], locales=["el", "bg", "en"], locale="el")
    staff = account_factory(memberships={tenant: "staff"})
    return tenant, access_token(staff, tenant)


def _fill_pool(app, size: int = 4) -> None:
    """Leave ``size`` idle connections in the pool, each having served a transaction."""
    with app.app_context():
        connections = [db.engine.connect() for _ in range(size)]
        for conn in connections:
            conn.execute(sa.text("SELECT 1"))
            conn.rollback()
        for conn in connections:
            conn.close()


def _post_note(client, token, title):
    return client.post(
        "/api/v1/testplugin/notes", json={"title": title}, headers={"Authorization": f"Bearer {token}"}
    )


def test_database_stop_answers_503_and_restart_serves_every_pooled_connection(app, client_for, staff_setup):
    """Issue 10 items 17 and 18: with PostgreSQL stopped, API writes answered 500 (most of them
    gunicorn's bare page) and pages a 500; after a restart the first request on each idle pooled
    connection failed (the raw BEGIN hid the dead connection from the pool).

    Stopped: an API write answers 503 problem+json with Retry-After; a page answers a 503 page in
    the language the request asks for, rendered with no database. Restarted: every request
    succeeds, the first one on each pooled connection included."""
    tenant, token = staff_setup
    client = client_for(tenant.primary_host)
    assert _post_note(client, token, "before").status_code == 201
    assert client.get("/testplugin/").status_code == 200

    _fill_pool(app)
    _ctl("stop")
    try:
        for attempt in range(6):  # each pooled connection, then new connections refused
            response = _post_note(client, token, f"during {attempt}")
            assert response.status_code == 503, response.data[:300]
            assert response.mimetype == "application/problem+json"
            assert response.json["status"] == 503
            assert int(response.headers["Retry-After"]) > 0
        page = client.get("/testplugin/", headers={"Accept-Language": "el"})
        assert page.status_code == 503
        assert page.mimetype == "text/html"
        assert int(page.headers["Retry-After"]) > 0
        text = page.get_data(as_text=True)
        assert 'lang="el"' in text and "βάση δεδομένων" in text  # translated, from the request
        in_bulgarian = client.get("/testplugin/?lang=bg")
        assert in_bulgarian.status_code == 503 and "база данни" in in_bulgarian.get_data(as_text=True)
    finally:
        _ctl("start")
        _wait_until_up()

    # every idle connection of the pool is now dead; each request must still succeed
    statuses = [_post_note(client, token, f"after {i}").status_code for i in range(3)]
    statuses += [client.get("/api/v1/testplugin/notes").status_code for _ in range(3)]
    assert statuses == [201, 201, 201, 200, 200, 200]

    _fill_pool(app)
    _ctl("restart")
    _wait_until_up()
    statuses = [client.get("/testplugin/").status_code for _ in range(3)]
    statuses += [_post_note(client, token, f"restart {i}").status_code for i in range(3)]
    assert statuses == [200, 200, 200, 201, 201, 201]
    titles = {n["title"] for n in client.get("/api/v1/testplugin/notes").json}
    assert {"before", "after 0", "after 2", "restart 2"} <= titles
    assert not any(t.startswith("during") for t in titles)


def test_an_error_escaping_flask_never_reaches_the_server_bare(make_app):
    """Issue 10 item 17: a teardown (or an error handler) that raised escaped the application,
    and gunicorn answered its bare "Internal Server Error" page. The last resort answers instead:
    problem+json on the API, a small page elsewhere, 503 + Retry-After when the database is out."""
    from flask import request

    from core.testing.pytest_plugin import HostClient

    fragile = make_app()
    fragile.config["TESTING"] = False

    @fragile.teardown_request
    def _raise(_exc):
        if request.args.get("boom") == "db":
            raise sa.exc.OperationalError("ROLLBACK", None, psycopg.OperationalError("server closed"))
        if request.args.get("boom"):
            raise RuntimeError("teardown failed")

    fragile.test_client_class = HostClient
    client = fragile.test_client()
    page = client.get(f"/?boom=1&n={uuid.uuid4().hex}")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "try again" in page.get_data(as_text=True)
    api = client.get("/api/v1/me?boom=db")
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"]
