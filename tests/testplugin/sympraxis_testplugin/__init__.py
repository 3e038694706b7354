"""A test-only plugin, written against ``core.toolkit`` exactly as a vendor would."""
