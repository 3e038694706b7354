"""Issue 10 item 2: no built-in SECRET_KEY; only the demo makes (and keeps) its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.app import create_app
from core.secret_key import DEMO_SECRET_FILE, InsecureConfiguration

ROOT = Path(__file__).resolve().parents[2]
#: The key this platform used to fall back on: published in its source, so anyone could sign with it.
OLD_BUILT_IN_KEY = "dev-only-not-secret-change-me"


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """An environment with no secret configured, an SQLite instance of its own."""
    for name in ("SYMPRAXIS_SECRET_KEY", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYMPRAXIS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SYMPRAXIS_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/s.db")
    monkeypatch.setenv("SYMPRAXIS_ARGON2_PARAMETERS", '{"time_cost": 1, "memory_cost": 8, "parallelism": 1}')
    return tmp_path


@pytest.mark.parametrize("key", [None, "", OLD_BUILT_IN_KEY, "x" * 31])
def test_the_app_refuses_to_start_without_a_real_secret(bare_env, key):
    """Issue 10 item 2: with no secret configured the app signed sessions with a built-in key,
    so anyone could forge a session for any account (the operator's included)."""
    config = {} if key is None else {"SECRET_KEY": key}
    with pytest.raises(InsecureConfiguration, match="SYMPRAXIS_SECRET_KEY"):
        create_app(config)


def test_a_configured_secret_of_32_bytes_is_accepted(bare_env, monkeypatch):
    """Issue 10 item 2: the refusal is about the secret only: 32 bytes from the environment start."""
    monkeypatch.setenv("SYMPRAXIS_SECRET_KEY", "k" * 32)
    assert create_app().secret_key == "k" * 32


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_wsgi_refuses_to_start_without_a_secret(bare_env):
    """Issue 10 item 2: gunicorn (``wsgi:app``) started with the built-in key; now it refuses,
    saying which setting to configure."""
    env = dict(os.environ)
    refused = _run("import wsgi", env)
    assert refused.returncode != 0
    assert "SYMPRAXIS_SECRET_KEY" in refused.stderr and "at least 32" in refused.stderr
    started = _run("import wsgi; print(len(wsgi.app.secret_key))", {**env, "SYMPRAXIS_SECRET_KEY": "s" * 40})
    assert started.returncode == 0, started.stderr[-2000:]


def test_cli_refuses_without_a_secret_with_a_message_not_a_traceback(bare_env):
    """Issue 10 item 2: ``sympraxis`` commands other than the demo refuse without a secret."""
    from core.cli import main

    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "SYMPRAXIS_SECRET_KEY" in result.output and "Traceback" not in result.output
    assert not (bare_env / DEMO_SECRET_FILE).exists()


def test_demo_makes_its_own_secret_once_and_keeps_it(bare_env):
    """Issue 10 item 2: ``sympraxis demo`` needs no configuration: it generates a secret in
    ``instance/`` on the first run (readable by its owner only) and reuses it on the next."""
    from core.cli import main

    first = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    stored = bare_env / DEMO_SECRET_FILE
    secret = stored.read_text().strip()
    assert len(secret) >= 32 and secret != OLD_BUILT_IN_KEY
    assert stored.stat().st_mode & 0o077 == 0
    second = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert stored.read_text().strip() == secret
    assert create_app({"DEMO_MODE": True}).secret_key == secret


def test_cli_help_needs_no_secret(bare_env):
    """Printing help signs nothing: ``sympraxis --help`` and ``sympraxis db --help`` work before a
    secret is configured (the real commands still refuse, above), and nothing is stored."""
    from core.cli import main

    for args in (["--help"], ["db", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
    assert not (bare_env / DEMO_SECRET_FILE).exists()
