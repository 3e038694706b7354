"""A client for the running stack: TLS to Caddy with the host in SNI (no DNS needed), or plain
HTTP to one app server; a cookie jar, and the CSRF token of a form."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from typing import Any

from deploy.stack import APEX

__all__ = ["APEX", "Browser", "Response"]


class _SNIConnection(http.client.HTTPSConnection):
    """TLS to 127.0.0.1 with ``host`` as SNI and Host header: a browser without DNS."""

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Browser:
    """Requests with a cookie jar; ``via`` is ``"caddy"`` (HTTPS) or an app server's port (HTTP)."""

    def __init__(self, stack, host: str = APEX, timeout: float = 15.0):
        self.stack, self.host, self.timeout = stack, host, timeout
        self.cookies: dict[str, str] = {}

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.stack.ca_cert)

    def request(
        self, method: str, path: str, *, via: Any = "caddy", body: bytes | None = None, headers=None
    ) -> Response:
        if via == "caddy":
            conn = _SNIConnection(
                self.host, self.stack.https_port, context=self.context(), timeout=self.timeout
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", int(via), timeout=self.timeout)
        hdrs = {"Host": self.host if via != "caddy" else f"{self.host}:{self.stack.https_port}"}
        if via != "caddy":
            hdrs["X-Forwarded-Proto"] = "https"  # as Caddy would say: the cookies are Secure
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":  # a browser's Referer: Flask-WTF checks it on HTTPS
            hdrs["Referer"] = f"https://{hdrs['Host']}{path}"
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(resp.status, resp.headers, data)

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post_form(self, path: str, fields: dict[str, str], **kw: Any) -> Response:
        from urllib.parse import urlencode

        return self.request(
            "POST", path, body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, **kw,
        )  # fmt: skip

    @staticmethod
    def csrf(page: Response) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page.text
        )
        assert found, "the form has no CSRF token"
        return found.group(1)
