"""Testing support for the core and for plugin authors: a pytest plugin and isolation checks."""
