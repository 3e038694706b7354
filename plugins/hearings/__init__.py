"""Hearings: open consultations article by article, public hearings and workshops (issue 4)."""
