"""Running Alembic from the application: ``sympraxis db upgrade`` brings every branch to head."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from typing import Any

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


def downgrade(app: Flask, target: str) -> list[str]:
    """Downgrade to ``target``; return the revisions that were undone (newest first)."""
    with app.app_context():
        before = applied_revisions(app)
        command.downgrade(alembic_config(app), target)
        after = applied_revisions(app)
    return [r for r in before if r not in after]


def applied_revisions(app: Flask) -> list[str]:
    """Every revision the database holds (dependencies included), newest first; [] for none."""
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    url = app.config.get("MIGRATIONS_DATABASE_URI") or app.config["SQLALCHEMY_DATABASE_URI"]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            heads = tuple(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if not heads:
        return []
    script = ScriptDirectory.from_config(alembic_config(app))
    return [r.revision for r in script.iterate_revisions(heads, "base")]


def pending_revisions(app: Flask) -> list[str]:
    """Revisions of the installed core and plugins that the database does not hold yet."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(app))
    known = {r.revision for r in script.iterate_revisions(tuple(script.get_heads()), "base")}
    return sorted(known - set(applied_revisions(app)))


def plugin_revision_options(app: Flask, plugin: str) -> dict[str, Any]:
    """Where ``sympraxis db revision --plugin NAME`` writes, and what it compares: the plugin's
    own folder and branch (a new branch, labelled with its name, if it has no revision yet), and
    only its own tables: those of its models, and those named ``<plugin>_...``."""
    from alembic.script import ScriptDirectory

    from core.extensions import db

    reg = registry(app)
    loaded = reg.plugins.get(plugin)
    if loaded is None:
        raise LookupError(
            f"no plugin named {plugin!r} is loaded (installed and allowed by SYMPRAXIS_PLUGINS?)"
        )
    dirs = [d for result in reg.only("sympraxis_migration_dirs", {plugin})() for d in (result or [])]
    if not dirs:
        raise LookupError(f"plugin {plugin!r} declares no migration folder (hook sympraxis_migration_dirs)")
    module = loaded.module
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    tables = {
        table.name
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__ == package or mapper.class_.__module__.startswith(package + ".")
        for table in mapper.tables
    }
    # and tables named by the convention (``<plugin>_...``) that no model maps (association tables)
    tables |= {name for name in db.metadata.tables if name.startswith(plugin + "_")}
    script = ScriptDirectory.from_config(alembic_config(app))
    labels = {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}
    options: dict[str, Any] = {"version_path": dirs[0], "tables": tables, "depends_on": None}
    if plugin in labels:
        return {**options, "head": f"{plugin}@head", "branch_label": None}
    # the first revision: a branch of its own, depending on the core as it is now
    core_head = script.get_revision("core@head").revision
    return {**options, "head": "base", "branch_label": plugin, "depends_on": core_head}


def revision(
    app: Flask,
    message: str,
    head: str = "core@head",
    branch_label: str | None = None,
    version_path: str | None = None,
    autogenerate: bool = True,
    plugin: str | None = None,
) -> Any:
    """Write a revision; with ``plugin``, into that plugin's branch, comparing only its tables."""
    with app.app_context():
        cfg = alembic_config(app)
        depends_on = None
        if plugin is not None:
            options = plugin_revision_options(app, plugin)
            head, branch_label, version_path = (
                options["head"],
                options["branch_label"],
                options["version_path"],
            )
            depends_on = options["depends_on"]
            cfg.attributes["sympraxis_only_tables"] = options["tables"]
        return command.revision(
            cfg,
            message=message,
            autogenerate=autogenerate,
            head=head,
            branch_label=branch_label,
            version_path=version_path,
            depends_on=depends_on,
        )
