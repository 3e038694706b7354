"""The speaker list of a meeting."""
