"""Running Alembic from the application: ``sympraxis db upgrade`` brings every branch to head."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from alembic import command
from alembic.config import Config
from flask import Flask

from core.plugins import registry

CORE_VERSIONS = os.path.join(os.path.dirname(__file__), "migrations", "versions")


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    cfg.set_main_option("path_separator", "os")
    locations = [CORE_VERSIONS, *migration_dirs(app)]
    cfg.set_main_option("version_locations", os.pathsep.join(dict.fromkeys(locations)))
    return cfg


def migration_dirs(app: Flask) -> list[str]:
    """The Alembic folders of every installed plugin, loaded by this instance or not.

    An instance whose allowlist leaves out an installed plugin keeps that plugin's history: its
    revisions may already be in the database (data outlives a switch-off), and Alembic cannot
    upgrade a database holding a revision it cannot locate. Plugins refused at start-up (an
    incompatible core API) are left out: their migrations may not run against this core.
    """
    reg = registry(app)
    dirs: list[str] = []
    for result in reg.pm.hook.sympraxis_migration_dirs():
        dirs.extend(result or [])
    skip = set(reg.plugins) | {r.name for r in reg.refused}
    for group in app.config["SYMPRAXIS_PLUGIN_GROUPS"]:
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            if ep.name in skip:
                continue
            try:
                hook = getattr(ep.load(), "sympraxis_migration_dirs", None)
            except Exception:  # noqa: S112 - a broken package is reported by the loader
                continue
            if hook is not None:
                dirs.extend(hook() or [])
    return dirs


def upgrade(app: Flask, target: str = "heads") -> None:
    with app.app_context():
        command.upgrade(alembic_config(app), target)


def downgrade(app: Flask, target: str) -> None:
    with app.app_context():
        command.downgrade(alembic_config(app), target)


def revision(
    app: Flask,
    message: str,
    head: str = "core@head",
    branch_label: str | None = None,
    version_path: str | None = None,
    autogenerate: bool = True,
) -> None:
    with app.app_context():
        command.revision(
            alembic_config(app),
            message=message,
            autogenerate=autogenerate,
            head=head,
            branch_label=branch_label,
            version_path=version_path,
        )
