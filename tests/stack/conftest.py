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
def stack(sympraxis_smtp) -> Iterator[stack_module.Stack]:
    _sink, smtp_port = sympraxis_smtp
    s = stack_module.Stack(
        # another name and ports keep two test stacks on one machine apart (database, RabbitMQ
        # virtual host, Redis prefix, listeners)
        name=os.environ.get("SYMPRAXIS_STACK_TEST_NAME", "stacktest"),
        base_port=int(os.environ.get("SYMPRAXIS_STACK_TEST_PORT", 19000)),
        smtp_port=smtp_port,
        beat_max_interval=2.0,
        extra_env={
            "SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS": '["sympraxis.plugins", "sympraxis.test_plugins"]',
            "SYMPRAXIS_RATE_LIMIT_SIGNIN": "1000 per minute",
            "SYMPRAXIS_RATE_LIMIT_RESET": "1000 per minute",
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
