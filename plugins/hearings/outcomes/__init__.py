"""The register of recommendations and the published outcome."""
