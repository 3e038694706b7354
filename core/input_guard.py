"""Bad input gets a clear 4xx before any view or plugin runs, never a 500.

- Text PostgreSQL cannot store: NUL characters in query strings, forms, upload file names and
  JSON bodies (PostgreSQL rejects ``\\x00`` in text values, so a NUL that reaches a query turns
  bad input into a server error and a failed transaction).
- JSON bodies PostgreSQL or Python cannot take: nesting deeper than :data:`MAX_JSON_DEPTH`, lone
  surrogates (``"\\ud800"``: not encodable as UTF-8), integers beyond 64 bits and floats beyond
  double precision (``1e999``), ``NaN``/``Infinity`` (not JSON).
- Integers in paths beyond 64 bits: the ``int`` converter is bounded, so ``/tenants/<huge>`` is
  the 404 of a row that does not exist rather than an out-of-range database error.
- Query-string integers and dates go through :func:`int_arg` and :func:`parse_date` (bounded).
- Uploads (``multipart/form-data``): one limit (``MAX_CONTENT_LENGTH``), checked from
  ``Content-Length`` before the body is read, and no multipart body is read for a request that is
  not signed in (anonymous uploads are refused unread).

The API gets a problem document (``422``, ``400`` for a query-string number out of bounds,
``413`` for an oversized upload, ``401`` for an anonymous one); other pages get the error page with the message.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from core.errors import problem, wants_problem_json

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
MULTIPART = "multipart/form-data"

#: The largest value of a signed 64-bit integer (PostgreSQL ``bigint``, SQLite ``INTEGER``).
MAX_INT64 = 2**63 - 1
#: JSON bodies nest at most this deep (the API's schemas need three or four levels).
MAX_JSON_DEPTH = 32
#: Dates typed into filters and forms: anything outside is a typing error, not a date we hold.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` path segments: 0 … 2⁶³−1 (the database's integer range); beyond is a 404."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(
            map, fixed_digits=fixed_digits, min=min, max=MAX_INT64 if max is None else max, signed=signed
        )


class BadInput(ValueError):
    """A value from the request that cannot be used; ``str(exc)`` is the user's message."""


def refuse(status: int, message: str, where: str) -> None:
    """Stop the request for bad input: a problem document on the API, the error page elsewhere."""
    if wants_problem_json():
        title = (
            _("The upload is too large.")
            if status == 413
            else _("Some of the information given is not valid.")
        )
        abort(problem(status, title, message, errors={where: [message]}))
    g.error_detail = message
    abort(status)


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int = 1_000_000) -> int:
    """An integer query-string argument within bounds; anything else is a 400 naming the bounds."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 20 else None
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        refuse(
            400,
            _(
                "“%(name)s” must be a whole number from %(min)d to %(max)d.",
                name=name,
                min=minimum,
                max=maximum,
            ),
            "query",
        )
    return value


def parse_date(value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` date between :data:`MIN_DATE` and :data:`MAX_DATE`; None when empty.

    Raises :class:`BadInput` with the user's message otherwise (so ``9999-12-31``, whose next day
    does not exist, never reaches date arithmetic)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(_("Enter a date as YYYY-MM-DD.")) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadInput(
            _(
                "Enter a date between %(first)s and %(last)s.",
                first=MIN_DATE.isoformat(),
                last=MAX_DATE.isoformat(),
            )
        )
    return day


def upload_limit() -> int:
    """The one upload limit: the largest request body, in bytes (``MAX_CONTENT_LENGTH``)."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


# --- text PostgreSQL cannot store ----------------------------------------------------------------


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
    """Where this request carries a NUL character: ``query``, ``form``, ``files``."""
    found = []
    if _query_may_hold_nul(request.environ.get("QUERY_STRING", "")) and any(
        contains_nul(k) or contains_nul(v) for k, v in request.args.items(multi=True)
    ):
        found.append("query")
    if request.method not in SAFE_METHODS and request.mimetype in FORM_TYPES:
        if any(contains_nul(k) or contains_nul(v) for k, v in request.form.items(multi=True)):
            found.append("form")
        if request.mimetype == MULTIPART and any(
            contains_nul(k) or contains_nul(f.filename or "") for k, f in request.files.items(multi=True)
        ):
            found.append("files")
    return found


# --- JSON bodies ---------------------------------------------------------------------------------


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) > MAX_INT64:
        raise BadInput(_("This number is too large."))
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadInput(_("This number is too large."))
    return value


def _json_constant(text: str) -> Any:
    raise BadInput(_("NaN and Infinity are not JSON numbers."))


def json_problem(value: Any) -> str | None:
    """What makes a parsed JSON document unusable (too deep, a lone surrogate, NUL), or None.

    Walks the document with an explicit stack: a recursive walk is what deep nesting breaks."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _("Text cannot contain NUL characters.")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return _("Text must be valid Unicode (a lone surrogate such as \\ud800 is not).")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return _("The JSON document is nested too deeply (at most %(n)d levels).", n=MAX_JSON_DEPTH)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def check_json_body() -> str | None:
    """Parse this request's JSON body once, with bounds; cache it for the view; the problem or None."""
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        parsed = json.loads(data, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except BadInput as exc:
        return str(exc)
    except RecursionError:
        return _("The JSON document is nested too deeply (at most %(n)d levels).", n=MAX_JSON_DEPTH)
    except ValueError:
        return None  # not JSON at all: the view's own parser answers that (400)
    found = json_problem(parsed)
    if found is None:
        # what the views and flask-smorest read next: parsed once, here, with the bounds above
        request._cached_json = (parsed, parsed)  # type: ignore[attr-defined]
    return found


# --- uploads -------------------------------------------------------------------------------------


def _refuse_uploads_early() -> None:
    """Oversized or anonymous multipart bodies are refused from the headers, before a byte is read."""
    if request.method in SAFE_METHODS or request.mimetype != MULTIPART:
        return
    limit = upload_limit()
    if request.content_length is not None and request.content_length > limit:
        refuse(413, _("Files of at most %(mb)d MB can be uploaded.", mb=limit // (1024 * 1024)), "files")
    from flask_login import current_user

    if not current_user.is_authenticated:
        g.error_detail = _("Please sign in to upload files.")
        abort(401)


def init_app(app: Flask) -> None:
    """Bounded integers in URLs (:func:`guard_input` is placed by core.lifecycle)."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def guard_input() -> Any:
    """before_request, after tenant resolution and before the CSRF check and any view: NUL
    characters, oversized uploads and malformed JSON bodies answer 4xx, never a 500."""
    _refuse_uploads_early()
    found = nul_locations()
    if found:
        message = _("Text cannot contain NUL characters.")
        if wants_problem_json():
            return problem(
                422,
                _("Some of the information given is not valid."),
                message,
                errors={where: [message] for where in found},
            )
        g.error_detail = message
        abort(400)
    if request.method not in SAFE_METHODS and request.is_json:
        message = check_json_body()
        if message is not None:
            refuse(422, message, "json")
    return None
