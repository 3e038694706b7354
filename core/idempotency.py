"""``Idempotency-Key`` on API writes (issue 10 item 19): a retried write is answered, not redone.

A client that sends ``Idempotency-Key: <key>`` on a POST, PUT, PATCH or DELETE under ``/api/v1``
gets, for the same key and the same request (method, path, query and body), the response that
the first attempt got (``Idempotent-Replayed: true``), so a retry after a lost answer never posts
twice. The same key with a different request is refused (422); a key whose first request is still
running answers 409. Keys belong to one account in one municipality (or the apex) and are kept
for :data:`KEY_TTL`; 5xx answers are not kept, so the retry runs again.

The reservation is written on a connection of its own and committed at once, before the view
runs: two concurrent attempts with one key cannot both run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

import sqlalchemy as sa
from flask import Response, g, request
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_TTL = dt.timedelta(hours=24)
#: A reservation older than this whose request never finished (a killed worker) is abandoned.
STALE_RESERVATION = dt.timedelta(minutes=2)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "X-Pagination")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class IdempotencyRecord(db.Model):
    """One key of one account in one municipality (``scope_tenant_id`` 0: the apex)."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("account_id", "scope_tenant_id", "key"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    scope_tenant_id: Mapped[int] = mapped_column(sa.BigInteger())
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None] = mapped_column(sa.Integer())
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)


_TABLE = IdempotencyRecord.__table__


def _IN_PROGRESS() -> str:  # noqa: N802 - a message, built in the request's language
    return _("A request with this Idempotency-Key is still in progress; try again in a moment.")


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data(cache=True)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _problem(status: int, title: str) -> Response:
    from core.errors import problem

    return problem(status, title)


def reserve_key() -> Response | None:
    """before_request: a write carrying a known key is answered from the record (or refused);
    a new key is reserved, committed at once on a connection of its own."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/v1/"):
        return None
    from core.permissions import current_account

    account = current_account()
    if account is None:
        return None  # the view answers 401/403 as usual; nothing to remember
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isprintable() or key != key.strip():
        return _problem(422, _("The Idempotency-Key header must be 1 to 255 visible characters."))
    tenant = g.get("tenant")
    scope = tenant.id if tenant is not None else 0
    digest = _request_hash()
    now = _now()
    where = sa.and_(_TABLE.c.account_id == account.id, _TABLE.c.scope_tenant_id == scope, _TABLE.c.key == key)
    try:
        with db.engine.begin() as conn:
            row = conn.execute(sa.select(_TABLE).where(where)).first()
            if row is not None:
                expired = row.created_at < now - KEY_TTL
                abandoned = row.status is None and row.created_at < now - STALE_RESERVATION
                if not (expired or abandoned):
                    return _answer_existing(row, digest)
                conn.execute(_TABLE.delete().where(_TABLE.c.id == row.id))
            record_id = conn.execute(
                _TABLE.insert()
                .values(
                    account_id=account.id, scope_tenant_id=scope, key=key, request_hash=digest, created_at=now
                )
                .returning(_TABLE.c.id)
            ).scalar_one()
    except sa.exc.IntegrityError:  # a concurrent attempt with the same key got there first
        return _problem(409, _IN_PROGRESS())
    g.idempotency_record_id = record_id
    return None


def _answer_existing(row: Any, digest: str) -> Response:
    if row.request_hash != digest:
        return _problem(422, _("This Idempotency-Key was already used for a different request."))
    if row.status is None:
        return _problem(409, _IN_PROGRESS())
    response = Response(row.response_body or b"", status=row.status)
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def store_response(response: Response) -> Response:
    """after_request: the answer kept under the reserved key (a 5xx frees the key instead)."""
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    try:
        with db.engine.begin() as conn:
            if response.status_code >= 500 or response.is_streamed:
                conn.execute(_TABLE.delete().where(_TABLE.c.id == record_id))
            else:
                headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
                conn.execute(
                    _TABLE.update()
                    .where(_TABLE.c.id == record_id)
                    .values(
                        status=response.status_code,
                        response_headers=headers,
                        response_body=response.get_data(),
                    )
                )
    except Exception:  # noqa: BLE001 - the write is done; a retry will see an abandoned reservation
        log.warning("could not store the response of idempotency record %s", record_id, exc_info=True)
    return response


def free_key(_exc: BaseException | None) -> None:
    """A request that ended without a response (an error escaped): free its key for a retry."""
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(_TABLE.delete().where(_TABLE.c.id == record_id))
    except Exception:  # noqa: BLE001
        log.warning("could not free idempotency record %s", record_id, exc_info=True)


def purge(now: dt.datetime | None = None) -> int:
    """Delete keys older than :data:`KEY_TTL` (the periodic ``core.idempotency_purge``)."""
    cutoff = (now or _now()) - KEY_TTL
    with db.engine.begin() as conn:
        return conn.execute(_TABLE.delete().where(_TABLE.c.created_at < cutoff)).rowcount


def purge_job(payload: dict[str, Any]) -> None:
    purge()
