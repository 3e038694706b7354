"""The audit log: every operator and admin action, append-only, filterable.

The only module that reads or writes :class:`tenants.models.AuditEvent` (a reviewed place: the
table is platform-wide, see its docstring).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from core.extensions import db
from tenants.models import AuditEvent

#: Longest details document kept (a JSON dict); larger ones are cut to their keys.
MAX_DETAIL_KEYS = 50


def _actor() -> tuple[int | None, str | None]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, None


def _ip() -> str | None:
    if not has_request_context():
        return None
    # remote_addr is the client behind our own proxies (core.proxies, TRUSTED_PROXIES)
    return (request.remote_addr or "")[:64] or None


def record(
    action: str,
    subject_tenant_id: int | None = None,
    details: dict[str, Any] | None = None,
    *,
    actor: Any = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the action)."""
    actor_id, actor_email = (actor.id, actor.email) if actor is not None else _actor()
    clean = {str(k): _jsonable(v) for k, v in list((details or {}).items())[:MAX_DETAIL_KEYS]}
    event = AuditEvent(
        actor_id=actor_id,
        actor_email=actor_email,
        action=action[:64],
        subject_tenant_id=subject_tenant_id,
        ip=_ip(),
        details=clean,
    )
    db.session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value if not isinstance(value, str) else value[:500]
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in list(value)[:50]]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in list(value.items())[:50]}
    return str(value)[:500]


@dataclass
class AuditFilter:
    tenant_id: int | None = None
    action: str | None = None
    actor: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    per_page: int = 50


def events(f: AuditFilter) -> tuple[list[AuditEvent], int]:
    """Events matching the filter, newest first, and the total count.

    Municipality admin pages must pass their own tenant id: this function never widens a filter.
    """
    q = sa.select(AuditEvent)
    if f.tenant_id is not None:
        q = q.where(AuditEvent.subject_tenant_id == f.tenant_id)
    if f.action:
        q = q.where(AuditEvent.action.startswith(f.action[:64], autoescape=True))
    if f.actor:
        q = q.where(AuditEvent.actor_email.icontains(f.actor[:254], autoescape=True))
    if f.since:
        q = q.where(AuditEvent.at >= dt.datetime.combine(f.since, dt.time.min))
    if f.until:
        q = q.where(AuditEvent.at < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time.min))
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
    page = max(1, f.page)
    rows = (
        db.session.execute(
            q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(f.per_page)
            .offset((page - 1) * f.per_page)
        )
        .scalars()
        .all()
    )
    return rows, total
