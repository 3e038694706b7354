"""What a request gets when the database is out (DESIGN §8: degrade, never hang, 503 + Retry-After).

* A database outage (the server stopped, restarting, unreachable, the pool exhausted) answers 503
  with ``Retry-After``: problem+json on the API, a translated page in HTML. The handler rolls the
  session back first and renders without touching the database: the locale comes from the
  request alone (``?lang=``, the session cookie, ``Accept-Language``, the host's municipality,
  which is cached in memory), and the page is a template of its own, without the context
  processors that read the account, branding or plugin navigation.
* Teardown never raises: a rollback on a dead connection is logged, and the session discarded.
* A last-resort WSGI middleware answers for anything that still escapes Flask (an error handler
  or teardown that raised), so that gunicorn's bare "Internal Server Error" page is never what a
  user gets.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session

try:  # PostgreSQL only; SQLite installs need not have psycopg
    import psycopg as _psycopg

    _DRIVER_OUTAGES: tuple[type[BaseException], ...] = (_psycopg.OperationalError, _psycopg.InterfaceError)
except ImportError:  # pragma: no cover
    _DRIVER_OUTAGES = ()

log = logging.getLogger(__name__)

#: Exceptions that mean "the database cannot be reached now", not "this request is wrong".
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,  # the pool had no connection to give within its timeout
    *_DRIVER_OUTAGES,
)
DEFAULT_RETRY_AFTER = 30


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unreachable."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def safe_rollback() -> None:
    """Roll the request's session back; on a dead connection, log and discard it. Never raises."""
    from core.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; its pool entry is invalidated
        log.warning("rollback failed; discarding the session", exc_info=True)
        try:
            db.session.close()
        except Exception:  # noqa: BLE001
            log.warning("closing the session failed", exc_info=True)


def safe_remove_session(exc: BaseException | None = None) -> None:
    """Teardown: send what a transaction that wrote nothing queued (see
    :func:`core.db.commit_pending_side_effects`), then end the session as Flask-SQLAlchemy does,
    but never raise."""
    from core.db import commit_pending_side_effects
    from core.extensions import db

    if exc is None:
        try:
            commit_pending_side_effects(db.session())
        except Exception:  # noqa: BLE001 - the outbox entries roll back with it; logged
            log.warning("could not commit the jobs and mail queued at the end of the context", exc_info=True)
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001
        log.warning("removing the session at teardown failed", exc_info=True)


def request_locale() -> str:
    """The page's language from the request alone (no account, no database)."""
    supported = list(current_app.config.get("SUPPORTED_LOCALES") or ["en"])
    tenant = g.get("tenant")
    allowed = [
        loc for loc in (getattr(tenant, "locales", None) or supported) if loc in supported
    ] or supported
    chosen = request.args.get("lang")
    if chosen in allowed:
        return chosen
    try:
        remembered = session.get("lang")
    except Exception:  # noqa: BLE001 - a broken cookie must not break the error page
        remembered = None
    if remembered in allowed:
        return remembered
    best = request.accept_languages.best_match(allowed)
    if best:
        return best
    default = getattr(tenant, "default_locale", None)
    return default if default in allowed else current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def _retry_after() -> str:
    return str(int(current_app.config.get("DB_OUTAGE_RETRY_AFTER", DEFAULT_RETRY_AFTER)))


def unavailable_response() -> Response:
    """503 with Retry-After, rendered without the database."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from core.errors import problem, wants_problem_json

    locale = request_locale()
    with force_locale(locale):
        title = _("The service is unavailable for a moment.")
        detail = _(
            "We cannot reach our database right now. Please try again in a minute; "
            "if you were sending something, check afterwards whether it arrived."
        )
        if wants_problem_json():
            response = problem(503, title, detail)
        else:
            template = current_app.jinja_env.get_template("core/unavailable.html")
            html = template.render(title=title, detail=detail, locale=locale, home=_("Go to the home page"))
            response = Response(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = _retry_after()
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_outage(exc: BaseException) -> Response:
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__
    )
    safe_rollback()
    return unavailable_response()


# --- the last resort ------------------------------------------------------------------------------

_LAST_RESORT_HTML = (
    "<!doctype html><html><head><meta charset=utf-8><title>{status}</title></head><body>"
    "<h1>{status}</h1><p>The service could not answer this request. Please try again in a minute.</p>"
    "</body></html>"
)


class LastResort:
    """WSGI middleware: an exception that escapes the Flask app gets a small answer of ours.

    Flask's own handlers cover a view's errors; this covers an error handler that raised, a
    teardown or ``after_request`` function that raised, so gunicorn never sends its bare page.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # the app's start_response is held back until the app has returned: Flask calls it, then
        # runs teardown, which may raise; only then is it known which answer to start
        started: list[tuple[Any, ...]] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [(status, headers, exc_info)]
            return self._no_write

        try:
            body = self.wsgi_app(environ, hold)
        except Exception as exc:  # noqa: BLE001
            log.exception("error escaped the application on %s", environ.get("PATH_INFO"))
            outage = is_database_outage(exc)
            status = 503 if outage else 500
            path = environ.get("PATH_INFO") or ""
            if path.startswith("/api/"):
                title = "Service unavailable" if outage else "Internal server error"
                body = json.dumps({"type": "about:blank", "title": title, "status": status}).encode()
                content_type = "application/problem+json"
            else:
                body = _LAST_RESORT_HTML.format(status=status).encode()
                content_type = "text/html; charset=utf-8"
            headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
            if outage:
                headers.append(("Retry-After", str(DEFAULT_RETRY_AFTER)))
            reason = "Service Unavailable" if outage else "Internal Server Error"
            start_response(f"{status} {reason}", headers)
            return [body]
        start_response(*started[0])
        return body

    @staticmethod
    def _no_write(_data: bytes) -> None:
        raise RuntimeError("the WSGI write() callable is not supported behind LastResort")


def init_app(app: Flask) -> None:
    """The outage handlers (:func:`safe_remove_session` and :class:`LastResort` are placed by
    core.lifecycle: the teardown before Flask-SQLAlchemy's, the middleware outside Flask)."""
    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, handle_outage)
