"""Consultations article by article: drafts, the lifecycle, the consultation page."""
