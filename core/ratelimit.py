"""Rate limits, one limiter state per application (``limits`` storage: memory or Redis).

Flask-Limiter keeps its storage, its ``enabled`` flag and its key prefix on the one module-level
``Limiter`` object, so every application created in a process (tests build several) would share
the last one's settings. This limiter keeps its state in ``app.extensions`` instead and reads the
configuration of the application serving the request:

- ``RATELIMIT_ENABLED`` (default True), ``RATELIMIT_STORAGE_URI`` (``memory://``,
  ``redis://host:port/db``), ``RATELIMIT_KEY_PREFIX`` (namespaces the counters),
  ``RATELIMIT_HEADERS_ENABLED`` (``Retry-After`` on a 429 is always sent).
- ``RATELIMIT_STORAGE_OPTIONS``: passed to the Redis client; short connect and socket timeouts by
  default, and no retries, so a Redis that is down or hung costs a request a fraction of a second.
- ``RATELIMIT_FALLBACK_SECONDS``: when the storage fails, limits are counted by a per-process
  memory limiter (Flask-Limiter's ``in_memory_fallback``) for this long before the storage is
  tried again; each failure is logged and counted in ``sympraxis_ratelimit_storage_errors_total``.

Limits count in a moving window: a fixed window lets twice the limit through around its end.

The decorator API is the subset of Flask-Limiter's that the platform and plugins use:
``@limiter.limit("5 per minute", methods=["POST"])`` (the value may be a callable returning the
string, read at request time) and ``@limiter.exempt``; ``limiter.hit(limit, scope, key)`` counts
against any key (an e-mail address, an account).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, make_response, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import Counter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

#: Requests counted by the per-process fallback because the shared storage failed (fail-open events).
STORAGE_ERRORS = Counter(
    "sympraxis_ratelimit_storage_errors_total",
    "Rate-limit storage errors; the request was counted by the per-process memory limiter instead",
)
#: Short timeouts, no retries: a dependency that is down degrades, never hangs (DESIGN §8).
DEFAULT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}


def remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


@dataclass
class _State:
    """The shared storage, and the per-process memory limiter used while the storage fails."""

    storage: Storage
    strategy: MovingWindowRateLimiter
    fallback_seconds: float
    fallback: MemoryStorage = field(default_factory=MemoryStorage)
    #: ``time.monotonic()`` until which the shared storage is not tried (0: it is healthy).
    failed_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.fallback_strategy = MovingWindowRateLimiter(self.fallback)

    def strategy_now(self) -> MovingWindowRateLimiter:
        return self.fallback_strategy if time.monotonic() < self.failed_until else self.strategy

    def storage_failed(self, exc: BaseException) -> None:
        with self.lock:
            fresh = time.monotonic() >= self.failed_until
            self.failed_until = time.monotonic() + self.fallback_seconds
        STORAGE_ERRORS.inc()
        if fresh:
            log.warning(
                "rate limit storage failed (%s); counting per process for %.0f s",
                getattr(exc, "storage_error", exc),
                self.fallback_seconds,
            )


def make_storage(uri: str, options: dict[str, Any] | None = None) -> Storage:
    """The ``limits`` storage for ``uri``; Redis with short timeouts and no retries."""
    if uri.split(":", 1)[0].split("+")[-1] in ("redis", "rediss", "valkey", "valkeys", "unix"):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        settings = {**DEFAULT_STORAGE_OPTIONS, "retry": Retry(NoBackoff(), 0), **(options or {})}
        return storage_from_string(uri, wrap_exceptions=True, **settings)
    return storage_from_string(uri)


class RateLimitExceeded(TooManyRequests):
    """429 (answered with a ``Retry-After`` header); the page or problem+json says to wait."""

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = max(1, retry_after)


class AppLimiter:
    """Per-application rate limiting behind one import-time object (see the module docstring)."""

    def __init__(self, key_func: Callable[[], str] = remote_address):
        self.key_func = key_func

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_ENABLED", True)
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        storage = make_storage(uri, app.config.get("RATELIMIT_STORAGE_OPTIONS"))
        fallback_seconds = float(app.config.get("RATELIMIT_FALLBACK_SECONDS", 30))
        app.extensions["sympraxis_limiter"] = _State(
            storage, MovingWindowRateLimiter(storage), fallback_seconds
        )

        @app.errorhandler(RateLimitExceeded)
        def _too_many(exc: RateLimitExceeded) -> Any:
            from core.errors import render_error

            response = make_response(render_error(exc))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response

    def limit(
        self,
        limit_value: str | Callable[[], str],
        *,
        methods: list[str] | None = None,
        key_func: Callable[[], str] | None = None,
        scope: str | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Limit a view: every matching request counts, the one over the limit answers 429."""
        wanted = {m.upper() for m in methods} if methods else None

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            name = scope or f"{view.__module__}.{view.__qualname__}"

            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if wanted is None or request.method in wanted:
                    value = limit_value() if callable(limit_value) else limit_value
                    self.hit(value, name, (key_func or self.key_func)())
                return view(*args, **kwargs)

            return wrapper

        return decorator

    def exempt(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Nothing is limited unless decorated; kept for Flask-Limiter compatibility."""
        return view

    def hit(self, limit_value: str, scope: str, key: str) -> None:
        """Count one request against every limit in ``limit_value``; raise 429 when one is exceeded."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        state: _State = current_app.extensions["sympraxis_limiter"]
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "sympraxis"
        items: list[RateLimitItem] = parse_many(limit_value)
        for item in items:
            strategy = state.strategy_now()
            try:
                allowed = strategy.hit(item, prefix, scope, key)
            except (StorageError, OSError) as exc:  # fail open to the per-process limiter
                state.storage_failed(exc)
                strategy = state.fallback_strategy
                allowed = strategy.hit(item, prefix, scope, key)
            if not allowed:
                try:
                    reset_at, _remaining = strategy.get_window_stats(item, prefix, scope, key)
                except (StorageError, OSError):
                    reset_at = time.time() + item.get_expiry()
                raise RateLimitExceeded(math.ceil(reset_at - time.time()))

    def reset(self) -> None:
        """Forget every counter of the current application (tests, operators)."""
        state: _State = current_app.extensions["sympraxis_limiter"]
        state.fallback.reset()
        state.storage.reset()


def require_shared_storage(config: Any, workers: int) -> None:
    """Refuse to serve with per-process counters when several worker processes serve.

    Each process would keep its own counts (with 2 workers, 20 of 30 sign-ins passed a limit of
    10 per minute). The demo and the tests run one process and may count in memory.
    """
    if workers <= 1 or config.get("DEMO_MODE") or config.get("TESTING"):
        return
    if not config.get("RATELIMIT_ENABLED", True):
        return
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory"):
        raise RuntimeError(
            f"RATELIMIT_STORAGE_URI is {uri} while {workers} worker processes serve: each would count "
            "its own rate limits. Set SYMPRAXIS_RATELIMIT_STORAGE_URI to a shared storage "
            "(redis://host:6379/1), or serve with one worker."
        )
