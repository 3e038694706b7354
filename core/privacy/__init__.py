"""Personal data by the book (issue 12 §4): retention schedule, guests' requests, their records.

- :mod:`core.privacy.retention`: how long each kind of personal data is kept, per municipality,
  declared by the plugins (hook ``sympraxis_retention_rules``) and enforced by a periodic job;
- :mod:`core.privacy.guests`: people without an account (a guest who registered by e-mail) ask
  for their data or its erasure through a signed, single-use link mailed to them;
- :mod:`core.privacy.views`: the pages of that request on the municipality's host.
"""
