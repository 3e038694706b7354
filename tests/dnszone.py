"""A real DNS server (dnslib) on a loopback UDP port that answers TXT queries from a dict: the
domain-verification tests point the resolver at it (``DNS_NAMESERVERS``/``DNS_PORT``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


class Zone:
    """TXT records served by the loopback DNS server: ``zone.records[name] = [values]``."""

    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.down = False

    def resolve(self, request, handler):
        from dnslib import QTYPE, RCODE, RR, TXT

        reply = request.reply()
        if self.down:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        name = str(request.q.qname).rstrip(".").lower()
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in self.records[name]:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=0))
        return reply


@contextmanager
def serve_zone() -> Iterator[tuple[Zone, int]]:
    """``(zone, port)`` while the server runs."""
    from dnslib.server import DNSServer

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    zone = Zone()
    server = DNSServer(zone, port=port, address="127.0.0.1")
    server.start_thread()
    try:
        yield zone, port
    finally:
        server.stop()
