"""A plugin whose manifest hook raises: start-up must refuse it and carry on.

Not an entry point; the tests load it with ``register_test_plugin({"brokenmanifest": ...})``.
"""

from core.toolkit import hookimpl


@hookimpl
def sympraxis_manifest():
    raise RuntimeError("manifest exploded")
