"""The project's tests use the same pytest plugin as plugin authors (core.testing.pytest_plugin)."""
