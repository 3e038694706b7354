"""Sphinx extension of the plugin docs: the hook reference is generated from ``core.hookspecs``.

``.. sympraxis-hooks::`` writes, for every hook of the contract in source order, its signature and
docstring (autodoc) followed by one working example: the implementation in the test plugin
(``tests/testplugin/sympraxis_testplugin/plugin.py``), else in the docs examples plugin
(``tests/testplugin/sympraxis_testplugin/examples.py``), both run by the test suite. A hook with
no example anywhere is a build warning, which fails ``make docs`` (``-W``).

Re-exports of ``core.toolkit`` that come from Flask, Flask-Babel or other libraries keep a
one-line description naming where they come from instead of the library's own docstring (written
for that library's docs, its cross-references and markup would not build here).
"""

from __future__ import annotations

import ast
import inspect
import os
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: Where examples are taken from, in order of preference (paths relative to the repository).
EXAMPLE_FILES = (
    "tests/testplugin/sympraxis_testplugin/plugin.py",
    "tests/testplugin/sympraxis_testplugin/examples.py",
)


def hook_names() -> list[str]:
    """The hooks of ``core.hookspecs`` in source order."""
    from core import hookspecs

    documented = hookspecs.documented_hooks()
    return sorted(documented, key=lambda n: inspect.getsourcelines(getattr(hookspecs, n))[1])


def implemented_in(path: str) -> set[str]:
    """Names of the module-level functions of the file at ``path`` (relative to the repository)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def example_file(hook: str) -> str | None:
    """The first example file implementing ``hook``, or None."""
    return next((p for p in EXAMPLE_FILES if hook in implemented_in(p)), None)


class HooksDirective(SphinxDirective):
    """Every hook: its reference entry and one example from code that runs in the tests."""

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for name in hook_names():
            path = example_file(name)
            lines += [name, "-" * len(name), "", f".. autofunction:: core.hookspecs.{name}", ""]
            if path is None:
                log.warning(
                    "hook %s has no example in %s",
                    name,
                    ", ".join(EXAMPLE_FILES),
                    location=self.get_location(),
                )
                continue
            for p in EXAMPLE_FILES:
                self.env.note_dependency(os.path.join(ROOT, p))
            lines += [
                f"Example (``{path}``):",
                "",
                f".. literalinclude:: /../{path}",
                f"   :pyobject: {name}",
                "   :language: python",
                "",
            ]
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="core/hookspecs.py"), container)
        return container.children


#: What the reference says of toolkit names whose definition has no docstring yet (the first
#: docstring written at the definition replaces it). Keep short; prefer writing the docstring.
FALLBACK_DESCRIPTIONS = {
    "CORE_API_VERSION": 'The version of the plugin contract (this toolkit and the hooks), e.g. ``"1.1.0"``. '
    'A plugin\'s manifest declares the range it supports in ``core_api`` (``">=1.1,<2"``).',
    "active_tenant_id": "The id of the municipality whose context is active (a request's host, or "
    "``tenant_context``), or None.",
    "current_role": "The signed-in account's :class:`Role` in the current municipality, or None "
    "(signed out, or not a member).",
    "has_role": "Whether the signed-in account's role in the current municipality is at least ``role`` "
    '(``Role`` or its name: ``"member"``, ``"moderator"``, ``"staff"``, ``"admin"``).',
    "has_permission": "Whether the signed-in account holds ``permission`` (a name declared by a "
    "``sympraxis_permissions`` hook, or ``core.read`` … ``core.administer``) in the current municipality.",
    "organisations_of": "The account's memberships of organisations (``OrganisationMember`` rows, with "
    "``organisation_id`` and ``role``; load the ``Organisation`` by id): what it may act on behalf of. "
    "Whether it may act *here* also needs an approved ``Affiliation`` of that organisation with the "
    "municipality (a tenant-owned row, so the query sees the current municipality's only).",
    "AccountId": "The column type of ``accounts.id`` (``BIGINT``; ``INTEGER`` on SQLite): "
    '``sa.Column("account_id", AccountId, ...)`` in a migration; models use :func:`account_fk`.',
    "OrganisationId": "The column type of ``organisations.id``, as :data:`AccountId`; models use "
    ":func:`organisation_fk`.",
    "Mail": "A mail to send with :func:`send_mail`: ``to`` (addresses), ``subject``, ``text`` (the plain "
    "part, required), ``html`` (optional), ``attachments`` (:class:`Attachment`), ``reply_to``.",
    "Attachment": "A file attached to a :class:`Mail`: ``filename``, ``content`` (bytes), ``mimetype``.",
    "AffiliationStatus": "Where an organisation stands with a municipality: ``pending``, ``approved`` or "
    "``rejected`` (``Affiliation.status``).",
    "utcnow": "The current time as a naive UTC datetime, the way every datetime column stores it.",
}


#: Toolkit names the core defines as instances of a library's type (so not re-exports)
OWN_OBJECTS = frozenset({"AccountId", "OrganisationId"})


def _foreign(obj: Any) -> str | None:
    """The library a re-exported object comes from, or None for the core's own objects."""
    if hasattr(type(obj), "_get_current_object"):  # flask.g, flask.request (context-local proxies)
        return "flask"
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        return None
    top = module.split(".", 1)[0]
    return None if top in ("core", "builtins") else module


def _toolkit_name(name: str) -> str | None:
    """``core.toolkit.X`` → ``X``; None for anything else (class members included)."""
    prefix = "core.toolkit."
    if name.startswith(prefix) and "." not in name[len(prefix) :]:
        return name[len(prefix) :]
    return None


def process_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A library's re-export: a line saying where it comes from; an own name without a docstring:
    its fallback description."""
    short = _toolkit_name(name)
    if short is None:
        return
    source = None if short in OWN_OBJECTS else _foreign(obj)
    if source is not None:
        lines[:] = [
            f"Re-exported unchanged from ``{source}`` (``{short}``), so that plugins import it from the "
            "toolkit; that library's documentation describes it."
        ]
    elif short in FALLBACK_DESCRIPTIONS and (
        not any(ln.strip() for ln in lines)
        or type(obj).__module__ == "builtins"  # a str's doc is str's
        or short in OWN_OBJECTS  # an instance of a library's type: its docstring is the type's
    ):
        lines[:] = [FALLBACK_DESCRIPTIONS[short]]


def skip_member(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """Members of a class: only its own documented ones (no mapped columns, no methods
    inherited from Flask or SQLAlchemy)."""
    if what == "class" and (_foreign(obj) is not None or type(obj).__module__.startswith("sqlalchemy")):
        return True
    return None


def toolkit_entries() -> list[tuple[str, str]]:
    """``(directive, name)`` for every name of ``core.toolkit.__all__``: classes, then
    exceptions, then functions and decorators, then other objects, each group in ``__all__`` order."""
    import core.toolkit as toolkit

    groups: dict[str, list[tuple[str, str]]] = {"class": [], "exception": [], "function": [], "data": []}
    for name in toolkit.__all__:
        obj = getattr(toolkit, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            groups["exception"].append(("autoexception", name))
        elif inspect.isclass(obj):
            groups["class"].append(("autoclass", name))
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            groups["function"].append(("autofunction", name))
        else:
            groups["data"].append(("autodata", name))
    return [entry for group in groups.values() for entry in group]


class ToolkitDirective(SphinxDirective):
    """One autodoc entry per name of ``core.toolkit.__all__`` (what others add shows up by itself)."""

    titles = {
        "autoclass": "Classes",
        "autoexception": "Exceptions",
        "autofunction": "Functions and decorators",
        "autodata": "Objects",
    }

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        current = None
        for directive, name in toolkit_entries():
            if directive != current:
                current = directive
                title = self.titles[directive]
                lines += [title, "-" * len(title), ""]
            obj = getattr(__import__("core.toolkit").toolkit, name)
            if hasattr(type(obj), "_get_current_object"):
                # a context-local proxy (flask.g, flask.request): introspecting it needs a request
                lines += [
                    f".. py:data:: core.toolkit.{name}",
                    "",
                    f"   Re-exported unchanged from ``flask`` (``flask.{name}``), so that plugins import it "
                    "from the toolkit: the context-local proxy of the current request.",
                    "",
                ]
                continue
            lines.append(f".. {directive}:: core.toolkit.{name}")
            if directive == "autoclass" and _foreign(obj) is None:
                lines.append("   :members:")
            if directive == "autodata":
                lines.append("   :no-value:")
            lines.append("")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="core/toolkit.py"), container)
        return container.children


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("sympraxis-hooks", HooksDirective)
    app.add_directive("sympraxis-toolkit", ToolkitDirective)
    app.connect("autodoc-process-docstring", process_docstring)
    app.connect("autodoc-skip-member", skip_member)
    return {"parallel_read_safe": True, "version": "1"}
