"""Notification settings per person: what the platform may mail, per kind and municipality."""
