"""Consultation law as configuration: rule sets per country, the working-day calendar, the checks
that refuse or record an exception, and the history of date changes (issue 12 §1)."""
