"""Refuse text PostgreSQL cannot store: NUL characters in query strings, forms and JSON bodies.

PostgreSQL rejects ``\\x00`` in text values, so a NUL that reaches a query or an INSERT turns bad
input into a server error (and a failed transaction). No real text contains one; a request that
does gets a clear refusal before any view or plugin runs: ``422`` as a problem document on the
API, a ``400`` page elsewhere.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_babel import gettext as _

from core.errors import problem, wants_problem_json

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def contains_nul(value: Any) -> bool:
    """True if a string, or any key or string inside nested lists and dicts, contains NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def _query_may_hold_nul(raw: str) -> bool:
    """A query string can decode to NUL only through ``%00`` or a raw NUL: anything else need not
    be parsed here (most requests have no query string at all)."""
    return bool(raw) and ("%00" in raw or "\x00" in raw)


def nul_locations() -> list[str]:
    """Where this request carries a NUL character: ``query``, ``form``, ``json``."""
    found = []
    if _query_may_hold_nul(request.environ.get("QUERY_STRING", "")) and any(
        contains_nul(k) or contains_nul(v) for k, v in request.args.items(multi=True)
    ):
        found.append("query")
    if request.method not in SAFE_METHODS:
        if request.mimetype in FORM_TYPES:
            if any(contains_nul(k) or contains_nul(v) for k, v in request.form.items(multi=True)):
                found.append("form")
        elif request.is_json and contains_nul(request.get_json(silent=True)):
            found.append("json")
    return found


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> Any:
        found = nul_locations()
        if not found:
            return None
        message = _("Text cannot contain NUL characters.")
        if wants_problem_json():
            return problem(
                422,
                _("Some of the information given is not valid."),
                message,
                errors={where: [message] for where in found},
            )
        from flask import abort

        g.error_detail = message
        abort(400)
        return None
