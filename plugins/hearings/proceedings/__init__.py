"""Finishing a meeting and its minutes."""
