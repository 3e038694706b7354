"""Errors: HTML pages in the user's language, ``application/problem+json`` on the API."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_JSON = "application/problem+json"


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == PROBLEM_JSON


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    rid = request.environ.get("sympraxis.request_id")
    if rid:  # the key to this request's log lines, for whoever reports the problem
        body.setdefault("request_id", rid)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in to continue."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        410: _("This is no longer available."),
        413: _("The upload is too large."),
        415: _("This type of file is not accepted."),
        422: _("Some of the information given is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _(
            "Something went wrong on our side. Please try again; if you were sending something, "
            "check first whether it arrived."
        ),
    }


def render_error(exc: HTTPException) -> Response | tuple[str, int]:
    from flask_wtf.csrf import CSRFError

    status = exc.code or 500
    title = _messages().get(status, exc.name)
    if isinstance(exc, CSRFError) and not wants_problem_json():
        # the page was open too long, or the session ended meanwhile: say so, not "not understood"
        title = _("This page had expired, so what you sent was not saved.")
    detail = g.get("error_detail") or (
        exc.description if isinstance(exc.description, str) and g.get("error_detail_safe") else None
    )
    if wants_problem_json():
        extra: dict[str, Any] = {}
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            from core.i18n import validation_messages

            extra["errors"] = validation_messages(data["messages"])  # in the caller's language
        response = problem(status, title, detail, **extra)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    from flask.globals import request_ctx

    if request_ctx.url_adapter is None:
        # a host we do not serve: a bare page that names nothing of ours and links nowhere
        return Response(
            f"<!doctype html><html lang=en><title>{status}</title><h1>{status}</h1>",
            status=404 if status == 400 else status,
            mimetype="text/html",
        )
    html = render_template(
        "core/error.html", status=status, title=title, detail=detail, kept=kept_submission(status)
    )
    response = Response(html, status=status, mimetype="text/html")
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


#: statuses after which sending the same form again can succeed (an expired session or CSRF
#: token, a conflict, too many attempts, our own fault): the error page gives the text back
RESENDABLE = frozenset({400, 401, 409, 422, 429, 500, 503})
#: fields never echoed into a page: secrets, and the tokens the new form gets afresh
_NEVER_ECHOED = ("password", "secret", "token", "totp", "otp", "code", "_once")
#: a value this long (or with a line break) is shown to the person; shorter ones travel hidden
_SHOWN_FROM = 30


def kept_submission(status: int) -> dict[str, Any] | None:
    """What an HTML form posted, for the error page to give back (issue 16 §2: an expired session
    or a CSRF token that ran out must not throw away a long comment). ``None`` when there is
    nothing to keep, or sending again cannot help."""
    if request.method != "POST" or status not in RESENDABLE or request.path.startswith("/api/"):
        return None
    if request.mimetype != "application/x-www-form-urlencoded" or (request.content_length or 0) > 1024 * 1024:
        return None  # uploads are never read only to be shown back (a refused one stays unread)
    try:
        form = request.form
    except Exception:  # noqa: BLE001 - a body that does not parse has nothing to give back
        return None
    fields = [
        (name, value)
        for name, value in form.items(multi=True)
        if value and not any(word in name.lower() for word in _NEVER_ECHOED)
    ]
    if not fields:
        return None
    shown = [(n, v) for n, v in fields if len(v) >= _SHOWN_FROM or "\n" in v]
    if not shown:
        return None
    hidden = [(n, v) for n, v in fields if (n, v) not in shown]
    return {"action": request.path, "shown": shown, "hidden": hidden, "signed_out": status == 401}


def abort_with(status: int, detail: str) -> None:
    """Abort with a message the user should see (already translated)."""
    from flask import abort

    g.error_detail = detail
    abort(status)


def init_app(app: Flask) -> None:
    from core import faults

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        try:
            return render_error(exc)
        except Exception as render_exc:  # a 404 page during an outage reads the account
            if faults.is_database_outage(render_exc):
                return faults.handle_outage(render_exc)
            raise

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if faults.is_database_outage(exc):  # wrapped by a plugin or a library: still an outage
            return faults.handle_outage(exc)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        faults.safe_rollback()  # first: the page may read (the account, the navigation)
        try:
            return render_error(InternalServerError())
        except Exception as render_exc:  # the page needs what just failed
            if faults.is_database_outage(render_exc):
                return faults.handle_outage(render_exc)
            raise  # core.faults.LastResort answers

    faults.init_app(app)
