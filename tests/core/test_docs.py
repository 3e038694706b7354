"""The plugin documentation (docs/): it builds without a warning, names every hook, toolkit name and
fixture, takes its examples from code that runs, and its quick start's plugin passes its own tests."""

from __future__ import annotations

import inspect
import os
import posixpath
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from core import hookspecs
from core import toolkit as toolkit_module
from core.testing import pytest_plugin

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: What a docstring of the contract must not send a vendor to: files outside the repository.
OUTSIDE_REFERENCES = re.compile(r"DESIGN(\.md)?\s*§|\.\./shared|/work/|shared/DESIGN")


def _contract_docstrings() -> dict[str, str]:
    """Docstrings a vendor reads: the hook module and its hooks, the toolkit, the test kit."""
    import core.testing.conformance
    import core.testing.isolation
    import core.testing.migrations

    docs = {"core.hookspecs": hookspecs.__doc__ or "", "core.toolkit": toolkit_module.__doc__ or ""}
    docs.update({f"core.hookspecs.{n}": d or "" for n, d in hookspecs.documented_hooks().items()})
    for module in (pytest_plugin, core.testing.isolation, core.testing.migrations, core.testing.conformance):
        docs[module.__name__] = module.__doc__ or ""
    return docs


def test_contract_docstrings_point_only_inside_the_repository():
    """A vendor reading a hook's or the toolkit's docstring is never sent to a file they do not
    have (the architecture notes live outside the repository)."""
    outside = {
        name: m.group(0)
        for name, doc in _contract_docstrings().items()
        if (m := OUTSIDE_REFERENCES.search(doc))
    }
    assert not outside, outside


def test_outside_reference_check_is_not_vacuous():
    assert OUTSIDE_REFERENCES.search("grouped by purpose (DESIGN §5).")
    assert OUTSIDE_REFERENCES.search("see ../shared/DESIGN.md")
    assert not OUTSIDE_REFERENCES.search("see the hook reference in docs/hooks.md")


# --- the built site -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory) -> Path:
    """``make docs`` into a temporary folder: HTML, warnings as errors, every page read afresh."""
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-E", str(DOCS), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"the docs do not build cleanly:\n{result.stdout}\n{result.stderr}"
    return out


def _inventory(out: Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(out / "objects.inv", "rb") as fh:
        inventory = InventoryFile.load(fh, "", posixpath.join)
    return {name for entries in inventory.values() for name in entries}


def undescribed(html: str, names: list[str], prefix: str) -> list[str]:
    """The names without an entry in ``html`` (an object description with that id), or whose
    entry has no text of its own."""
    missing = []
    for name in names:
        match = re.search(
            rf'<dt class="sig[^"]*" id="{re.escape(prefix + name)}">.*?</dt>\s*<dd>(.*?)</dd>', html, re.S
        )
        if match is None or not re.search(r"<p>\s*\S", match.group(1)):
            missing.append(name)
    return missing


def fixture_names(module: types.ModuleType) -> list[str]:
    """The fixtures a module defines or re-exports (what the pytest plugin registers)."""
    from _pytest.fixtures import FixtureFunctionDefinition

    return sorted(n for n, v in vars(module).items() if isinstance(v, FixtureFunctionDefinition))


def test_every_toolkit_name_has_an_entry_with_a_description(built_docs):
    """The toolkit reference lists every name of ``core.toolkit.__all__``, each with a description
    (a new name without a docstring fails here, naming it)."""
    names = list(toolkit_module.__all__)
    inventory = _inventory(built_docs)
    assert [n for n in names if f"core.toolkit.{n}" not in inventory] == []
    html = (built_docs / "toolkit.html").read_text(encoding="utf-8")
    assert undescribed(html, names, "core.toolkit.") == []


def test_every_hook_has_an_entry_and_an_example_that_runs(built_docs):
    """The hook reference lists every hook with its docstring and, under it, an implementation
    taken from the test plugin or the docs examples plugin (both loaded by the test suite)."""
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import sympraxis_docs
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    html = (built_docs / "hooks.html").read_text(encoding="utf-8")
    hooks = sorted(hookspecs.documented_hooks())
    assert undescribed(html, hooks, "core.hookspecs.") == []
    for name in hooks:
        section = html.split(f'id="core.hookspecs.{name}"', 1)[1].split('<dt class="sig', 1)[0]
        code = re.sub(r"<[^>]+>", "", section)
        assert f"def {name}(" in code, name
        assert sympraxis_docs.example_file(name) in section, name


def test_every_fixture_has_a_docstring_and_a_line_in_the_testing_page(built_docs):
    """Each fixture the kit registers says what it gives (docstring) and is listed, by name, in
    the testing page a vendor reads."""
    names = fixture_names(pytest_plugin)
    assert {"app", "tenant_factory", "fresh_app", "sympraxis_plugins_under_test"} <= set(names)
    undocumented = [n for n in names if len((inspect.getdoc(getattr(pytest_plugin, n)) or "").strip()) < 20]
    assert undocumented == []
    page = (built_docs / "testing.html").read_text(encoding="utf-8")
    assert [
        n
        for n in names
        if f'<code class="docutils literal notranslate"><span class="pre">{n}</span></code>' not in page
    ] == []


def test_completeness_checks_are_not_vacuous():
    """An entry without text, a missing entry and a fixture that is not listed are all reported."""
    html = (
        '<dt class="sig sig-object py" id="core.toolkit.good"><span>good</span></dt>\n<dd><p>Does a thing.</p>\n</dd>'
        '<dt class="sig sig-object py" id="core.toolkit.empty"><span>empty</span></dt>\n<dd></dd>'
    )
    assert undescribed(html, ["good", "empty", "absent"], "core.toolkit.") == ["empty", "absent"]
    fake = types.ModuleType("fake_kit")

    @pytest.fixture
    def listed():
        """A fixture with a docstring."""

    fake.listed = listed
    assert fixture_names(fake) == ["listed"]


def test_quickstart_pages_include_the_example_that_is_tested(built_docs):
    """The quick start shows the files of docs/example/noticeboard (the distribution tested below)."""
    page = (built_docs / "quickstart.html").read_text(encoding="utf-8")
    for marker in ("noticeboard_notices", "sympraxis_plugins", "assert_plugin_isolated", "enable_tenant_rls"):
        assert marker in page, marker


# --- the quick start is true ----------------------------------------------------------------------


def test_quickstart_plugin_passes_its_own_tests(tmp_path):
    """The quick start's distribution, installed as a vendor would (an ordinary wheel, found
    through its entry point), passes its own test suite with the shipped kit: a page, an API
    route, a model, isolation, migrations and API conformance."""
    source = tmp_path / "src"
    shutil.copytree(DOCS / "example" / "noticeboard", source)
    site = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    for key in (
        "PYTEST_XDIST_WORKER",
        "PYTEST_XDIST_WORKER_COUNT",
        "SYMPRAXIS_TEST_PLUGINS",
        "SYMPRAXIS_TEST_DATABASE",
    ):
        env.pop(key, None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "7 passed" in run.stdout, run.stdout[-2000:]
