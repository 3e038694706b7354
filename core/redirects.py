"""Where a ``next=`` parameter or a ``Referer`` may send the browser: this host's paths only.

Every redirect that follows user-supplied input goes through :func:`safe_redirect_target` (or
:func:`redirect_back`), so no form field, query string or header can turn a page of ours into an
open redirect. Plugins reach both through ``core.toolkit``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import has_request_context, redirect, request
from werkzeug.wrappers import Response


def safe_redirect_target(value: str | None, default: str | None = "/") -> str | None:
    """``value`` as a path on this host, or ``default`` if it could lead anywhere else.

    A path (``/hearings/x?y=1#c``) is kept. An absolute URL is kept only if it names this very
    host (a ``Referer``), and then reduced to its path and query. Refused: other hosts, schemes,
    ``//host``, backslashes (browsers read ``\\`` as ``/``), and spaces and control characters
    (browsers drop tabs and newlines, so ``/<TAB>/evil.example`` would leave the host).
    """
    if not value or not isinstance(value, str) or len(value) > 2048 or "\\" in value:
        return default
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return default
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return default
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not has_request_context():
            return default
        if parts.netloc.lower() != request.host.lower() or parts.username is not None:
            return default
        value = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or parts.netloc:
        return default
    return value


def redirect_back(default: str) -> Response:
    """Back to the page the user came from: a posted ``next``, else the ``Referer``, else
    ``default``; each only if it is a path on this host (see :func:`safe_redirect_target`)."""
    for candidate in (request.form.get("next"), request.args.get("next"), request.referrer):
        target = safe_redirect_target(candidate, None)
        if target is not None:
            return redirect(target)
    return redirect(default)
