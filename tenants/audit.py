"""The audit log: every operator and admin action, append-only, filterable.

The only module that reads or writes :class:`tenants.models.AuditEvent` (a reviewed place: the
table is platform-wide, see its docstring).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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


# --- personal data in the log (issue 12 §4) ------------------------------------------------------

#: What an erasure writes in place of a value of ``details`` (the only change the database's
#: append-only trigger admits, beside removing ``actor_email`` and ``ip``).
ERASED = "[erased]"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _naming(email: str) -> sa.ColumnElement[bool]:
    """Entries whose details may hold ``email`` (a prefilter; values are compared in Python)."""
    text = sa.cast(AuditEvent.details, sa.Text)
    return sa.func.lower(text).contains(email.lower(), autoescape=True)


def _erased_details(details: dict[str, Any], match: Callable[[Any], bool]) -> dict[str, Any] | None:
    """``details`` with every top-level value that ``match`` accepts replaced, or None if none is."""
    if not isinstance(details, dict):
        return None
    changed = {k: (ERASED if match(v) else v) for k, v in details.items()}
    return changed if changed != details else None


def _erase_rows(
    rows: list[AuditEvent], match: Callable[[Any], bool], actor: Callable[[AuditEvent], bool]
) -> int:
    count = 0
    for event in rows:
        values: dict[str, Any] = {}
        if actor(event) and (event.actor_email is not None or event.ip is not None):
            values.update(actor_email=None, ip=None)
        details = _erased_details(event.details or {}, match)
        if details is not None:
            values["details"] = details
        if values:
            db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(**values))
            count += 1
    return count


def _same_email(email: str) -> Callable[[Any], bool]:
    wanted = email.strip().lower()
    return lambda v: isinstance(v, str) and v.strip().lower() == wanted


def entries_about(
    account_id: int | None, email: str | None, tenant_id: int | None = None
) -> list[AuditEvent]:
    """Entries about a person: those they acted in, and those whose details name their address
    (an invitation to it, a membership); only the municipality's own when ``tenant_id`` is given."""
    conditions = []
    if account_id is not None:
        conditions.append(AuditEvent.actor_id == account_id)
    if email:
        conditions += [sa.func.lower(AuditEvent.actor_email) == email.lower(), _naming(email)]
    if not conditions:
        return []
    q = sa.select(AuditEvent).where(sa.or_(*conditions))
    if tenant_id is not None:
        q = q.where(AuditEvent.subject_tenant_id == tenant_id)
    rows = db.session.execute(q.order_by(AuditEvent.at, AuditEvent.id)).scalars().all()
    if not email:
        return list(rows)
    same = _same_email(email)
    return [
        e
        for e in rows
        if (account_id is not None and e.actor_id == account_id)
        or same(e.actor_email)
        or any(same(v) for v in (e.details or {}).values())
    ]


def erase_person(account_id: int | None, email: str | None, tenant_id: int | None = None) -> int:
    """Remove a person's e-mail address and IP addresses from the log, keeping each action:
    ``actor_email`` and ``ip`` of the entries they acted in, and their address wherever it is a
    value of ``details`` (replaced by :data:`ERASED`). Returns the entries changed."""
    rows = entries_about(account_id, email, tenant_id)
    same = _same_email(email) if email else (lambda v: False)
    return _erase_rows(
        rows, same, lambda e: (account_id is not None and e.actor_id == account_id) or same(e.actor_email)
    )


def erase_tenant_people(tenant_id: int) -> int:
    """At the end of a municipality's contract: every e-mail and IP address in the entries about
    it goes (the actions stay, the operator's trail of what was done)."""
    rows = (
        db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.subject_tenant_id == tenant_id,
                sa.or_(AuditEvent.actor_email.is_not(None), AuditEvent.ip.is_not(None), _naming("@")),
            )
        )
        .scalars()
        .all()
    )
    looks_like_email = lambda v: isinstance(v, str) and bool(_EMAIL.match(v.strip()))  # noqa: E731
    return _erase_rows(list(rows), looks_like_email, lambda e: True)


def purge_ips(cutoff: dt.datetime, tenant_id: int | None) -> int:
    """Retention: the IP addresses of entries older than ``cutoff`` about the municipality
    (``None``: entries about no municipality, the platform's own) are removed."""
    subject = (
        AuditEvent.subject_tenant_id.is_(None)
        if tenant_id is None
        else AuditEvent.subject_tenant_id == tenant_id
    )
    result = db.session.execute(
        sa.update(AuditEvent)
        .where(subject, AuditEvent.at < cutoff, AuditEvent.ip.is_not(None))
        .values(ip=None)
    )
    return result.rowcount or 0


def as_export(event: AuditEvent, slugs: dict[int, str], account_id: int | None = None) -> dict[str, Any]:
    """An entry as "download my data" shows it (``by_you``: the person took the action)."""
    return {
        "at": event.at.isoformat(),
        "action": event.action,
        "municipality": slugs.get(event.subject_tenant_id) if event.subject_tenant_id else None,
        "by_you": account_id is not None and event.actor_id == account_id,
        "email": event.actor_email,
        "ip": event.ip,
        "details": event.details,
    }
