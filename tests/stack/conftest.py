"""Fixtures for the tests against the running stack (``make stack-test``; skipped by ``make test``).

One stack per session (``deploy/stack.py``, its own database, virtual host, Redis prefix and
ports), stopped at the end even when a test fails. Tests reach it as a browser would: TLS to
Caddy with the host in SNI (no DNS needed: every connection goes to 127.0.0.1), or plain HTTP to
one app server directly. An application in this process shares the stack's configuration, so
tests prepare data through the services, as an operator's command would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from deploy import stack as stack_module
from tests.stack.client import APEX, Browser

if not os.environ.get("SYMPRAXIS_STACK_TEST"):
    collect_ignore_glob = ["test_*.py"]  # only `make stack-test` starts the stack


@pytest.fixture(scope="session")
def stack_dns() -> Iterator[tuple]:
    """The loopback DNS server the stack's app servers and jobs resolve verification records
    with: a custom domain is verified (and stays verified through the periodic re-check) only
    while its TXT record is served here, as in production."""
    from tests.dnszone import serve_zone

    with serve_zone() as (zone, port):
        yield zone, port


@pytest.fixture(scope="session")
def stack(sympraxis_smtp, stack_dns) -> Iterator[stack_module.Stack]:
    _sink, smtp_port = sympraxis_smtp
    _zone, dns_port = stack_dns
    s = stack_module.Stack(
        # another name and ports keep two test stacks on one machine apart (database, RabbitMQ
        # virtual host, Redis prefix, listeners)
        name=os.environ.get("SYMPRAXIS_STACK_TEST_NAME", "stacktest"),
        base_port=int(os.environ.get("SYMPRAXIS_STACK_TEST_PORT", 19000)),
        smtp_port=smtp_port,
        # the reminders every two seconds (test_meeting_reminders_…); every other periodic job
        # keeps its interval, so the worker's queue stays short and a job sent now runs now
        beat_max_interval=2.0,
        beat_capped_jobs=("hearings.tick_all",),
        extra_env={
            "SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS": '["sympraxis.plugins", "sympraxis.test_plugins"]',
            "SYMPRAXIS_RATE_LIMIT_SIGNIN": "1000 per minute",
            "SYMPRAXIS_RATE_LIMIT_RESET": "1000 per minute",
            "SYMPRAXIS_DNS_NAMESERVERS": '["127.0.0.1"]',
            "SYMPRAXIS_DNS_PORT": str(dns_port),
            "SYMPRAXIS_DNS_TIMEOUT": "2.0",
        },
    )
    stack_module.down(s, drop=True)  # whatever an interrupted run left
    try:
        stack_module.up(s)
        yield s
    finally:
        stack_module.down(s, drop=True)


@pytest.fixture(scope="session")
def stack_app(stack):
    """An application in this process with the stack's configuration (database, Redis, broker)."""
    from core.app import _loads, create_app

    env = stack_module.environment(stack, stack_module.database_urls(stack, create=False))
    config = {k.removeprefix("SYMPRAXIS_"): _loads(v) for k, v in env.items() if k.startswith("SYMPRAXIS_")}
    return create_app(config)


@pytest.fixture
def browser(stack):
    return lambda host=APEX: Browser(stack, host)


_STACK_FOR_REPORTS: list[stack_module.Stack] = []


@pytest.fixture(autouse=True)
def _remember_stack(request):
    if "stack" in request.fixturenames:
        _STACK_FOR_REPORTS[:] = [request.getfixturevalue("stack")]
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed stack test shows the last lines of Caddy's and the app servers' logs: the run
    directory is dropped at the end, and a CI failure is otherwise not diagnosable."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or not _STACK_FOR_REPORTS:
        return
    s = _STACK_FOR_REPORTS[0]
    for name in ("caddy", *(f"app-{p}" for p in s.app_ports), "worker"):
        try:
            with open(s.path("logs", f"{name}.log"), errors="replace") as f:
                tail = f.readlines()[-40:]
        except OSError:
            continue
        report.sections.append((f"{name}.log (last 40 lines)", "".join(tail)))
