"""One submission per rendered form (issue 16 §2): a double click posts one comment, not two.

Every ``<form method="post">`` of every template gets a hidden ``_once`` field with a random
token when it is rendered (:class:`core.templating.ServerValidation` adds it at compile time, as it
adds ``novalidate``). The first POST carrying a token reserves it, on a connection of its own and
committed at once, so a second POST with the same token (the double click, the browser's
"resend") cannot run the view again, even in parallel: the unique key decides.

- The first submission answered 2xx or 3xx consumes the token: a repeat is sent (303) where the
  first was sent, or back to the form's page, with a note that it was sent once.
- A repeat while the first is still running waits a moment for it, then answers a 409 page.
- A first submission answered 4xx (the form came back with a message) or 5xx frees the token:
  the person may send the same page again. The re-rendered form carries a new token anyway.

This is the HTML side of what ``core.idempotency`` does for the API's ``Idempotency-Key``.
Guests have no account, so a token is scoped to the municipality (the apex: 0), not a person: it
is 128 random bits that only the page it was rendered into knows.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time

import sqlalchemy as sa
from flask import Response, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

log = logging.getLogger(__name__)

FIELD = "_once"
TOKEN_LENGTH = 22  # secrets.token_urlsafe(16)
#: how long a consumed token is remembered (a page left open overnight, then submitted twice)
TOKEN_TTL = dt.timedelta(days=2)
#: a reservation whose request never finished (a killed worker) is abandoned after this
STALE_RESERVATION = dt.timedelta(minutes=2)
#: how long a repeat waits for the first submission to finish before it answers 409
WAIT_FOR_FIRST = 5.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FormSubmission(db.Model):
    """A form token that was submitted: reserved (``status`` None), then answered."""

    __tablename__ = "form_submissions"
    __table_args__ = (sa.UniqueConstraint("scope_tenant_id", "token"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    scope_tenant_id: Mapped[int] = mapped_column(sa.BigInteger())
    token: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None] = mapped_column(sa.Integer())
    location: Mapped[str | None] = mapped_column(sa.Text())
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)


_TABLE = FormSubmission.__table__


def form_once_field() -> Markup:
    """The hidden field a rendered form carries (a template global; the preprocessor calls it).

    ``g.form_once_rendered`` tells a page cache that this page holds tokens of its own: shared
    with a second reader, one person's submission would swallow the other's."""
    g.form_once_rendered = True
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, secrets.token_urlsafe(16))


def _token() -> str | None:
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    if not request.mimetype or request.mimetype not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return None
    token = request.form.get(FIELD)
    if not token or len(token) > 64 or not token.isascii() or not token.isprintable():
        return None  # a form without the field (or a forged one) is served as before
    return token


def reserve() -> Response | None:
    """before_request, after the CSRF check: a repeat is answered here; a first one reserved."""
    token = _token()
    if token is None:
        return None
    tenant = g.get("tenant")
    scope = tenant.id if tenant is not None else 0
    where = sa.and_(_TABLE.c.scope_tenant_id == scope, _TABLE.c.token == token)
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        now = _now()
        try:
            with db.engine.begin() as conn:
                row = conn.execute(sa.select(_TABLE).where(where)).first()
                if row is not None:
                    abandoned = row.status is None and row.created_at < now - STALE_RESERVATION
                    expired = row.created_at < now - TOKEN_TTL
                    if not (abandoned or expired):
                        if row.status is not None:
                            return _repeat(row.location)
                        if time.monotonic() >= deadline:
                            return _still_running()
                        raise _Wait
                    conn.execute(_TABLE.delete().where(_TABLE.c.id == row.id))
                record_id = conn.execute(
                    _TABLE.insert()
                    .values(scope_tenant_id=scope, token=token, created_at=now)
                    .returning(_TABLE.c.id)
                ).scalar_one()
        except (_Wait, sa.exc.IntegrityError):  # the first is running (or got there a moment ago)
            time.sleep(0.2)
            continue
        g.form_once_id = record_id
        return None


class _Wait(Exception):
    """Internal: the first submission is still running; look again shortly."""


def _repeat(location: str | None) -> Response:
    flash(_("This form had already been sent; it was taken once."), "info")
    return redirect(location or request.full_path.rstrip("?"), code=303)


def _still_running() -> tuple[str, int]:
    message = _("This form is being sent. Wait a moment, then reload the page to see the result.")
    return render_template(
        "core/error.html", status=409, title=_("This form is being sent."), detail=message
    ), 409


def record(response: Response) -> Response:
    """after_request: a 2xx/3xx consumes the token (keeping where it led); a 4xx/5xx frees it."""
    record_id = g.pop("form_once_id", None)
    if record_id is None:
        return response
    try:
        with db.engine.begin() as conn:
            if response.status_code >= 400:
                conn.execute(_TABLE.delete().where(_TABLE.c.id == record_id))
            else:
                location = response.headers.get("Location") if 300 <= response.status_code < 400 else None
                conn.execute(
                    _TABLE.update()
                    .where(_TABLE.c.id == record_id)
                    .values(status=response.status_code, location=location)
                )
    except Exception:  # noqa: BLE001 - the write is done; a repeat will find an abandoned reservation
        log.warning("could not record form submission %s", record_id, exc_info=True)
    return response


def free(_exc: BaseException | None) -> None:
    """teardown: a request that ended without an answer (an error escaped) frees its token."""
    record_id = g.pop("form_once_id", None)
    if record_id is None:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(_TABLE.delete().where(_TABLE.c.id == record_id))
    except Exception:  # noqa: BLE001
        log.warning("could not free form submission %s", record_id, exc_info=True)


def purge(now: dt.datetime | None = None) -> int:
    """Forget tokens older than :data:`TOKEN_TTL` (the daily job)."""
    cutoff = (now or _now()) - TOKEN_TTL
    with db.engine.begin() as conn:
        return conn.execute(_TABLE.delete().where(_TABLE.c.created_at < cutoff)).rowcount


def purge_job(_payload: dict) -> None:
    purge()
