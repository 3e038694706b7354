"""Short names for the core's browser fixtures (core.testing.browser) in these tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def context(browser_context: Any) -> Any:
    return browser_context


@pytest.fixture
def page(browser_page: Any) -> Any:
    return browser_page
