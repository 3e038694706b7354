"""Tests of the hearings plugin (issue 4)."""
