"""``sympraxis plugins new NAME`` (issue 11 §5): a vendor's first command writes a complete
distribution that installs as a plugin and passes its own tests, and refuses a bad name with a
message and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from core.cli import main
from core.scaffold import TEMPLATE

SCRIPT = os.path.join(os.path.dirname(sys.executable), "sympraxis")


def _env(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYMPRAXIS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SYMPRAXIS_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS", '["sympraxis.plugins", "sympraxis.test_plugins"]')
    monkeypatch.setenv("SYMPRAXIS_SECRET_KEY", "scaffold-test-" + "k" * 40)  # the app starts


def _kit_env(site) -> dict[str, str]:
    """The environment of a vendor's own test run: the installed distribution on the path, none
    of this run's worker or plugin selection."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    for key in (
        "PYTEST_XDIST_WORKER",
        "PYTEST_XDIST_WORKER_COUNT",
        "SYMPRAXIS_TEST_PLUGINS",
        "SYMPRAXIS_TEST_DATABASE",
    ):
        env.pop(key, None)
    return env


def test_generated_plugin_installs_and_passes_its_own_tests(tmp_path, monkeypatch):
    """The generated distribution, installed as a vendor would (an ordinary build found through its
    entry point, here into a folder of its own so no other test sees it), passes its generated
    tests: page, API with token and permission, 422 as problem+json, the page in el/bg/ro/en,
    isolation between municipalities, migrations (at head, round trip) and API conformance."""
    _env(tmp_path, monkeypatch)
    source = tmp_path / "sympraxis-scaffolded"
    made = CliRunner().invoke(
        main, ["plugins", "new", "scaffolded", "--title", "Scaffolded", "-d", str(source)]
    )
    assert made.exit_code == 0, made.output
    expected = [
        "pyproject.toml",
        "scaffolded/plugin.py",
        "scaffolded/models.py",
        "scaffolded/migrations/versions/scaffolded_0001.py",
        "scaffolded/services.py",
        "scaffolded/schemas.py",
        "scaffolded/api.py",
        "scaffolded/views.py",
        "scaffolded/templates/scaffolded/index.html",
        *(f"scaffolded/translations/{lang}/LC_MESSAGES/messages.po" for lang in ("el", "bg", "ro", "en")),
        "tests/test_scaffolded.py",
    ]
    assert [p for p in expected if not (source / p).is_file()] == []
    migration = (source / "scaffolded/migrations/versions/scaffolded_0001.py").read_text()
    assert "create_tenant_table(" in migration and 'branch_labels = ("scaffolded",)' in migration
    for path in source.rglob("*.py"):  # a vendor plugin imports only the toolkit from the core
        text = path.read_text()
        imports = [line for line in text.splitlines() if line.startswith(("from core", "import core"))]
        allowed = ("from core.toolkit ", "from core.testing")
        assert all(line.startswith(allowed) for line in imports), (path, imports)

    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    assert (site / "scaffolded" / "translations" / "el" / "LC_MESSAGES" / "messages.po").is_file()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=source, env=_kit_env(site), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "12 passed" in run.stdout, run.stdout[-2000:]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("Bad-name", "is not a valid plugin name"),
        ("2fast", "is not a valid plugin name"),
        ("class", "is not a valid plugin name"),
        ("hearings", "a plugin named 'hearings' is already installed"),
        ("testplugin", "a plugin named 'testplugin' is already installed"),
        ("json", "a Python module named 'json' is already importable"),
    ],
)
def test_a_bad_name_is_refused_with_a_message_and_exit_code_2(tmp_path, monkeypatch, name, says):
    """A name that cannot be a package, clashes with an installed plugin or would shadow a module
    is refused before anything is written, with the reason and the usage exit code."""
    _env(tmp_path, monkeypatch)
    target = tmp_path / "out"
    result = CliRunner().invoke(main, ["plugins", "new", name, "-d", str(target)])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert not target.exists()


def test_an_existing_folder_is_left_alone(tmp_path, monkeypatch):
    """Generating into a folder that exists refuses (exit code 2) and changes nothing in it."""
    _env(tmp_path, monkeypatch)
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep.txt").write_text("my work")
    result = CliRunner().invoke(main, ["plugins", "new", "freshname", "-d", str(target)])
    assert result.exit_code == 2, result.output
    assert "already exists" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    assert (target / "keep.txt").read_text() == "my work"


def test_new_works_before_the_platform_is_configured(tmp_path):
    """A vendor who has not configured a secret key or a database can still generate a plugin;
    the other ``plugins`` commands keep saying what is missing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMPRAXIS_")}
    env["SYMPRAXIS_INSTANCE_PATH"] = str(tmp_path)
    made = subprocess.run(
        [SCRIPT, "plugins", "new", "offline", "-d", str(tmp_path / "offline")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "offline" / "offline" / "plugin.py").is_file()
    listed = subprocess.run([SCRIPT, "plugins", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode != 0 and "SYMPRAXIS_SECRET_KEY" in listed.stderr, listed.stderr


def test_every_template_renders_with_no_placeholder_left(tmp_path):
    """Every file of the scaffold is written, with the name substituted everywhere (a ``$`` that
    is not a placeholder would make the generator fail for every vendor)."""
    from core.scaffold import generate

    out = generate("checked", tmp_path / "d", taken=set())
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) == len(list(TEMPLATE.rglob("*.tmpl")))
    for path in written:
        assert "${" not in path.read_text(encoding="utf-8"), path
        assert "PLUGIN" not in str(path.relative_to(out)), path
