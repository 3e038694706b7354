"""The real application served over HTTP on loopback, for browser and HTTP-level tests.

The port is bound *before* the application is built, so the application can be configured with
``PUBLIC_PORT`` (absolute URLs, the sign-in hand-off between hosts) without a race for a free
port. Hosts: the apex is ``http://localhost:<port>/``, a municipality ``http://<slug>.localhost:<port>/``
(browsers, Chromium included, resolve ``*.localhost`` to loopback).

Usage, in a session fixture::

    server = LiveServer.start(lambda port: build_app({**config, "PUBLIC_PORT": port}))
    ...
    server.stop()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the ``werkzeug`` logger at DEBUG (pytest shows them on failure only)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logging.getLogger("werkzeug").debug('"%s" %s %s', self.requestline, code, size)


class _Deferred:
    """A WSGI callable that forwards to an application set after the socket is bound."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.app is None:  # pragma: no cover - the server only serves once the app is set
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting"]
        return self.app(environ, start_response)


class LiveServer:
    """A threaded werkzeug server in a background thread on ``127.0.0.1``."""

    def __init__(self, server: BaseWSGIServer, app: Any, apex: str = "localhost") -> None:
        self._server = server
        self.app = app
        self.apex = apex
        self.port: int = server.server_port
        self._thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)

    @classmethod
    def start(cls, build: Callable[[int], Any], apex: str = "localhost") -> LiveServer:
        """Bind a free port, build the app with ``build(port)``, and serve it until :meth:`stop`."""
        deferred = _Deferred()
        server = make_server("127.0.0.1", 0, deferred, threaded=True, request_handler=_QuietHandler)
        try:
            app = build(server.server_port)
        except BaseException:
            server.server_close()
            raise
        deferred.app = app
        live = cls(server, app, apex)
        live._thread.start()
        return live

    def url(self, host: str | None = None, path: str = "/") -> str:
        """``url("orestiada.localhost", "/auth/signin")``; the apex when ``host`` is None."""
        return f"http://{host or self.apex}:{self.port}{path}"

    def tenant_url(self, tenant: Any, path: str = "/") -> str:
        """A URL on a municipality's platform host (a ``TenantInfo`` or anything with ``slug``)."""
        host = getattr(tenant, "primary_host", None) or f"{tenant.slug}.{self.apex}"
        return self.url(host, path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
