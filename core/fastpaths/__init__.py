"""Fast paths: where the core leans on how a dependency behaves, for speed, and nowhere else.

Each lives in a module of its own here, whose docstring says what it relies on; a test in
``tests/core/test_fastpaths.py`` pins that behaviour, so that an upgrade which changes it fails a
test instead of a request. A fast path stays only while ``benchmarks/fastpaths.py`` shows it
gaining more than the control's spread in the same run (the figures: ``benchmarks/README.md``).

- :mod:`core.fastpaths.transaction_start`: the request's enabled plugins read in the same query
  as its tenant setting, as its transaction opens.

Removed after that comparison (issue 11 §6), their public form in their place: compiled
marshmallow dumps, the raw libpq ``BEGIN; EXECUTE`` with server-side prepared statements, the
driver-level COMMIT of a read-only request, the patch of Flask-Login's after-request list, and
the ``ensure_sync`` cache.
"""
