"""Request ids, JSON logs and the Prometheus endpoint (issue 13 §2)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from core import observability


def _client(app, host):
    from core.testing.pytest_plugin import HostClient

    app.test_client_class = HostClient
    client = app.test_client()
    client.host = host
    return client


def test_request_id_is_returned_and_shown_on_error_pages(apex_client, tenant_factory, client_for):
    """Every answer carries an X-Request-ID; an error page and a problem document show it, so the
    person reporting an error can quote the key to its log lines."""
    page = apex_client.get("/no-such-page", headers={"Accept-Language": "el"})
    rid = page.headers["X-Request-ID"]
    assert page.status_code == 404
    assert rid in page.get_data(as_text=True)
    assert "κωδικό αναφοράς" in page.get_data(as_text=True)
    t = tenant_factory()
    api = client_for(f"{t.slug}.localhost").get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json["request_id"] == api.headers["X-Request-ID"]
    assert api.headers["X-Request-ID"] != rid
    # the proxy's id is kept (one id from Caddy's log to the app's); a malformed one is replaced
    assert (
        apex_client.get("/healthz", headers={"X-Request-ID": "caddy-0123456789"}).headers["X-Request-ID"]
        == "caddy-0123456789"
    )
    assert (
        apex_client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
        != "<script>"
    )


@pytest.fixture
def json_logs(monkeypatch):
    """What the JSON log handler writes during the test (stderr replaced by a buffer)."""
    buffer = io.StringIO()
    monkeypatch.setattr(observability, "_default_stream", lambda: buffer)
    monkeypatch.setattr(observability, "_json_handler", None)
    yield buffer
    handler = observability._json_handler
    if handler is not None:
        logging.getLogger().removeHandler(handler)


def test_json_log_lines_carry_request_id_tenant_and_hashed_account(
    make_app, json_logs, tenant_factory, account_factory, sign_in
):
    """With LOG_FORMAT=json each request writes one JSON access line with its id, route, status,
    the municipality's slug and the account as a keyed hash (never the id or the email), and
    lines logged during the request carry the same id."""
    app = make_app(LOG_FORMAT="json")
    t = tenant_factory()
    person = account_factory(memberships={t: "member"})
    client = sign_in(_client(app, f"{t.slug}.localhost"), person)
    with app.app_context():
        from flask import current_app

        current_app.logger.info("outside any request")
    response = client.get("/")
    assert response.status_code == 200
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.startswith("{")]
    access = [e for e in lines if e["logger"] == "sympraxis.access" and e.get("path") == "/"]
    assert access, lines
    entry = access[-1]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert entry["tenant"] == t.slug
    assert entry["route"] == "/"
    assert entry["status"] == 200
    assert entry["account"] == observability.account_hash(person.id, app.config["SECRET_KEY"])
    assert str(person.id) != entry["account"] and person.email not in json_logs.getvalue()
    outside = next(e for e in lines if e["msg"] == "outside any request")
    assert "request_id" not in outside


def test_metrics_count_requests_and_answer_only_direct_allowed_scrapers(make_app, tenant_factory):
    """/metrics lists requests by route, status and tenant class (never by slug) to a scraper on
    an allowed address connecting directly; through the proxy (X-Forwarded-For) or from any other
    address it is a plain 404."""
    app = make_app(METRICS_ENABLED=True, METRICS_ALLOWED=["127.0.0.1/32"])
    t = tenant_factory()
    tenant_client = _client(app, f"{t.slug}.localhost")
    for _ in range(3):
        assert tenant_client.get("/api/v1/tenant").status_code == 200
    scraper = _client(app, "10.0.0.5:8000")
    text = scraper.get("/metrics").get_data(as_text=True)
    assert "sympraxis_http_requests_total" in text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("sympraxis_http_requests_total{")
        and 'route="/api/v1/tenant"' in ln
        and 'tenant_class="subdomain"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 3
    assert t.slug not in text
    assert "sympraxis_http_request_duration_seconds_bucket" in text
    assert "sympraxis_db_pool_connections" in text
    via_proxy = scraper.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert via_proxy.status_code == 404
    other = scraper.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 404 and b"sympraxis_" not in other.data


def test_webhook_outcomes_are_counted(make_app):
    """A Stripe webhook with a bad signature is answered 400 and counted as invalid, so an
    operator sees a misconfigured secret (or an attack) on a dashboard, not only in logs."""
    app = make_app(METRICS_ENABLED=True, STRIPE_WEBHOOK_SECRET="whsec_test")
    client = _client(app, "localhost")
    before = client.get("/metrics").get_data(as_text=True)
    r = client.post("/billing/stripe/webhook", data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert r.status_code == 400
    after = client.get("/metrics").get_data(as_text=True)

    def value(text):
        line = next(
            (
                ln
                for ln in text.splitlines()
                if ln.startswith('sympraxis_webhook_events_total{outcome="invalid"')
            ),
            None,
        )
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    assert value(after) == value(before) + 1
