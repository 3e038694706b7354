"""Flask's signed-cookie sessions, minus the work a request without a session cookie does not need.

Flask builds a new signing serializer (key derivation objects included) on every request, and
``save_session`` reads seven cookie settings before it finds the session empty. API clients and
first visits carry no session cookie, so on the hot path both are waste: this interface keeps one
serializer per secret key and returns early for an empty, unmodified session. What it answers is
exactly what Flask's :class:`~flask.sessions.SecureCookieSessionInterface` answers.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> Any:
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("sympraxis_session_serializer")
        if cached is None or cached[0] != key:  # a rotated key takes effect at once
            cached = (key, super().get_signing_serializer(app))
            app.extensions["sympraxis_session_serializer"] = cached
        return cached[1]

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.environ.get("HTTP_COOKIE"):
            return self.session_class()  # no cookie at all: an empty session, nothing to verify
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if g.get("auth_method") == "token":
            return  # a bearer token never turns into a cookie session (not even for ?lang=)
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
