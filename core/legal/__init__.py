"""Notices every public site must show, and the records of processing (issue 12 §3, §4).

- :mod:`core.legal.declarations`: what personal data each plugin (and the core) holds, why, on
  which legal basis and for how long (hook ``sympraxis_personal_data_declarations``); the privacy
  notices and the records of processing are generated from it.
- :mod:`core.legal.models`: a municipality's controller identity and accessibility status, its
  edited notices (per kind and language), and the accessibility feedback it receives.
- :mod:`core.legal.notices`: the templates shipped per language (``shipped/<lang>/<kind>.md``),
  the municipality's edits, and their placeholders filled from its settings, the operator's
  configuration and the per-country facts (:mod:`core.legal.countries`);
- :mod:`core.legal.services`: saving notices and details, accessibility feedback to its answer;
- :mod:`core.legal.footer`: the footer every mail carries.
- :mod:`core.legal.views`: ``/legal/...`` on every host (the apex: the account's privacy notice).

The municipality's staff edit notices, answer feedback and print the records in ``/admin/legal``
(``tenants.legal_admin``).
"""
