"""Which plugins the test application loads: all installed ones, or one plugin and what it requires.

A vendor's suite tests its own plugin, not every plugin installed in the same environment. Name it
in ``pytest.ini`` (or ``pyproject.toml``'s ``[tool.pytest.ini_options]``)::

    [pytest]
    sympraxis_plugins = volunteers

or in the ``SYMPRAXIS_TEST_PLUGINS`` environment variable (comma- or space-separated, it wins over
the ini option). The ``app`` fixture then loads the built-ins, that plugin and, transitively, the
plugins its manifest names in ``requires``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from importlib.metadata import entry_points

#: Environment variable naming the plugins under test.
PLUGINS_ENV = "SYMPRAXIS_TEST_PLUGINS"


def configured_plugins(ini_value: Iterable[str] | None = None) -> list[str]:
    """The plugins named by ``SYMPRAXIS_TEST_PLUGINS`` or else the ini option (empty: all of them)."""
    raw = os.environ.get(PLUGINS_ENV)
    names = re.split(r"[,\s]+", raw) if raw else list(ini_value or [])
    return [n for n in (name.strip() for name in names) if n]


def with_dependencies(names: Iterable[str], groups: Iterable[str]) -> list[str]:
    """``names`` and every plugin their manifests ``require``, transitively, sorted.

    Plugins are found among the entry points of ``groups``; a name that none of them holds raises
    ``LookupError`` naming what is installed, so a typo in ``pytest.ini`` is not a silent no-op.
    """
    installed = {}
    for group in groups:
        for ep in entry_points(group=group):
            installed.setdefault(ep.name, ep)
    wanted: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in installed:
            raise LookupError(f"plugin {name!r} is not installed; installed plugins: {sorted(installed)}")
        wanted.add(name)
        manifest_hook = getattr(installed[name].load(), "sympraxis_manifest", None)
        manifest = manifest_hook() if manifest_hook else None
        pending.extend(getattr(manifest, "requires", ()) or ())
    return sorted(wanted)


__all__ = ["PLUGINS_ENV", "configured_plugins", "with_dependencies"]
