"""The command line a plugin vendor meets first (issue 11 §2 and §3): clear messages, no noise,
revisions written into the plugin's own branch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import sqlalchemy as sa
from click.testing import CliRunner

from core.cli import main
from core.extensions import db

SQLITE_OVERRIDES = {"MIGRATIONS_DATABASE_URI": None, "APP_DB_ROLE": None, "SQLALCHEMY_ENGINE_OPTIONS": {}}


def _env(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYMPRAXIS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SYMPRAXIS_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS", '["sympraxis.plugins", "sympraxis.test_plugins"]')
    monkeypatch.setenv("SYMPRAXIS_SECRET_KEY", "cli-sdk-" + "k" * 40)  # the app refuses to start without one


def test_help_does_not_log_plugin_loading(tmp_path):
    """``sympraxis --help`` prints the help and nothing else: no log line per loaded plugin."""
    env = {
        **os.environ,
        "SYMPRAXIS_INSTANCE_PATH": str(tmp_path),
        "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/help.db",
        "SYMPRAXIS_SECRET_KEY": "cli-sdk-" + "k" * 40,
    }
    script = os.path.join(os.path.dirname(sys.executable), "sympraxis")
    done = subprocess.run(
        [script, "--help"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "plugins" in done.stdout
    assert "loaded" not in done.stderr and "INFO" not in done.stderr, done.stderr


def test_enable_before_upgrade_says_what_to_run(tmp_path, monkeypatch):
    """Enabling a plugin on a database that was never upgraded names the command to run, with
    no traceback."""
    _env(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["plugins", "enable", "somewhere", "testplugin"])
    assert result.exit_code != 0
    assert "run `sympraxis db upgrade` first" in result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )


def test_downgrade_reports_what_it_did(tmp_path, monkeypatch):
    """``db downgrade`` lists the revisions it undid, and says so when there was nothing to undo;
    an unknown target is a message, not a traceback."""
    _env(tmp_path, monkeypatch)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["db", "downgrade", "testplugin@base"])
    assert first.exit_code == 0, first.output
    assert "undid 3 revision(s): testplugin_0003, testplugin_0002, testplugin_0001" in first.output
    again = runner.invoke(main, ["db", "downgrade", "testplugin@base"])
    assert "nothing to undo" in again.output
    bad = runner.invoke(main, ["db", "downgrade", "nosuchbranch@base"])
    assert bad.exit_code != 0 and "cannot downgrade" in bad.output and "Traceback" not in bad.output


PROBE = """
import os

from core.toolkit import PluginManifest, hookimpl


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="sdkprobe", title="Probe", version="0.1.0", core_api=">=1.0,<2")


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "versions")]
"""


def test_revision_for_a_plugin_writes_into_its_own_branch(make_app, tmp_path, monkeypatch):
    """``db revision --plugin NAME`` writes the plugin's first revision into the plugin's own
    folder as a branch labelled with its name (depending on the core), and compares only the
    plugin's tables: a table of someone else that lacks a migration is not put into it."""
    package = tmp_path / "sdkprobe_pkg"
    (package / "versions").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(textwrap.dedent(PROBE))
    monkeypatch.syspath_prepend(str(tmp_path))
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/rev.db",
        SYMPRAXIS_EXTRA_PLUGINS={"sdkprobe": "sdkprobe_pkg.plugin"},
        **SQLITE_OVERRIDES,
    )
    mine = sa.Table("sdkprobe_items", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    theirs = sa.Table("zz_someone_elses", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        result = app.test_cli_runner().invoke(args=["db", "revision", "--plugin", "sdkprobe", "-m", "items"])
    finally:
        db.metadata.remove(mine)
        db.metadata.remove(theirs)
    assert result.exit_code == 0, (result.output, result.exception)
    (written,) = list((package / "versions").glob("*.py"))
    assert str(written) in result.output
    text = written.read_text()
    assert "branch_labels = ('sdkprobe',)" in text or 'branch_labels = ("sdkprobe",)' in text
    core_head = _core_head()
    assert "down_revision = None" in text and core_head in text  # depends on the core's head
    assert "sdkprobe_items" in text and "zz_someone_elses" not in text
    unknown = app.test_cli_runner().invoke(args=["db", "revision", "--plugin", "nosuch", "-m", "x"])
    assert unknown.exit_code != 0 and "no plugin named 'nosuch'" in unknown.output


def _core_head() -> str:
    """The head of the core's own migration branch, read from its scripts (it moves with each release)."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import core

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(core.__file__).parent / "migrations"))
    (head,) = ScriptDirectory.from_config(cfg).get_heads()
    return head
