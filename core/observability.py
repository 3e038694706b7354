"""Operating the platform: request ids, structured JSON logs and Prometheus metrics (DESIGN §8).

- Every request gets an id: the proxy's ``X-Request-ID`` when it sent a well-formed one, else a new
  one. It is returned in the response header, shown on error pages and in problem documents, and
  carried by every log line of the request, so a person reporting an error hands over the key to
  its logs.
- ``LOG_FORMAT = "json"``: one JSON object per line on stderr (``ts``, ``level``, ``logger``,
  ``msg``, ``request_id``, ``tenant`` (the slug), ``account`` (a keyed hash of the account id:
  the logs can follow one person without holding who they are), and one access line per request.
- ``METRICS_ENABLED``: counters and histograms through ``prometheus-client`` (multiprocess mode
  when ``PROMETHEUS_MULTIPROC_DIR`` is set, as under gunicorn), served at ``/metrics`` only to
  ``METRICS_ALLOWED`` addresses connecting directly (never through the proxy).

Metric labels are bounded: the route's rule (not the path), the status, and the tenant *class*
(``apex``, ``subdomain``, ``custom``: never the slug, which would make one series per
municipality per route).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_ENV_ID = "sympraxis.request_id"
_ENV_ROUTE = "sympraxis.route"
_ENV_CLASS = "sympraxis.tenant_class"
_ENV_TENANT = "sympraxis.tenant"
_ENV_ACCOUNT = "sympraxis.account"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
access_log = logging.getLogger("sympraxis.access")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if has_request_context():
        return request.environ.get(_ENV_ID)
    return None


def account_hash(account_id: Any, key: str) -> str:
    """A keyed hash of an account id: stable in the logs, meaningless without the secret key."""
    return hmac.new(key.encode(), str(account_id).encode(), hashlib.sha256).hexdigest()[:16]


# --- metrics ----------------------------------------------------------------------------------


class Metrics:
    """The platform's metrics, created once per process (prometheus-client keeps one registry)."""

    _instance: Metrics | None = None

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.requests = Counter(
            "sympraxis_http_requests_total", "HTTP requests", ["method", "route", "status", "tenant_class"]
        )
        self.latency = Histogram(
            "sympraxis_http_request_duration_seconds",
            "Time to the response's first byte",
            ["route", "tenant_class"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.db_pool = Gauge(
            "sympraxis_db_pool_connections",
            "Database connections of the app's pool, by state",
            ["state"],
            multiprocess_mode="livesum",
        )
        self.jobs = Counter("sympraxis_jobs_total", "Background jobs run, by outcome", ["job", "outcome"])
        self.queue_depth = Gauge(
            "sympraxis_job_queue_depth", "Jobs waiting in the broker's queue", multiprocess_mode="liveall"
        )
        self.webhooks = Counter(
            "sympraxis_webhook_events_total", "Webhook events by outcome", ["provider", "outcome"]
        )
        self.replica_outages = Counter(
            "sympraxis_replica_outages_total", "Times the read replica was found unreachable"
        )
        self.replica_fallbacks = Counter(
            "sympraxis_replica_fallbacks_total",
            "Reads the replica should have served, served by the primary (replica down or busy)",
            ["reason"],
        )

    @classmethod
    def get(cls) -> Metrics:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance


def metrics_enabled(app: Flask) -> bool:
    return bool(app.config.get("METRICS_ENABLED"))


def count_webhook(provider: str, outcome: str) -> None:
    """Record a webhook's outcome (``stored``, ``duplicate``, ``invalid``…), when metrics are on."""
    from flask import current_app

    if metrics_enabled(current_app):
        Metrics.get().webhooks.labels(provider, str(outcome)).inc()


def render_metrics(app: Flask) -> bytes:
    """The exposition text: every process's values in multiprocess mode, else this process's."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    _sample_queue_depth(app)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def _sample_queue_depth(app: Flask) -> None:
    """Messages waiting in the Celery queue, read from the broker at scrape time (short timeout)."""
    if app.config.get("JOBS_INLINE", True):
        return
    try:
        from kombu import Connection

        with Connection(app.config["CELERY_BROKER_URL"], connect_timeout=1) as conn:
            _name, depth, _consumers = conn.default_channel.queue_declare("celery", passive=True)
        Metrics.get().queue_depth.set(depth)
    except Exception:  # the broker down or the queue not yet declared: no sample, no error
        app.logger.warning("could not read the job queue depth", exc_info=True)


def _allowed_networks(app: Flask) -> list[Any]:
    return [ipaddress.ip_network(n, strict=False) for n in app.config.get("METRICS_ALLOWED") or ()]


def _metrics_allowed(environ: dict[str, Any], networks: list[Any]) -> bool:
    """Only a scraper connecting directly from an allowed address: a request that came through
    the proxy (it carries X-Forwarded-For) is a visitor's, whoever the proxy's address is."""
    if environ.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in net for net in networks)


class Observed:
    """WSGI middleware (outermost): request id, access log line, request metrics, ``/metrics``."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.metrics = Metrics.get() if metrics_enabled(app) else None
        self.networks = _allowed_networks(app)
        self.log_access = app.config.get("LOG_FORMAT") == "json"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        environ[_ENV_ID] = rid
        if environ.get("PATH_INFO") == "/metrics" and self.metrics is not None:
            return self._serve_metrics(environ, start_response)
        started = time.perf_counter()
        status_holder: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status_holder.append(status)
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, start)
        if self.metrics is not None or self.log_access:
            self._record(
                environ, status_holder[0][:3] if status_holder else "500", time.perf_counter() - started
            )
        return result

    def _record(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        route = environ.get(_ENV_ROUTE, "unmatched")
        tenant_class = environ.get(_ENV_CLASS, "none")
        if self.metrics is not None:
            self.metrics.requests.labels(environ.get("REQUEST_METHOD", ""), route, status, tenant_class).inc()
            self.metrics.latency.labels(route, tenant_class).observe(seconds)
            pool = environ.get("sympraxis.pool")
            if pool is not None:
                self.metrics.db_pool.labels("checked_out").set(pool[0])
                self.metrics.db_pool.labels("idle").set(pool[1])
        if self.log_access:
            access_log.info(
                "%s %s %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                status,
                extra={
                    "request_id": environ.get(_ENV_ID),
                    "tenant": environ.get(_ENV_TENANT),
                    "account": environ.get(_ENV_ACCOUNT),
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "route": route,
                    "status": int(status) if status.isdigit() else status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )

    def _serve_metrics(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not _metrics_allowed(environ, self.networks):
            start_response(
                "404 NOT FOUND", [("Content-Type", "text/plain"), (REQUEST_ID_HEADER, environ[_ENV_ID])]
            )
            return [b"not found\n"]
        from prometheus_client import CONTENT_TYPE_LATEST

        body = render_metrics(self.app)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]


# --- logs -------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the request's id, tenant and hashed account when in a request."""

    FIELDS = ("request_id", "tenant", "account", "method", "path", "route", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in self.FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]


class RequestContextFilter(logging.Filter):
    """Adds the current request's id, tenant slug and hashed account to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and getattr(record, "request_id", None) is None:
            record.request_id = request.environ.get(_ENV_ID)
            tenant = g.get("tenant")
            record.tenant = tenant.slug if tenant is not None else None
            record.account = _account_of_request()
        return True


def _account_of_request() -> str | None:
    """The signed-in account's hash, if Flask-Login already loaded it (never loads it here)."""
    from flask import current_app
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.exc import NoInspectionAvailable

    user = g.get("_login_user")
    if user is None:
        return None
    try:  # the key from the identity map: reading user.id after a commit would reload the row
        identity = sa_inspect(user).identity
    except NoInspectionAvailable:  # the anonymous user
        return None
    if not identity:
        return None
    return account_hash(identity[0], current_app.config["SECRET_KEY"])


_json_handler: logging.Handler | None = None


def _default_stream() -> Any:
    return sys.stderr


def configure_logging(app: Flask, stream: Any = None) -> logging.Handler:
    """JSON lines on ``stream`` (stderr) for the root logger, once per process; returns the handler."""
    global _json_handler
    if _json_handler is not None and stream is None:
        return _json_handler
    handler = logging.StreamHandler(stream or _default_stream())
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    if stream is None:
        for existing in list(root.handlers):
            root.removeHandler(existing)
        _json_handler = handler
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Flask's own handler would print every app.logger line a second time, unformatted
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.logger.propagate = True
    return handler


# --- wiring -----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """JSON logs when ``LOG_FORMAT`` is ``json`` (the middleware, :class:`Observed`, and the hooks
    below are placed by core.lifecycle)."""
    if app.config.get("LOG_FORMAT") == "json":
        configure_logging(app)


def label_request() -> None:
    """before_request, after tenant resolution: the route and tenant for the access line and metrics."""
    from flask import current_app

    environ = request.environ
    environ[_ENV_ROUTE] = request.url_rule.rule if request.url_rule is not None else "unmatched"
    tenant = g.get("tenant")
    if tenant is None:
        environ[_ENV_CLASS] = "apex"
    else:
        environ[_ENV_TENANT] = tenant.slug
        apex = current_app.config["PLATFORM_APEX"]
        environ[_ENV_CLASS] = "subdomain" if tenant.host.endswith("." + apex) else "custom"


def note_account(_exc: BaseException | None) -> None:
    """teardown_request: the account (a keyed hash) and the pool use, for the access line."""
    from flask import current_app

    try:
        _note(request.environ, metrics_enabled(current_app))
    except Exception:  # bookkeeping for logs and metrics never turns an answer into an error
        current_app.logger.exception("could not note the request's account and pool use")


def _note(environ: dict, want_pool: bool) -> None:
    account = _account_of_request()
    if account:
        environ[_ENV_ACCOUNT] = account
    if want_pool:
        from core.extensions import db

        pool = db.engine.pool
        checkedout = getattr(pool, "checkedout", None)
        if checkedout is not None:
            environ["sympraxis.pool"] = (checkedout(), pool.checkedin())
