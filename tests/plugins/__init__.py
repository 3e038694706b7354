"""Tests of the first-party plugins, one package each."""
