"""Personal data the ``tenants`` package keeps: invitations and the audit log (issue 12 §4).

Retention rules (hook ``sympraxis_retention_rules``), "download my data" and "delete my account"
for accounts (the audit log is platform-wide: ``sympraxis_*_account_data``) and for guests known
only by their address (``sympraxis_*_guest_data``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.privacy.retention import RetentionRule
from core.tenancy import Tenant, utcnow
from tenants import audit
from tenants.models import Invitation, TenantDeletion


def _purge_invitations(cutoff: dt.datetime) -> int:
    """Invitations accepted, withdrawn or expired before ``cutoff`` (a live one is never touched)."""
    ended = sa.func.coalesce(Invitation.accepted_at, Invitation.revoked_at, Invitation.expires_at)
    result = db.session.execute(sa.delete(Invitation).where(ended < cutoff))
    return result.rowcount or 0


def _purge_audit_ips(cutoff: dt.datetime) -> int:
    from core.db import active_tenant_id

    return audit.purge_ips(cutoff, active_tenant_id())


RULES = (
    RetentionRule(
        key="tenants.invitations",
        label=_l("Invitations to join the municipality (e-mail address, role)"),
        description=_l("deleted %(days)d days after they were accepted, withdrawn or expired"),
        default_days=90,
        purge=_purge_invitations,
    ),
    RetentionRule(
        key="tenants.audit_ips",
        label=_l("IP addresses in the log of administrative actions"),
        description=_l("removed %(days)d days after the action (the action itself is kept)"),
        default_days=180,
        min_days=7,
        max_days=730,
        purge=_purge_audit_ips,
    ),
)


def purge_platform_audit_ips(now: dt.datetime | None = None) -> int:
    """The platform's own entries (about no municipality) keep IPs ``AUDIT_IP_RETENTION_DAYS``."""
    days = int(current_app.config.get("AUDIT_IP_RETENTION_DAYS", 180))
    return audit.purge_ips((now or utcnow()) - dt.timedelta(days=days), None)


# --- accounts -------------------------------------------------------------------------------------


def _invitations_to(email: str | None) -> list[Invitation]:
    if not email:
        return []
    return list(
        db.session.execute(
            sa.select(Invitation)
            .where(sa.func.lower(Invitation.email) == email.lower())
            .order_by(Invitation.created_at)
        ).scalars()
    )


def _invitation(inv: Invitation) -> dict[str, Any]:
    return {
        "email": inv.email,
        "role": inv.role,
        "sent_at": inv.created_at.isoformat(),
        "accepted_at": inv.accepted_at.isoformat() if inv.accepted_at else None,
        "withdrawn_at": inv.revoked_at.isoformat() if inv.revoked_at else None,
    }


def export_in_tenant(account: Any) -> dict[str, Any] | None:
    """Invitations to the person's address, in the active municipality."""
    invitations = [_invitation(i) for i in _invitations_to(account.email)]
    return {"invitations": invitations} if invitations else None


def erase_in_tenant(account: Any) -> None:
    """Invitations to the person's address go; those they sent lose their name."""
    for inv in _invitations_to(account.email):
        db.session.delete(inv)
    db.session.execute(
        sa.update(Invitation).where(Invitation.invited_by_id == account.id).values(invited_by_id=None)
    )
    db.session.flush()


def export_account(account: Any) -> dict[str, Any] | None:
    """The audit entries about the person, in every municipality and on the platform."""
    events = audit.entries_about(account.id, account.email)
    if not events:
        return None
    ids = {e.subject_tenant_id for e in events} - {None}
    slugs = dict(db.session.execute(sa.select(Tenant.id, Tenant.slug).where(Tenant.id.in_(ids))).all())
    return {"audit_log": [audit.as_export(e, slugs, account.id) for e in events]}


def erase_account(account: Any) -> None:
    """E-mail and IP addresses leave the audit log (each action stays, by an erased account)."""
    audit.erase_person(account.id, account.email)
    db.session.execute(
        sa.update(TenantDeletion)
        .where(TenantDeletion.requested_by_id == account.id)
        .values(requested_by_email=None)
    )
    db.session.execute(
        sa.update(TenantDeletion)
        .where(TenantDeletion.executed_by_id == account.id)
        .values(executed_by_email=None)
    )


# --- guests ---------------------------------------------------------------------------------------


def export_guest(email: str, tenant_id: int) -> dict[str, Any] | None:
    invitations = [_invitation(i) for i in _invitations_to(email)]
    events = audit.entries_about(None, email, tenant_id)
    if not invitations and not events:
        return None
    return {
        "invitations": invitations,
        "audit_log": [audit.as_export(e, {}) for e in events],
    }


def erase_guest(email: str, tenant_id: int) -> None:
    for inv in _invitations_to(email):
        db.session.delete(inv)
    audit.erase_person(None, email, tenant_id)
    db.session.flush()
