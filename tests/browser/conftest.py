"""A live server with CSRF on, and headless Debian Chromium driven by Playwright (never downloaded)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.testing.live_server import LiveServer
from core.testing.pytest_plugin import build_app

CHROMIUM = os.environ.get("SYMPRAXIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
#: every browser module sets ``pytestmark = BROWSER``: one xdist worker runs them all, sharing one
#: Chromium and one live server
BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="session")
def live_server(app: Any, sympraxis_config: dict[str, Any], tmp_path_factory) -> Iterator[LiveServer]:
    """The real application over HTTP on loopback, with CSRF protection on (real forms)."""
    instance = str(tmp_path_factory.mktemp("live-instance"))
    server = LiveServer.start(
        lambda port: build_app(
            {**sympraxis_config, "PUBLIC_PORT": port, "WTF_CSRF_ENABLED": True, "TENANT_CACHE_TTL": 0.0},
            instance,
        )
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies) for one test."""
    ctx = browser.new_context(locale="en-GB")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def sign_in_through_form(page: Any, live_server: LiveServer, email: str, password: str) -> None:
    """Sign in on the apex with the real form (CSRF token and all)."""
    page.goto(live_server.url(path="/auth/signin"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the current page; the violations found."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make browser-deps`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    return result["violations"]


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """Readable lines for the serious and critical violations."""
    lines = []
    for v in violations:
        if v.get("impact") in ("serious", "critical"):
            for node in v["nodes"]:
                lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}")
    return lines
