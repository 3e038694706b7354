"""``sympraxis plugins new NAME``: a complete plugin distribution, ready to install and test.

The files are ``string.Template`` texts under ``template/`` (suffix ``.tmpl``, so that neither
ruff, pytest nor Babel takes them for the platform's own code); ``PLUGIN`` in a path becomes the
plugin's name. The layout is that of ``docs/example/noticeboard`` (the quick start's), with the
toolkit's column types, ``create_tenant_table``, settings and translations added; its tests run
the kit's isolation, migration and conformance checks.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import keyword
import re
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).parent / "template"
#: lower-case identifiers only: the name is the package, the entry point, the URL prefix and the
#: prefix of every table and constraint (PostgreSQL cuts identifiers at 63 characters)
NAME = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
PLUGIN_GROUPS = ("sympraxis.plugins",)


class ScaffoldError(ValueError):
    """The name or the target cannot be used; the message says why and what to do."""


def installed_plugins(groups: tuple[str, ...] = PLUGIN_GROUPS) -> set[str]:
    """Names of the plugins installed in this environment (their entry points)."""
    return {ep.name for group in groups for ep in entry_points(group=group)}


def check_name(name: str, *, taken: set[str] | None = None) -> None:
    """Refuse a name that is not a lower-case identifier, names an installed plugin, or would
    shadow an importable module."""
    if not NAME.match(name) or keyword.iskeyword(name) or name.endswith("_"):
        raise ScaffoldError(
            f"{name!r} is not a valid plugin name: use 2 to 30 lower-case letters, digits and "
            "underscores, starting with a letter (it becomes the package, the URL and the table prefix)"
        )
    if name in (installed_plugins() if taken is None else taken):
        raise ScaffoldError(f"a plugin named {name!r} is already installed: choose another name")
    if importlib.util.find_spec(name) is not None:
        raise ScaffoldError(f"a Python module named {name!r} is already importable here: choose another name")


def generate(name: str, target: Path, *, title: str | None = None, taken: set[str] | None = None) -> Path:
    """Write the distribution of plugin ``name`` into the new folder ``target``; return it."""
    check_name(name, taken=taken)
    title = title or name.replace("_", " ").capitalize()
    if any(c in title for c in '"\\\n$'):
        raise ScaffoldError("the title may not contain quotes, backslashes, dollar signs or line breaks")
    target = Path(target)
    if target.exists():
        raise ScaffoldError(f"{target} already exists: give a new folder (nothing was written)")
    values = {
        "plugin": name,
        "title": title,
        "dist": f"sympraxis-{name.replace('_', '-')}",
        "today": dt.date.today().isoformat(),
    }
    files = sorted(p for p in TEMPLATE.rglob("*.tmpl") if p.is_file())
    rendered = {}
    for source in files:  # render everything first: a broken template writes nothing
        relative = source.relative_to(TEMPLATE).with_suffix("")
        path = Path(*(part.replace("PLUGIN", name) for part in relative.parts))
        rendered[path] = Template(source.read_text(encoding="utf-8")).substitute(values)
    for path, text in rendered.items():
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return target
