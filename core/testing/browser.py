"""Browser fixtures for the core's and plugins' tests: a live server, headless Chromium, axe-core.

Registered by the core pytest plugin (``core.testing.pytest_plugin``), so any test directory can use:

- ``live_server``: the real application over HTTP on loopback with CSRF protection on
  (:class:`core.testing.live_server.LiveServer`; ``live_server.tenant_url(tenant, "/path")``);
- ``chromium``: Debian's Chromium driven by Playwright from PyPI (never ``playwright install``;
  ``SYMPRAXIS_CHROMIUM`` overrides the path), one per session;
- ``browser_context`` / ``browser_page``: a fresh profile (no cookies) and a page in it, per test;
- ``axe``: ``axe(page)`` runs axe-core's WCAG 2.0/2.1 A and AA rules on the page and returns the
  serious and critical violations as readable lines (``assert not axe(page)``).

Mark browser tests ``pytestmark = BROWSER`` (the ``browser`` marker and one xdist group, so one
worker shares one Chromium and one live server). axe-core comes from npm
(``tests/browser/node_modules``, ``make browser-deps``); ``SYMPRAXIS_AXE_JS`` overrides the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.testing.live_server import LiveServer

BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    return os.environ.get("SYMPRAXIS_CHROMIUM", "/usr/bin/chromium")


def axe_path(rootpath: Path) -> Path:
    configured = os.environ.get("SYMPRAXIS_AXE_JS")
    if configured:
        return Path(configured)
    return rootpath / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def run_axe(page: Any, axe_js: Path) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now; all violations found."""
    if not axe_js.exists():
        pytest.fail(f"{axe_js} is missing: run `make browser-deps`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # a same-origin URL answered from the file: the pages' Content-Security-Policy refuses
        # inline scripts (what add_script_tag(path=...) inserts), and the tests keep it on
        url = page.evaluate("location.origin") + "/__axe-core.min.js"
        routed = page.__dict__.setdefault("_sympraxis_axe_routes", set())
        if url not in routed:
            page.route(url, lambda route: route.fulfill(path=str(axe_js), content_type="text/javascript"))
            routed.add(url)
        page.add_script_tag(url=url)
    result = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        WCAG_TAGS,
    )
    return result["violations"]


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """Readable lines, one per element, for the serious and critical violations."""
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
        for node in v["nodes"]
    ]


def sign_in_through_form(page: Any, live_server: LiveServer, email: str, password: str) -> None:
    """Sign in on the apex with the real form (CSRF token and all), in English."""
    page.goto(live_server.url(path="/auth/signin?lang=en"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def live_server(app: Any, sympraxis_config: dict[str, Any], tmp_path_factory) -> Iterator[LiveServer]:
    """The real application over HTTP on loopback, CSRF protection on (real forms), same database."""
    from core.testing.pytest_plugin import build_app

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
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium (one per session)."""
    path = chromium_path()
    if not os.path.exists(path):
        pytest.fail(f"Chromium not found at {path}: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies), English, for one test."""
    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def browser_page(browser_context: Any) -> Any:
    """A new page (tab) in ``browser_context``, for one test."""
    return browser_context.new_page()


@pytest.fixture(scope="session")
def axe(request: pytest.FixtureRequest) -> Callable[[Any], list[str]]:
    """``assert not axe(page)``: the serious and critical WCAG 2.1 AA violations on the page."""
    axe_js = axe_path(request.config.rootpath)
    return lambda page: blocking(run_axe(page, axe_js))
