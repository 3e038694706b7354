"""Rate limits, one limiter state per application (``limits`` storage: memory or Redis).

Flask-Limiter keeps its storage, its ``enabled`` flag and its key prefix on the one module-level
``Limiter`` object, so every application created in a process (tests build several) would share
the last one's settings. This limiter keeps its state in ``app.extensions`` instead and reads the
configuration of the application serving the request:

- ``RATELIMIT_ENABLED`` (default True), ``RATELIMIT_STORAGE_URI`` (``memory://``,
  ``redis://host:port/db``), ``RATELIMIT_KEY_PREFIX`` (namespaces the counters),
  ``RATELIMIT_HEADERS_ENABLED`` (``Retry-After`` on a 429 is always sent).

The decorator API is the subset of Flask-Limiter's that the platform and plugins use:
``@limiter.limit("5 per minute", methods=["POST"])`` (the value may be a callable returning the
string, read at request time) and ``@limiter.exempt``.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, make_response, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


def remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


@dataclass
class _State:
    storage: Storage
    strategy: FixedWindowRateLimiter


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
        storage = storage_from_string(uri)
        app.extensions["sympraxis_limiter"] = _State(storage, FixedWindowRateLimiter(storage))

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
            if not state.strategy.hit(item, prefix, scope, key):
                reset_at, _remaining = state.strategy.get_window_stats(item, prefix, scope, key)
                raise RateLimitExceeded(math.ceil(reset_at - time.time()))

    def reset(self) -> None:
        """Forget every counter of the current application (tests, operators)."""
        current_app.extensions["sympraxis_limiter"].storage.reset()
