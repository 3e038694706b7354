"""Running Alembic from the application: ``sympraxis db upgrade`` brings every branch to head."""

from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from flask import Flask

from core.plugins import registry

CORE_VERSIONS = os.path.join(os.path.dirname(__file__), "migrations", "versions")


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    cfg.set_main_option("path_separator", "os")
    locations = [CORE_VERSIONS]
    for result in registry(app).pm.hook.sympraxis_migration_dirs():
        locations.extend(result or [])
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    return cfg


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
