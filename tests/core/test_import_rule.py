"""The import rule as an allow-list (issue 11 §3): a plugin imports core.toolkit and core.testing,
nothing else of the core, and vendors get the same contract to copy into their own CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "core" / "testing" / "importlinter.ini"
LINT = os.path.join(os.path.dirname(sys.executable), "lint-imports")


def _lint(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    package = tmp_path / "vendor_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    config = tmp_path / ".importlinter"
    config.write_text(TEMPLATE.read_text().replace("my_plugin", "vendor_probe"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    return subprocess.run(
        [LINT, "--config", str(config), "--no-cache"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "source",
    [
        "from core.columns import AccountId\n",  # a core module the old deny-list did not name
        "from core import CORE_API_VERSION\n",
        "import tenants.catalog\n",
        "from plugins.hearings import models\n",
    ],
)
def test_vendor_contract_refuses_anything_but_the_toolkit(tmp_path, source):
    """The vendors' contract breaks on any import of the core outside the toolkit and the kit,
    of ``tenants``, or of another plugin."""
    done = _lint(tmp_path, {"plugin.py": "from core.toolkit import hookimpl\n", "bad.py": source})
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and "vendor_probe.bad" in done.stdout


def test_vendor_contract_allows_the_toolkit_and_the_kit(tmp_path):
    done = _lint(
        tmp_path,
        {
            "plugin.py": "from core.toolkit import hookimpl, db\n",
            "checks.py": "from core.testing.isolation import assert_plugin_isolated\n",
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout
