"""The host cache across app servers: a change made through one is seen by the others at once.

Two applications on the same database stand for two app servers (each has its own in-process
host cache); they share a version key in Redis (``TENANT_CACHE_REDIS_URL``).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import DomainKind, TenantDomain, utcnow
from tenants import admin_services, domains

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs the machine's Redis on 6379")


@pytest.fixture
def two_servers(make_app, client_for):
    """Two app servers with a long TTL (60 s) and a version key of their own in Redis."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    config = {"TENANT_CACHE_REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "TENANT_CACHE_TTL": 60.0}
    yield make_app(**config), make_app(**config)
    import redis

    redis.Redis.from_url(REDIS_URL).delete(f"{prefix}:host-cache-version")


def _client(app, host):
    from core.testing.pytest_plugin import HostClient

    app.test_client_class = HostClient
    client = app.test_client()
    client.host = host
    return client


def test_branding_change_on_one_server_is_seen_by_the_other_on_its_next_request(two_servers, tenant_factory):
    """A municipality renamed (branding) through server A shows its new name on server B's very
    next request, although B had the old one cached for a minute."""
    a, b = two_servers
    t = tenant_factory()
    host = f"{t.slug}.localhost"
    on_b = _client(b, host)
    assert on_b.get("/api/v1/tenant").json["name"] == t.name  # cached on B now
    with a.app_context():
        admin_services.update_branding(t.id, "Renamed municipality", "#1d4ed8", None, actor=None)
        db.session.commit()
    assert on_b.get("/api/v1/tenant").json["name"] == "Renamed municipality"


def test_removed_domain_stops_serving_on_the_other_server_at_once(two_servers, tenant_factory):
    """A custom domain removed through server A answers 404 on server B's next request, and one
    verified through A serves on B at once (B had cached the unknown host)."""
    a, b = two_servers
    t = tenant_factory()
    host = f"participate-{uuid.uuid4().hex[:6]}.example.gr"
    on_b = _client(b, host)
    assert on_b.get("/api/v1/tenant").status_code == 404  # the unknown host is cached on B
    with a.app_context(), tenant_context(t.id):
        db.session.add(TenantDomain(host=host, kind=DomainKind.CUSTOM.value, verified_at=utcnow()))
        db.session.flush()
        from core.tenancy import invalidate_tenant_cache

        invalidate_tenant_cache()
        db.session.commit()
    assert on_b.get("/api/v1/tenant").json["slug"] == t.slug
    with a.app_context():
        with tenant_context(t.id):
            domain_id = db.session.execute(
                sa.select(TenantDomain.id).where(TenantDomain.host == host)
            ).scalar_one()
        assert domains.remove(t.id, domain_id)
        db.session.commit()
    assert on_b.get("/api/v1/tenant").status_code == 404


@pytest.fixture
def silent_redis():
    """A socket that accepts connections and never answers: Redis hanging."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_hanging_redis_degrades_to_a_short_ttl(make_app, tenant_factory, silent_redis):
    """With Redis hanging, pages still answer promptly (short timeouts, no retry on every
    request), and a change made through another server shows within the short fallback TTL."""
    config = {
        "TENANT_CACHE_REDIS_URL": silent_redis,
        "TENANT_CACHE_TTL": 60.0,
        "TENANT_CACHE_FALLBACK_TTL": 1.0,
    }
    a, b = make_app(**config), make_app(**config)
    t = tenant_factory()
    on_b = _client(b, f"{t.slug}.localhost")
    started = time.monotonic()
    for _ in range(20):
        assert on_b.get("/api/v1/tenant").status_code == 200
    assert time.monotonic() - started < 2.0, "a hanging Redis must not slow every request"
    with a.app_context():
        admin_services.update_branding(t.id, "Renamed while Redis hangs", "#1d4ed8", None, actor=None)
        db.session.commit()
    deadline = time.monotonic() + 5
    while on_b.get("/api/v1/tenant").json["name"] != "Renamed while Redis hangs":
        assert time.monotonic() < deadline, "the change never showed on the other server"
        time.sleep(0.1)
    assert time.monotonic() - deadline + 5 < 2.5
