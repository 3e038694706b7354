"""Fixtures shared by the core's tests."""

from __future__ import annotations

import uuid

import pytest

from tests.core.notes import add_note


@pytest.fixture
def pair(app, tenant_factory):
    """Two municipalities with the test plugin on, one note each (unique titles)."""
    a = tenant_factory(plugins=["testplugin"])
    b = tenant_factory(plugins=["testplugin"])
    titles = {a.id: f"alpha-{uuid.uuid4().hex[:8]}", b.id: f"beta-{uuid.uuid4().hex[:8]}"}
    ids = {t.id: add_note(app, t, titles[t.id]) for t in (a, b)}
    return a, b, titles, ids
