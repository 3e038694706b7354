"""Moderation of reported comments."""
