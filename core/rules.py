"""One error type for a broken business rule, answered as a page or as problem+json."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template

from core.errors import problem, wants_problem_json


class RuleViolation(Exception):
    """A request that is well-formed but breaks a rule of the domain ("the shift is full", "the
    consultation has closed"). Raise it from a service; the platform answers it:

    - on the API, ``application/problem+json`` with the message as ``detail`` (and, with
      ``field``, ``errors: {field: [message]}``), status 409 by default: 422 is kept for input
      that the schema refuses;
    - on HTML pages, the error page in the user's language with the message.

    The message is shown as is, so translate it (``gettext``) where it is raised::

        if shift.taken >= shift.capacity:
            raise RuleViolation(gettext("This shift is full."), code="shift_full")

    A view with a form catches it to show the message beside the form and keep what was typed.
    """

    def __init__(self, message: str, *, status: int = 409, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.status = status
        self.field = field
        self.code = code

    def problem_extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.field:
            extra["errors"] = {self.field: [self.message]}
        if self.code:
            extra["code"] = self.code
        return extra


def _title(status: int) -> str:
    from core.errors import _messages

    return _messages().get(status) or _messages()[409]


def handle_rule_violation(exc: RuleViolation) -> Response:
    """The answer to a :class:`RuleViolation` that a view let through."""
    if wants_problem_json():
        return problem(exc.status, _title(exc.status), exc.message, **exc.problem_extra())
    from core.errors import kept_submission

    html = render_template(
        "core/error.html",
        status=exc.status,
        title=_title(exc.status),
        detail=exc.message,
        kept=kept_submission(exc.status),
    )
    return Response(html, status=exc.status, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.register_error_handler(RuleViolation, handle_rule_violation)
