"""The production topology, run for real: Caddy, two gunicorn app servers, a Celery worker and
beat on RabbitMQ, PostgreSQL and Redis (``make stack-test``; issue 13 §1)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from deploy import stack as stack_module
from tests.stack.client import APEX, Browser

# --- helpers: data made through the services, as an operator's command would ------------------


def make_tenant(stack_app, plugins=(), custom_domains=(), dns=None):
    """A municipality (with custom domains: ``(host, verified)``) and a staff account; committed.

    A verified domain goes through the real claim → TXT record → verification steps, its record
    served by the stack's DNS server (``dns``) so the periodic re-check keeps it verified."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db
    from core.tenancy import invalidate_tenant_cache
    from core.tenant_admin import NewTenant, create_tenant
    from tenants import domains

    slug = f"s{uuid.uuid4().hex[:8]}"
    email = f"staff-{slug}@example.org"
    with stack_app.app_context():
        tenant = create_tenant(
            NewTenant(slug=slug, name=f"Municipality {slug}", country="GR", default_locale="en",
                      locales=["en", "el"], plugins=list(plugins))
        )  # fmt: skip
        for host, verified in custom_domains:
            claim = domains.add_domain(tenant.id, host)
            if verified:
                dns.records[domains.challenge_name(host)] = [domains.challenge_value(claim)]
                _domain, found = domains.verify(tenant.id, claim.id)
                assert found, host
        account = create_account(email, "correct horse battery", "Staff Person", verified=True)
        join_tenant(account, tenant.id, "staff")
        invalidate_tenant_cache()
        db.session.commit()
        info = {"id": tenant.id, "slug": slug, "name": tenant.name, "host": f"{slug}.{APEX}",
                "email": email, "account_id": account.id}  # fmt: skip
        db.session.remove()
    return info


def token_for(stack_app, tenant):
    from core.accounts.models import Account
    from core.accounts.services.tokens import create_access_token
    from core.extensions import db

    with stack_app.app_context():
        _token, secret = create_access_token(
            db.session.get(Account, tenant["account_id"]), "stack test", tenant["id"]
        )
        db.session.commit()
        db.session.remove()
    return secret


def handshake(stack, host: str) -> None:
    """A TLS handshake with ``host`` as SNI, verified against Caddy's internal CA."""
    ctx = ssl.create_default_context(cafile=stack.ca_cert)
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=15) as raw,
        ctx.wrap_socket(raw, server_hostname=host),
    ):
        pass


# --- TLS on demand ----------------------------------------------------------------------------


def test_verified_custom_domain_gets_a_certificate_and_its_pages(stack, stack_app, stack_dns, browser):
    """A municipality's verified custom domain is issued a certificate on its first visit and
    serves that municipality's pages; the platform host and subdomains use the wildcard."""
    host = f"participate-{uuid.uuid4().hex[:6]}.example.gr"
    t = make_tenant(stack_app, custom_domains=[(host, True)], dns=stack_dns[0])
    handshake(stack, host)
    page = browser(host).get("/api/v1/tenant")
    assert page.status == 200
    assert page.json()["slug"] == t["slug"]
    assert browser(t["host"]).get("/api/v1/tenant").json()["slug"] == t["slug"]
    assert browser(APEX).get("/healthz").status == 200


@pytest.mark.parametrize("verified", [False, None], ids=["unverified", "unknown"])
def test_unverified_or_unknown_domain_gets_no_certificate_and_no_page(stack, stack_app, browser, verified):
    """A custom domain not (yet) verified, or one nobody registered, gets no certificate: the TLS
    handshake fails, so no page of any municipality is shown on it."""
    host = f"pending-{uuid.uuid4().hex[:6]}.example.bg"
    if verified is not None:
        make_tenant(stack_app, custom_domains=[(host, verified)])
    with pytest.raises(ssl.SSLError):
        handshake(stack, host)
    with pytest.raises(ssl.SSLError):
        browser(host).get("/")


# --- stateless app servers --------------------------------------------------------------------


def test_sign_in_on_one_app_server_and_continue_on_the_other(stack, stack_app):
    """A person signed in through app server A stays signed in when the next request lands on
    server B (no sticky sessions): both sign with the stack's one secret key."""
    t = make_tenant(stack_app)
    a, b = stack.app_ports
    person = Browser(stack, APEX)
    form = person.get("/auth/signin", via=a)
    assert form.status == 200
    signed_in = person.post_form(
        "/auth/signin",
        {"csrf_token": Browser.csrf(form), "email": t["email"], "password": "correct horse battery"},
        via=a,
    )
    assert signed_in.status == 302, signed_in.text[:500]
    account = person.get("/account", via=b)
    assert account.status == 200
    assert t["email"] in account.text
    anonymous = Browser(stack, APEX).get("/account", via=b)
    assert anonymous.status == 302  # the page really needs the session


def test_branding_domain_and_plugin_changes_are_seen_by_every_server_on_the_next_request(stack, stack_app):
    """A change made through one process (rename, a new verified domain, a plugin switched on)
    shows on both app servers at their very next request, though both had the municipality cached
    (the cache's TTL on the stack is a minute; Redis carries the change)."""
    from core.db import tenant_context
    from core.extensions import db
    from core.plugin_state import enable_plugin
    from core.tenancy import DomainKind, TenantDomain, invalidate_tenant_cache, utcnow
    from tenants import admin_services

    t = make_tenant(stack_app)
    new_host = f"new-{uuid.uuid4().hex[:6]}.example.ro"
    servers = stack.app_ports
    for port in servers:  # warm both caches, the unknown host too
        assert Browser(stack, t["host"]).get("/api/v1/tenant", via=port).json()["name"] == t["name"]
        assert Browser(stack, new_host).get("/api/v1/tenant", via=port).status == 404
        assert Browser(stack, t["host"]).get("/api/v1/testplugin/notes", via=port).status == 404
    with stack_app.app_context():
        admin_services.update_branding(t["id"], "Renamed on one server", "#1d4ed8", None, actor=None)
        with tenant_context(t["id"]):
            db.session.add(TenantDomain(host=new_host, kind=DomainKind.CUSTOM.value, verified_at=utcnow()))
            db.session.flush()
        invalidate_tenant_cache()
        enable_plugin(t["id"], "testplugin")
        db.session.commit()
        db.session.remove()
    for port in servers:
        assert (
            Browser(stack, t["host"]).get("/api/v1/tenant", via=port).json()["name"]
            == "Renamed on one server"
        )
        assert Browser(stack, new_host).get("/api/v1/tenant", via=port).json()["slug"] == t["slug"]
        assert Browser(stack, t["host"]).get("/api/v1/testplugin/notes", via=port).status == 200


# --- the proxy buffers clients ----------------------------------------------------------------


def _slow_clients(count: int, connect) -> list[socket.socket]:
    """``count`` connections that send the start of a request and never finish its headers."""
    held = []
    for _ in range(count):
        sock = connect()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + APEX.encode() + b"\r\nX-Slow: ")
        held.append(sock)
    return held


def test_twenty_slow_clients_do_not_delay_anyone_else(stack, browser):
    """20 clients holding their headers open at the proxy do not delay other people's pages;
    the same 20 straight at an app server (no proxy) would hold all its threads."""
    ctx = ssl.create_default_context(cafile=stack.ca_cert)

    def via_caddy():
        raw = socket.create_connection(("127.0.0.1", stack.https_port), timeout=10)
        return ctx.wrap_socket(raw, server_hostname=APEX)

    held = _slow_clients(20, via_caddy)
    try:
        durations = []
        for _ in range(10):
            started = time.monotonic()
            assert browser(APEX).get("/healthz").status == 200
            durations.append(time.monotonic() - started)
        assert max(durations) < 1.0, durations
    finally:
        for sock in held:
            sock.close()

    # the control: without the proxy, the same clients starve the server
    port = stack.app_ports[0]
    held = _slow_clients(20, lambda: socket.create_connection(("127.0.0.1", port), timeout=10))
    try:
        with pytest.raises(TimeoutError):
            Browser(stack, APEX, timeout=3).get("/healthz", via=port)
    finally:
        for sock in held:
            sock.close()
    stack_module.wait_http(port, "/healthz")


# --- a server dies under load -----------------------------------------------------------------


def test_app_server_killed_mid_load_no_acknowledged_write_lost(stack, stack_app, browser):
    """An app server killed (SIGKILL) while notes are being written through the proxy: every
    write the client saw acknowledged (201) is in the database, the few failures fall within the
    proxy's failover window, and after it the proxy sends everything to the survivor."""
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context
    from core.extensions import db
    from core.plugin_state import set_plugin_settings

    t = make_tenant(stack_app, plugins=["testplugin"])
    with stack_app.app_context():
        set_plugin_settings(t["id"], "testplugin", {"max_notes": 1000})  # room for all 240 writes
        db.session.commit()
        db.session.remove()
    auth = {"Authorization": f"Bearer {token_for(stack_app, t)}", "Content-Type": "application/json"}
    acknowledged: list[str] = []
    failed: list[tuple[float, int]] = []
    killed_at: list[float] = []
    lock = threading.Lock()
    counter = iter(range(10**6))

    def writer() -> None:
        client = Browser(stack, t["host"])
        while True:
            with lock:
                n = next(counter)
            if n >= 240:
                return
            body = json.dumps({"title": f"note {n}", "body": "x"}).encode()
            try:
                r = client.request("POST", "/api/v1/testplugin/notes", body=body, headers=auth)
                status = r.status
            except OSError:
                status = 0
            with lock:
                if status == 201:
                    acknowledged.append(r.json()["id"])
                else:
                    failed.append((time.monotonic(), status))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for th in threads:
        th.start()
    while len(acknowledged) < 60 and any(th.is_alive() for th in threads):
        time.sleep(0.02)
    assert len(acknowledged) >= 60, failed[:5]  # writes go through before the kill
    stack_module.kill_app_server(stack, 0)
    killed_at.append(time.monotonic())
    for th in threads:
        th.join()
    try:
        assert len(acknowledged) + len(failed) == 240
        # What fails is what the kill cut off: each writer's request in flight on the dead server,
        # and at most one more each that dialed it before Caddy marked it down; 502, never the
        # 503 of a survivor marked down too (a write is not retried: deploy/Caddyfile), and all
        # at the kill. What must never happen (an acknowledged write lost) is asserted below.
        assert len(failed) <= 2 * len(threads), failed
        assert all(status == 502 for _when, status in failed), failed
        assert all(when - killed_at[0] < 2.0 for when, _status in failed), failed
        with stack_app.app_context(), tenant_context(t["id"]):
            stored = {str(i) for i in db.session.execute(sa.select(Note.id)).scalars()}
            db.session.remove()
        assert set(acknowledged) <= stored
    finally:
        stack_module.start_app_server(stack, 0)


def test_a_write_sent_to_a_server_that_just_died_does_not_take_the_survivor_down(stack, stack_app):
    """Caddy 2.6 cannot resend a request body after a failed dial (Go's transport has closed it),
    so retrying a POST on the other server fails there ("invalid Read on closed Body") and counts
    as that server's failure: with both marked down, every write got 503 for seconds. Requests with
    a body are therefore not retried (deploy/Caddyfile): a POST that dials the dead server fails
    alone (502), and the ones after it go to the survivor."""
    from core.extensions import db
    from core.plugin_state import set_plugin_settings

    t = make_tenant(stack_app, plugins=["testplugin"])
    with stack_app.app_context():
        set_plugin_settings(t["id"], "testplugin", {"max_notes": 1000})
        db.session.commit()
        db.session.remove()
    auth = {"Authorization": f"Bearer {token_for(stack_app, t)}", "Content-Type": "application/json"}
    client = Browser(stack, t["host"])
    for n in range(4):  # served before the kill
        r = client.request(
            "POST", "/api/v1/testplugin/notes", body=json.dumps({"title": f"w{n}"}).encode(), headers=auth
        )
        assert r.status == 201
    stack_module.kill_app_server(stack, 0)
    statuses = []
    try:
        for n in range(20):
            try:
                r = client.request(
                    "POST",
                    "/api/v1/testplugin/notes",
                    body=json.dumps({"title": f"after {n}"}).encode(),
                    headers=auth,
                )
                statuses.append(r.status)
            except OSError:
                statuses.append(0)
    finally:
        stack_module.start_app_server(stack, 0)
    assert statuses.count(201) >= 19, statuses  # (it was [201, 502, 503, 503, …] before)
    assert all(s in (201, 502) for s in statuses), statuses


# --- jobs through the real worker -------------------------------------------------------------


def test_mail_waits_in_rabbitmq_while_the_worker_is_down_and_goes_out_through_it(
    stack, stack_app, mail_outbox
):
    """A password reset asked for while the worker is stopped is not lost: the job waits in
    RabbitMQ, and the worker sends the mail once it is back (app servers never send mail)."""
    t = make_tenant(stack_app)
    state = stack_module.load_state(stack)
    stack_module.stop_process(state["processes"]["worker"]["pid"])
    try:
        person = Browser(stack, APEX)
        form = person.get("/auth/reset")
        done = person.post_form("/auth/reset", {"csrf_token": Browser.csrf(form), "email": t["email"]})
        assert done.status == 200
        time.sleep(2)
        assert mail_outbox.to(t["email"]) == []
    finally:
        env = stack_module.environment(stack, stack_module.database_urls(stack, create=False))
        st = stack_module.load_state(stack)
        stack_module.start(
            stack, st, "worker", st["processes"]["worker"]["argv"], stack_module.worker_env(stack, env)
        )
    mail = mail_outbox.wait_for(lambda m: t["email"] in (m["To"] or ""), timeout=60)
    assert "/auth/reset/" in mail_outbox.body(mail)


def test_meeting_reminders_go_out_through_beat_and_the_worker(stack, stack_app, mail_outbox):
    """Beat schedules the hearings tick, the worker runs it in each municipality, and the person
    registered for tomorrow's meeting gets the reminder mail, with no one running a command."""
    from core.accounts.models import Account
    from core.db import tenant_context
    from core.extensions import db
    from core.tenancy import utcnow
    from plugins.hearings.meetings.services import save_meeting
    from plugins.hearings.registrations.services import Registrant, register

    t = make_tenant(stack_app, plugins=["hearings"])
    with stack_app.app_context(), tenant_context(t["id"]):
        now = utcnow()
        meeting = save_meeting(
            None, kind="workshop", title=f"Workshop {t['slug']}", description="",
            starts_at=now + dt.timedelta(hours=20), ends_at=now + dt.timedelta(hours=22),
            place="Town hall", online_url="", capacity=10, registration_opens_at=None,
            registration_closes_at=None, agenda="1. Welcome",
        )  # fmt: skip
        account = db.session.get(Account, t["account_id"])
        register([meeting.id], Registrant(name="Staff Person", email=t["email"], account=account))
        db.session.commit()
        db.session.remove()
    reminder = mail_outbox.wait_for(
        lambda m: (m["Subject"] or "") == f"Reminder: Workshop {t['slug']}", timeout=60
    )
    assert t["email"] in reminder["To"]


def test_pages_reach_the_browser_compressed_and_revalidate_through_the_proxy(stack, stack_app, browser):
    """Through Caddy a browser that accepts gzip gets a municipality's page compressed: rendered
    by the app and compressed by the proxy, or a page cache hit the app stored compressed, which
    the proxy passes on as it is (compressed once, not twice); the page's ETag still answers 304."""
    import gzip

    t = make_tenant(stack_app, plugins=["hearings"])
    reader = browser(t["host"])
    accept = {"Accept-Encoding": "gzip"}
    plain = reader.get("/")
    assert plain.status == 200 and "Content-Encoding" not in plain.headers
    assert t["name"] in plain.text
    for _ in range(3):  # rendered, then (page cache on) a hit
        packed = reader.get("/", headers=accept)
        assert packed.status == 200 and packed.headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(packed.body).decode()
        assert t["name"] in page and page.count("<html") == 1  # compressed once
        assert len(packed.body) < len(plain.body) / 2
    # the page's ETag answers 304 through the proxy. A job of the new municipality's (its billing
    # sync, a tick that does change a row) may change the page between two requests: then the
    # 200 must carry another ETag, and the next try revalidates
    answers = []
    for _ in range(5):
        etag = reader.get("/", headers=accept).headers["ETag"]
        again = reader.get("/", headers={**accept, "If-None-Match": etag})
        answers.append((etag, again.status, again.headers.get("ETag")))
        if again.status == 304:
            assert again.body == b""
            break
        assert again.status == 200 and again.headers["ETag"] != etag, answers
        time.sleep(1)
    assert answers[-1][1] == 304, answers
    # a page never cached (it carries a CSRF token) is compressed by the proxy
    form = browser(APEX).get("/auth/signin", headers=accept)
    assert form.status == 200 and form.headers["Content-Encoding"] in ("gzip", "zstd")
    assert 'name="csrf_token"' in gzip.decompress(form.body).decode()


# --- operating it -----------------------------------------------------------------------------


def test_request_id_links_the_proxy_response_to_the_app_servers_json_log(stack, browser):
    """The X-Request-ID Caddy returns is the one in the app server's JSON access line, beside
    the municipality's slug: an operator goes from a user's report straight to the log line."""
    response = browser(APEX).get(f"/no-such-page-{uuid.uuid4().hex[:6]}")
    assert response.status == 404
    rid = response.headers["X-Request-ID"]
    assert rid in response.text  # shown on the error page
    deadline = time.monotonic() + 5
    while True:
        lines = []
        for port in stack.app_ports:
            with open(stack.path("logs", f"app-{port}.log"), errors="replace") as f:
                lines += [json.loads(ln) for ln in f if ln.startswith("{") and rid in ln]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    access = [e for e in lines if e["logger"] == "sympraxis.access"]
    assert access and access[0]["status"] == 404 and access[0]["request_id"] == rid


def test_metrics_per_app_server_and_never_through_the_proxy(stack, stack_app, browser):
    """Each app server serves /metrics (every gunicorn worker's counts, multiprocess mode) to a
    scraper on loopback; through Caddy /metrics is a 404; the worker serves its job counts."""
    t = make_tenant(stack_app)
    for _ in range(4):
        assert browser(t["host"]).get("/api/v1/tenant").status == 200
    assert browser(APEX).get("/metrics").status == 404
    assert browser(t["host"]).get("/metrics").status == 404
    total = 0.0
    for port in stack.app_ports:
        page = Browser(stack, f"127.0.0.1:{port}").get("/metrics", via=port)
        assert page.status == 200
        for line in page.text.splitlines():
            if line.startswith("sympraxis_http_requests_total{") and 'route="/api/v1/tenant"' in line:
                total += float(line.rsplit(" ", 1)[1])
    assert total >= 4
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{stack.worker_metrics_port}/", timeout=5) as r:
        worker_metrics = r.read().decode()
    assert 'sympraxis_jobs_total{job="core.send_mail",outcome="success"}' in worker_metrics
