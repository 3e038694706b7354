"""Attendees' feedback on meetings."""
