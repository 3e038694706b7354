"""The client's address and scheme, believed from ``X-Forwarded-*`` only when our proxy sent them.

werkzeug's ``ProxyFix`` trusts the last N entries of the headers whoever the peer is, so a client
that reaches the app servers directly (or a proxy that passes the headers through) can forge a new
address per request and escape every per-address rate limit. Here the headers count only when the
connecting peer is in ``TRUSTED_PROXIES`` (addresses or CIDR networks); the client is then the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy (what nginx's
``real_ip_recursive`` does), and ``X-Forwarded-Proto`` is the nearest proxy's. From any other peer
the headers are dropped, so nothing further in the stack can trust them by mistake.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_FORWARDED",
)


def parse_networks(values: Iterable[str] | str | None) -> tuple[Network, ...]:
    """``["10.0.0.1", "192.0.2.0/24"]`` (or one comma-separated string) as networks; a bad entry raises."""
    if not values:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5123
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: ``REMOTE_ADDR`` and ``wsgi.url_scheme`` from our own proxies' headers only."""

    def __init__(self, wsgi_app: Any, networks: tuple[Network, ...]) -> None:
        self.wsgi_app = wsgi_app
        self.networks = networks

    def trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        peer = _address(environ.get("REMOTE_ADDR") or "")
        if self.networks and self.trusted(peer):
            self._apply(environ)
        for name in FORWARDED_HEADERS:
            environ.pop(name, None)
        return self.wsgi_app(environ, start_response)

    def _apply(self, environ: dict[str, Any]) -> None:
        hops = [hop for hop in (environ.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
        client = None
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # a malformed entry: nothing left of it can be believed
            client = address
            if not self.trusted(address):
                break
        if client is not None:
            environ["REMOTE_ADDR"] = str(client)
        proto = (environ.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
