"""Comments on consultations."""
