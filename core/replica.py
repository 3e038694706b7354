"""Reads from a PostgreSQL streaming replica, with read-your-writes (issue 13 §3).

With ``SQLALCHEMY_REPLICA_DATABASE_URI`` (the application role on the replica), a safe request
(GET, HEAD) reads from the replica: its SELECTs go to the replica's engine (core.db's session),
the tenant setting is written into that transaction as into the primary's, and the first
statement that writes (a flush, DML, raw SQL, a row lock) pins the rest of the request to the
primary.

Read-your-writes: a request that may have written (any other method, or a GET that wrote)
notes the primary's WAL position after it (``pg_current_wal_lsn()``), valid
``REPLICA_PIN_SECONDS``: in a cookie for browsers, and, for a request authenticated by a bearer
token (API clients that keep no cookies), under the token's hash in Redis (:class:`WritePins`).
A safe request bearing either reads from the replica only once the replica has replayed that far
(``pg_last_wal_replay_lsn() >= lsn``), from the primary until then; when the window ends the
replica is used again, whatever its lag. Host lookups, cached beyond the request, always read
from the primary (core.tenancy). Without the setting nothing changes.

A replica that is down costs reads nothing but the primary's CPU: connecting to it times out
after ``REPLICA_CONNECT_TIMEOUT`` seconds (libpq's minimum, 2, for a host that does not answer;
at once when it refuses), the request reads from the primary instead, and :class:`Breaker`
remembers the failure for ``REPLICA_RETRY_SECONDS``, during which no request tries the replica;
then one request tries it again. The outage is logged once when it starts and once when it ends,
and counted (``sympraxis_replica_outages_total``, ``sympraxis_replica_fallbacks_total``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from core.db import ReplicaRoute, _replica_route, instrument_engine

LSN_COOKIE = "sympraxis_lsn"
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
_SAFE = frozenset({"GET", "HEAD"})
_EXTENSION = "sympraxis_read_replica"
_BREAKER = "sympraxis_read_replica_breaker"
_PINS = "sympraxis_read_replica_pins"
_TOKEN = "sympraxis_replica_token"
#: Errors that mean the replica cannot serve this request (down, refusing, or its pool exhausted).
REPLICA_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Create the replica's engine and the request hooks (nothing at all without the setting)."""
    uri = app.config.get("SQLALCHEMY_REPLICA_DATABASE_URI")
    if not uri:
        return
    if sa.engine.make_url(uri).get_backend_name() != "postgresql":
        app.logger.warning("SQLALCHEMY_REPLICA_DATABASE_URI is not PostgreSQL; ignored")
        return
    engine = instrument_engine(sa.create_engine(uri, **engine_options(app.config)))
    breaker = Breaker(float(app.config.get("REPLICA_RETRY_SECONDS", 5.0)), _counter(app))
    # a connection that dies under a statement (the replica stopped since it was checked out)
    sa.event.listen(engine, "handle_error", breaker.on_engine_error)
    app.extensions[_EXTENSION] = engine
    app.extensions[_BREAKER] = breaker
    app.extensions[_PINS] = WritePins.from_config(app.config)
    # core.lifecycle places route_reads, remember_write_position and end_routing


def engine_options(config: Any) -> dict[str, Any]:
    """The replica engine's options: the configured ones, plus what keeps a dead replica cheap
    (a connect timeout, a pre-ping at checkout so that a pooled connection to a replica that has
    gone is noticed before a statement runs on it, a short wait for a busy pool)."""
    options = dict(config.get("REPLICA_ENGINE_OPTIONS") or config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    if "poolclass" not in options:
        options.setdefault("pool_timeout", float(config.get("REPLICA_POOL_TIMEOUT", 1.0)))
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", max(2, int(config.get("REPLICA_CONNECT_TIMEOUT", 2))))
    options["connect_args"] = connect_args
    return options


def replica_engine(app: Flask) -> sa.Engine | None:
    return app.extensions.get(_EXTENSION)


def replica_breaker(app: Flask) -> Breaker | None:
    return app.extensions.get(_BREAKER)


def write_pins(app: Flask) -> WritePins | None:
    return app.extensions.get(_PINS)


# --- the circuit breaker ------------------------------------------------------------------------


class Breaker:
    """Per process: whether the replica is known to be down, and when to try it again.

    Closed (the replica serves reads) until a connection to it fails; then open for
    ``retry_seconds``: every read goes to the primary without trying. When the window ends, the
    first caller of :meth:`blocked` gets to try (one probe per window, so a replica that hangs
    costs one connect timeout per window, not one per request); success closes it.
    """

    def __init__(self, retry_seconds: float = 5.0, count: Any = None) -> None:
        self.retry_seconds = retry_seconds
        self._count = count or (lambda _name, _label=None: None)
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        return self._down

    def is_open(self) -> bool:
        """Known down and not yet due for another try: read from the primary, try nothing."""
        return self._down and time.monotonic() < self._retry_at

    def blocked(self) -> bool:
        """Whether a caller must not try the replica now (False claims the probe when down)."""
        if not self._down:
            return False
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return True
            self._retry_at = now + self.retry_seconds  # this caller probes; the others wait
            return False

    def failed(self, exc: BaseException | None = None) -> None:
        if isinstance(exc, sa.exc.TimeoutError):
            return  # its pool is exhausted: busy, not down (the request reads from the primary)
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            started, self._down = not self._down, True
        if started:
            self._count("outage")
            log.warning(
                "read replica unreachable (%s): reads go to the primary; next try in %ss",
                _reason(exc),
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            ended, self._down, self._retry_at = self._down, False, 0.0
        if ended:
            log.warning("read replica reachable again: reads go to it")

    def fell_back(self, reason: str) -> None:
        """A read the replica should have served went to the primary (``down`` or ``busy``)."""
        self._count("fallback", reason)

    def on_engine_error(self, context: Any) -> None:
        if context.is_disconnect:
            self.failed(context.original_exception)


def _reason(exc: BaseException | None) -> str:
    text = str(getattr(exc, "orig", None) or exc or "unknown").strip().splitlines()
    return text[0][:200] if text else "unknown"


def _counter(app: Flask) -> Any:
    from core.observability import Metrics, metrics_enabled

    if not metrics_enabled(app):
        return None

    def count(name: str, label: str | None = None) -> None:
        metrics = Metrics.get()
        if name == "outage":
            metrics.replica_outages.inc()
        else:
            metrics.replica_fallbacks.labels(label or "down").inc()

    return count


# --- read-your-writes for bearer tokens ---------------------------------------------------------

#: Keeps the later of two positions (two writes of one token finishing out of order).
_PIN_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""
#: What :meth:`WritePins.position` answers when it cannot know (Redis down): read the primary.
UNKNOWN = "unknown"


class WritePins:
    """The primary's WAL position after a bearer token's last write, for ``ttl`` seconds.

    Kept in Redis (``REPLICA_PIN_REDIS_URL``, else ``TENANT_CACHE_REDIS_URL``) under
    ``<CACHE_KEY_PREFIX>:replica-pin:<sha256 of the token>``, so that every app server sees it
    (the token itself is never stored). Without Redis, in this process only: enough for one app
    server. Redis unreachable: the position is :data:`UNKNOWN` (the primary serves the token's
    reads) for ``retry_after`` seconds, without trying again, logged once.
    """

    def __init__(
        self,
        ttl: int,
        redis_url: str | None = None,
        prefix: str = "sympraxis",
        timeout: float = 0.1,
        retry_after: float = 2.0,
    ) -> None:
        self.ttl = max(1, int(ttl))
        self.prefix = f"{prefix}:replica-pin:"
        self.retry_after = retry_after
        self._down_until = 0.0
        self._local: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._client = self._script = None
        if redis_url:
            import redis

            self._client = redis.Redis.from_url(
                redis_url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
            )
            self._script = self._client.register_script(_PIN_SCRIPT)

    @classmethod
    def from_config(cls, config: Any) -> WritePins:
        return cls(
            int(config.get("REPLICA_PIN_SECONDS", 30)),
            config.get("REPLICA_PIN_REDIS_URL") or config.get("TENANT_CACHE_REDIS_URL"),
            config.get("CACHE_KEY_PREFIX", "sympraxis"),
            float(config.get("TENANT_CACHE_REDIS_TIMEOUT", 0.1)),
        )

    def key(self, secret: str) -> str:
        return self.prefix + hashlib.sha256(secret.encode()).hexdigest()

    def remember(self, secret: str, lsn: int) -> None:
        key = self.key(secret)
        if self._client is None:
            with self._lock:
                if len(self._local) > 10_000:
                    self._prune()
                previous = self._local.get(key)
                if previous is None or previous[0] < lsn or previous[1] < time.monotonic():
                    self._local[key] = (lsn, time.monotonic() + self.ttl)
                else:
                    self._local[key] = (previous[0], time.monotonic() + self.ttl)
            return
        self._redis(lambda: self._script(keys=[key], args=[lsn, self.ttl]))

    def position(self, secret: str) -> int | str | None:
        """The position the token's next reads must see, None (no recent write) or UNKNOWN."""
        key = self.key(secret)
        if self._client is None:
            entry = self._local.get(key)
            return entry[0] if entry and entry[1] > time.monotonic() else None
        if self._down_until > time.monotonic():
            return UNKNOWN
        value = self._redis(lambda: self._client.get(key))
        if value is UNKNOWN:
            return UNKNOWN
        return int(value) if value and value.isdigit() else None

    def _redis(self, fn: Any) -> Any:
        import redis

        try:
            return fn()
        except (redis.RedisError, OSError) as exc:
            first = self._down_until <= time.monotonic()
            self._down_until = time.monotonic() + self.retry_after
            if first:
                log.warning(
                    "read replica: Redis unreachable for the write pins of API tokens (%s); "
                    "their reads go to the primary for %ss",
                    exc,
                    self.retry_after,
                )
            return UNKNOWN

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_lsn, until) in self._local.items() if until <= now]:
            del self._local[key]


def lsn_value(text: str | None) -> int | None:
    """``'16/B374D848'`` as one integer, None for anything else."""
    if not text or not _LSN.fullmatch(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return header[7:].strip() or None


# --- the request hooks --------------------------------------------------------------------------


def route_reads() -> None:
    from flask import current_app, g

    if request.method not in _SAFE:
        return
    breaker: Breaker = current_app.extensions[_BREAKER]
    engine = current_app.extensions[_EXTENSION]
    if breaker.is_open():
        # known down: the primary serves this request, nothing waits on the replica, and a GET
        # that writes still pins its client (the replica may come back lagging)
        breaker.fell_back("down")
        g.setdefault(_TOKEN, _replica_route.set(ReplicaRoute(engine, pinned=True, breaker=breaker)))
        return
    needed = _position_to_see(current_app)
    # this client wrote a moment ago and the replica has not caught up: the primary serves it
    behind = needed is not None and not (needed != UNKNOWN and _replayed(engine, breaker, needed))
    g.setdefault(_TOKEN, _replica_route.set(ReplicaRoute(engine, pinned=behind, breaker=breaker)))


def _position_to_see(app: Flask) -> int | str | None:
    """The WAL position this client's reads must see: its cookie's, its token's (the later of
    the two), UNKNOWN when the token's cannot be read, None when it has not written lately."""
    cookie = request.cookies.get(LSN_COOKIE)
    needed: int | str | None = None
    if cookie is not None:
        needed = lsn_value(cookie)
        if needed is None:
            return UNKNOWN  # a cookie we did not write: the primary, as before
    secret = _bearer_secret()
    if secret is not None:
        pinned = app.extensions[_PINS].position(secret)
        if pinned == UNKNOWN:
            return UNKNOWN
        if pinned is not None and (needed is None or pinned > needed):
            needed = pinned
    return needed


def _replayed(engine: sa.Engine, breaker: Breaker, lsn: int) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``lsn`` (a replica that cannot
    answer counts as behind: the primary serves the request)."""
    if breaker.blocked():
        return False
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn", {"lsn": lsn_text(lsn)}
            ).scalar()
            conn.rollback()
    except REPLICA_UNAVAILABLE as exc:  # down, or its pool exhausted
        breaker.failed(exc)
        breaker.fell_back("busy" if isinstance(exc, sa.exc.TimeoutError) else "down")
        return False
    breaker.succeeded()
    return bool(value)


def remember_write_position(response: Any) -> Any:
    """After a request that may have written: the cookie (and the token's pin) that keeps this
    client's reads on the primary until the replica has replayed the write."""
    from flask import current_app, g

    route = _replica_route.get()
    if request.method in _SAFE and not (route is not None and route.wrote):
        return response  # (a GET that wrote, like a sign-in link's redemption, pins too)
    from core.extensions import db

    try:
        with db.engine.connect() as conn:
            lsn = conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar()
            conn.rollback()
    except sa.exc.SQLAlchemyError:
        return response  # the primary is out or busy: the request's own answer says what happened
    response.set_cookie(
        LSN_COOKIE,
        str(lsn),
        max_age=int(current_app.config.get("REPLICA_PIN_SECONDS", 30)),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    secret = _bearer_secret()
    if secret is not None and g.get("auth_method") == "token" and lsn_value(str(lsn)) is not None:
        current_app.extensions[_PINS].remember(secret, lsn_value(str(lsn)))
    return response


def end_routing(_exc: BaseException | None) -> None:
    from flask import g

    token = g.pop(_TOKEN, None)
    if token is not None:
        _replica_route.reset(token)
