"""Meetings: public hearings, civic forums and workshops."""
