"""First-party plugins, each a package built only on ``core.toolkit`` (DESIGN §5)."""
