"""Per-municipality usage counters: requests, API calls, mail sent, active accounts, per day.

Counting happens on the request path, so it costs a dict increment there: each process keeps
what it counted and adds it to the shared store at most every ``USAGE_FLUSH_SECONDS`` (at the
end of a request, or of a job), one Redis pipeline for everything pending. The store is Redis
(``USAGE_REDIS_URL``, else ``TENANT_CACHE_REDIS_URL``): one hash per UTC day
(``<prefix>:usage:<day>``, fields ``<tenant_id>:<name>``) and a HyperLogLog of account ids per
municipality and day (``<prefix>:usage:<day>:accounts:<tenant_id>``), kept ``USAGE_KEEP_DAYS``.
Without Redis (the demo, one process) the store is this process's memory.

The periodic job that writes the daily rows the operator sees (``tenants.usage``) reads them
back with :func:`read_day`. Counting never fails a request: Redis down, the pending counts are
kept (bounded) and tried again after ``retry_after`` seconds, the outage logged once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from typing import Any

from flask import Flask, g, request

log = logging.getLogger(__name__)
_EXTENSION = "sympraxis_usage"
#: The counters every municipality has (a plugin may count more names through :func:`count`).
COUNTERS = ("requests", "api_requests", "mail_sent")
_UNCOUNTED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_MAX_PENDING_ACCOUNTS = 50_000


def utc_day(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).date()


class UsageCounters:
    """What this process counted and has not yet added to the store, and the store itself."""

    def __init__(
        self,
        redis_url: str | None = None,
        prefix: str = "sympraxis",
        flush_seconds: float = 1.0,
        keep_days: int = 8,
        timeout: float = 0.2,
        retry_after: float = 5.0,
    ) -> None:
        self.prefix = f"{prefix}:usage:"
        self.flush_seconds = flush_seconds
        self.keep_seconds = max(1, keep_days) * 86400
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int, str], int] = defaultdict(int)
        self._accounts: dict[tuple[str, int], set[int]] = defaultdict(set)
        self._last_flush = time.monotonic()
        self._down_until = 0.0
        self._client = None
        if redis_url:
            import redis

            self._client = redis.Redis.from_url(
                redis_url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
            )
        # the store when there is no Redis: day -> field -> value, and day -> tenant -> accounts
        self._local_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._local_accounts: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))

    @classmethod
    def from_config(cls, config: Any) -> UsageCounters:
        return cls(
            config.get("USAGE_REDIS_URL") or config.get("TENANT_CACHE_REDIS_URL"),
            config.get("CACHE_KEY_PREFIX", "sympraxis"),
            float(config.get("USAGE_FLUSH_SECONDS", 1.0)),
            int(config.get("USAGE_KEEP_DAYS", 8)),
        )

    def count(self, tenant_id: int, name: str, n: int = 1, day: dt.date | None = None) -> None:
        key = ((day or utc_day()).isoformat(), int(tenant_id), name)
        with self._lock:
            self._counts[key] += n

    def active(self, tenant_id: int, account_id: int, day: dt.date | None = None) -> None:
        key = ((day or utc_day()).isoformat(), int(tenant_id))
        with self._lock:
            if len(self._accounts) < _MAX_PENDING_ACCOUNTS:
                self._accounts[key].add(int(account_id))

    def maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> bool:
        """Add what this process counted to the store; False (kept for later) if it failed."""
        with self._lock:
            self._last_flush = time.monotonic()
            counts, self._counts = self._counts, defaultdict(int)
            accounts, self._accounts = self._accounts, defaultdict(set)
        if not counts and not accounts:
            return True
        if self._client is None:
            with self._lock:
                for (day, tenant_id, name), n in counts.items():
                    self._local_counts[day][f"{tenant_id}:{name}"] += n
                for (day, tenant_id), ids in accounts.items():
                    self._local_accounts[day][tenant_id] |= ids
            return True
        if self._down_until > time.monotonic() or not self._write(counts, accounts):
            self._keep(counts, accounts)
            return False
        return True

    def _write(self, counts: dict, accounts: dict) -> bool:
        import redis

        try:
            pipe = self._client.pipeline(transaction=False)
            for day in {d for d, _t, _n in counts} | {d for d, _t in accounts}:
                pipe.expire(self.prefix + day, self.keep_seconds)
            for (day, tenant_id, name), n in counts.items():
                pipe.hincrby(self.prefix + day, f"{tenant_id}:{name}", n)
            for (day, tenant_id), ids in accounts.items():
                key = f"{self.prefix}{day}:accounts:{tenant_id}"
                pipe.pfadd(key, *ids)
                pipe.expire(key, self.keep_seconds)
            pipe.execute()
            if self._down_until:
                self._down_until = 0.0
                log.warning("usage counters: Redis reachable again")
            return True
        except (redis.RedisError, OSError) as exc:
            first = not self._down_until
            self._down_until = time.monotonic() + self.retry_after
            if first:
                log.warning("usage counters: Redis unreachable (%s); counts kept in this process", exc)
            return False

    def _keep(self, counts: dict, accounts: dict) -> None:
        with self._lock:
            if len(self._counts) + len(counts) > _MAX_PENDING_ACCOUNTS:
                return  # a long outage: drop rather than grow without bound
            for key, n in counts.items():
                self._counts[key] += n
            for key, ids in accounts.items():
                self._accounts[key] |= ids

    def read_day(self, day: dt.date) -> dict[int, dict[str, int]]:
        """Every municipality's counters of one day: ``{tenant_id: {"requests": n, …,
        "active_accounts": n}}`` (what the processes have flushed so far)."""
        self.flush()
        key = day.isoformat()
        out: dict[int, dict[str, int]] = defaultdict(dict)
        if self._client is None:
            with self._lock:
                fields = dict(self._local_counts.get(key, {}))
                accounts = {t: len(ids) for t, ids in self._local_accounts.get(key, {}).items()}
        else:
            raw = self._client.hgetall(self.prefix + key)
            fields = {k.decode(): int(v) for k, v in raw.items()}
            tenants = {int(f.split(":", 1)[0]) for f in fields}
            tenants |= {
                int(k.decode().rsplit(":", 1)[1])
                for k in self._client.scan_iter(f"{self.prefix}{key}:accounts:*", count=1000)
            }
            pipe = self._client.pipeline(transaction=False)
            ordered = sorted(tenants)
            for tenant_id in ordered:
                pipe.pfcount(f"{self.prefix}{key}:accounts:{tenant_id}")
            accounts = dict(zip(ordered, pipe.execute(), strict=True))
        for field, value in fields.items():
            tenant_id, name = field.split(":", 1)
            out[int(tenant_id)][name] = value
        for tenant_id, n in accounts.items():
            if n:
                out[int(tenant_id)]["active_accounts"] = n
        return dict(out)


def counters(app: Flask | None = None) -> UsageCounters:
    from flask import current_app

    return (app or current_app).extensions[_EXTENSION]


def count(tenant_id: int | None, name: str, n: int = 1) -> None:
    """Count ``n`` of ``name`` for a municipality today (no-op outside one, or without the app)."""
    from flask import current_app, has_app_context

    if tenant_id is None or not has_app_context() or _EXTENSION not in current_app.extensions:
        return
    from flask import has_request_context

    store = counters()
    store.count(tenant_id, name, n)
    if has_request_context():
        store.maybe_flush()
    else:
        store.flush()  # a job: nothing may come after it in this process for a while


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = UsageCounters.from_config(app.config)
    # core.lifecycle places count_request among the teardown steps


def count_request(_exc: BaseException | None) -> None:
    """One request of the municipality whose host answered (health checks, metrics and static
    files aside), an API call if under /api/, and its signed-in account as active today."""
    from flask import current_app

    from core.tenancy import current_tenant

    try:
        tenant = current_tenant()
        endpoint = request.endpoint or ""
        if (
            tenant is None
            or request.path in _UNCOUNTED_PATHS
            or endpoint == "static"
            or endpoint.endswith(".static")
        ):
            return  # health checks, metrics and static files are not the municipality's use
        store: UsageCounters = current_app.extensions[_EXTENSION]
        store.count(tenant.id, "requests")
        if request.path.startswith("/api/"):
            store.count(tenant.id, "api_requests")
        account_id = _account_id()
        if account_id is not None:
            store.active(tenant.id, account_id)
        store.maybe_flush()
    except Exception:  # counting must never turn an answer into an error
        log.exception("usage counting failed")


def _account_id() -> int | None:
    """The signed-in account's id if Flask-Login loaded it, from the identity map: reading
    ``user.id`` (or ``is_authenticated``) after the request committed would reload the row, from a
    session already removed."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.exc import NoInspectionAvailable

    user = g.get("_login_user")
    if user is None:
        return None
    try:
        identity = sa_inspect(user).identity
    except NoInspectionAvailable:  # the anonymous user
        return None
    return int(identity[0]) if identity else None
