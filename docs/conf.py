"""Sphinx configuration of the Sympraxis plugin documentation (``make docs``; checked by ``make test``)."""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(HERE, "_ext")]

from core import CORE_API_VERSION  # noqa: E402

project = "Sympraxis plugin SDK"
author = "The Sympraxis project"
copyright = "2026, the Sympraxis project"  # noqa: A001
version = release = CORE_API_VERSION

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sympraxis_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["colon_fence", "deflist", "substitution"]
myst_substitutions = {"release": CORE_API_VERSION}
myst_heading_anchors = 3
exclude_patterns = ["_build", "example/**/README.md"]
html_theme = "furo"
html_title = f"Sympraxis plugin SDK {CORE_API_VERSION}"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# the core is imported for autodoc; nothing there must need a database or an application
autodoc_mock_imports: list[str] = []
suppress_warnings = ["myst.xref_missing"]
nitpicky = False
# a method without its own docstring shows none (not the library's it overrides)
autodoc_inherit_docstrings = False
