"""Programmes: series of meetings with one registration form."""
