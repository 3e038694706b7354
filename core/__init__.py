"""Sympraxis core: the kernel every request passes through.

The core imports neither ``tenants`` nor ``plugins``; they plug in through the hooks in
:mod:`core.hookspecs`, exactly as an outside vendor's plugin would.
"""

#: Version of the plugin contract (``core.toolkit`` and ``core.hookspecs``). Plugins declare the
#: range they support in their manifest; a breaking change to the toolkit is a major version.
CORE_API_VERSION = "1.4.0"
