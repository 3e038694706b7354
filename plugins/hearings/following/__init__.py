"""Following consultations by mail."""
