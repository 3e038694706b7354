"""Verified deletion of a municipality's data at the end of its contract (issue 12 §4).

The operator schedules it for an archived municipality; after a grace period
(``TENANT_DELETION_GRACE_DAYS``, during which it can be cancelled and the data exported) the
periodic job ``tenants.deletions_due`` (or ``sympraxis tenants delete SLUG --now``, or the
console) carries it out: every row of every tenant-owned table (discovered, as for the export,
from the metadata and the database) is deleted inside the municipality's context, the
platform-wide rows that served only it go (access tokens scoped to it, idempotency keys, queued
jobs, sessions on its hosts), and the audit entries about it lose every e-mail and IP address
(their actions stay: the operator's trail). Then every table is counted again for its id.

The certificate (:class:`~tenants.models.TenantDeletion`) records what was deleted (rows per
table), what was found afterwards (nothing, when verified), when and by whom. The municipality's
own row stays as a tombstone with status ``deleted``: the certificate's and the audit trail's
subject, serving nothing (its hosts are gone).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.accounts.models import AccountSession
from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant, TenantDomain, TenantStatus, invalidate_tenant_cache, utcnow
from tenants import audit
from tenants.models import TenantBilling, TenantDeletion
from tenants.portability import tenant_tables

#: Platform-wide tables whose rows exist only for one municipality: (table, column).
SCOPED_GLOBALS = (
    ("personal_access_tokens", "scope_tenant_id"),
    ("api_idempotency_keys", "scope_tenant_id"),
    ("core_outbox", "job_tenant_id"),
)


class DeletionError(ValueError):
    """The deletion cannot be scheduled, cancelled or carried out now (a translated message)."""


def grace_period() -> dt.timedelta:
    return dt.timedelta(days=int(current_app.config.get("TENANT_DELETION_GRACE_DAYS", 30)))


def pending(tenant_id: int) -> TenantDeletion | None:
    return db.session.execute(
        sa.select(TenantDeletion).where(
            TenantDeletion.subject_tenant_id == tenant_id, TenantDeletion.status == "scheduled"
        )
    ).scalar_one_or_none()


def certificates(tenant_id: int) -> list[TenantDeletion]:
    return list(
        db.session.execute(
            sa.select(TenantDeletion)
            .where(TenantDeletion.subject_tenant_id == tenant_id)
            .order_by(TenantDeletion.requested_at.desc())
        ).scalars()
    )


def _check_billing(tenant_id: int) -> None:
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
    if billing is not None and billing.stripe_subscription_id and billing.state in ("active", "past_due"):
        raise DeletionError(
            _("This municipality still has a Stripe subscription. Cancel it in Stripe first.")
        )


def schedule(
    tenant_id: int, actor: Any = None, reason: str = "", now: dt.datetime | None = None
) -> TenantDeletion:
    """Schedule the deletion of an archived municipality, due after the grace period."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(tenant_id)
    if tenant.status != TenantStatus.ARCHIVED:
        raise DeletionError(_("Archive the municipality before scheduling the deletion of its data."))
    if pending(tenant_id) is not None:
        raise DeletionError(_("The deletion of this municipality's data is already scheduled."))
    _check_billing(tenant_id)
    now = now or utcnow()
    deletion = TenantDeletion(
        subject_tenant_id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        reason=(reason or "").strip()[:500],
        status="scheduled",
        requested_at=now,
        requested_by_id=getattr(actor, "id", None),
        requested_by_email=getattr(actor, "email", None),
        due_at=now + grace_period(),
        counts={},
        remaining={},
        verified=False,
    )
    db.session.add(deletion)
    db.session.flush()
    audit.record(
        "tenant.deletion_scheduled", tenant.id, {"due_at": deletion.due_at.isoformat(), "reason": deletion.reason},
        actor=actor,
    )  # fmt: skip
    return deletion


def cancel(tenant_id: int, actor: Any = None) -> TenantDeletion:
    deletion = pending(tenant_id)
    if deletion is None:
        raise DeletionError(_("No deletion is scheduled for this municipality."))
    deletion.status, deletion.cancelled_at = "cancelled", utcnow()
    db.session.flush()
    audit.record("tenant.deletion_cancelled", tenant_id, {}, actor=actor)
    return deletion


def remaining_rows(tenant_id: int) -> dict[str, int]:
    """Rows holding the municipality's id in every table that has such a column (0 when gone)."""
    found: dict[str, int] = {}
    with tenant_context(tenant_id):
        conn = db.session.connection()
        for table in tenant_tables(conn):
            found[table.name] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
        meta = sa.MetaData()
        for name, column in SCOPED_GLOBALS:
            table = sa.Table(name, meta, sa.Column(column, sa.BigInteger))
            found[name] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c[column] == tenant_id)
            ).scalar_one()
    return found


def execute(deletion: TenantDeletion, actor: Any = None, now: dt.datetime | None = None) -> TenantDeletion:
    """Carry out a scheduled deletion whose grace period is over, and write its certificate.

    All in the caller's transaction (it commits): a failure leaves everything as it was.
    """
    now = now or utcnow()
    if deletion.status != "scheduled":
        raise DeletionError(_("This deletion is not scheduled."))
    if deletion.due_at > now:
        raise DeletionError(
            _("The grace period runs until %(date)s.", date=deletion.due_at.strftime("%Y-%m-%d %H:%M UTC"))
        )
    tenant_id = deletion.subject_tenant_id
    _check_billing(tenant_id)
    counts: dict[str, int] = {}
    with tenant_context(tenant_id):
        hosts = list(db.session.execute(sa.select(TenantDomain.host)).scalars())
        conn = db.session.connection()
        for table in reversed(tenant_tables(conn)):  # children before parents
            counts[table.name] = conn.execute(table.delete().where(table.c.tenant_id == tenant_id)).rowcount
    meta = sa.MetaData()
    for name, column in SCOPED_GLOBALS:
        table = sa.Table(name, meta, sa.Column(column, sa.BigInteger))
        counts[name] = db.session.execute(table.delete().where(table.c[column] == tenant_id)).rowcount
    if hosts:
        counts["account_sessions"] = db.session.execute(
            sa.delete(AccountSession).where(AccountSession.host.in_(hosts))
        ).rowcount
    counts["audit_events (e-mail and IP addresses removed)"] = audit.erase_tenant_people(tenant_id)
    tenant = db.session.get(Tenant, tenant_id)
    tenant.status, tenant.status_changed_at, tenant.branding = TenantStatus.DELETED.value, now, {}
    db.session.flush()
    remaining = remaining_rows(tenant_id)
    deletion.counts = {k: v for k, v in counts.items() if v}
    deletion.remaining = remaining
    deletion.verified = not any(remaining.values())
    deletion.status, deletion.executed_at = "done", now
    deletion.executed_by_id = getattr(actor, "id", None)
    deletion.executed_by_email = getattr(actor, "email", None)
    db.session.flush()
    audit.record(
        "tenant.deleted", tenant_id,
        {"rows": sum(v for k, v in counts.items() if not k.startswith("audit_events")), "verified": deletion.verified},
        actor=actor,
    )  # fmt: skip
    invalidate_tenant_cache()
    return deletion


def run_due(now: dt.datetime | None = None) -> list[TenantDeletion]:
    """Every scheduled deletion whose grace period is over (the periodic job; caller commits)."""
    now = now or utcnow()
    done = []
    for deletion in db.session.execute(
        sa.select(TenantDeletion)
        .where(TenantDeletion.status == "scheduled", TenantDeletion.due_at <= now)
        .order_by(TenantDeletion.due_at)
    ).scalars():
        done.append(execute(deletion, None, now))
    return done
