"""Permission grants: a named plugin permission given to chosen members, beside the role ladder.

A plugin declares what may be granted with the ``sympraxis_grantable_permissions`` hook (name ->
label), e.g. ``{"markets.validate": _l("Validate social grocery beneficiaries")}``. A municipality's
admins grant and revoke them in ``/admin/permissions``; every change goes through the
``sympraxis_audit`` hook. ``has_permission``/``require_permission`` admit a member who holds a
grant as well as anyone whose role reaches the permission's role (admins, for a permission that
only grants give).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import Mapped, mapped_column

from core.accounts.models import BigId, Membership
from core.db import TenantScoped, tenant_context
from core.extensions import db
from core.tenancy import utcnow


class PermissionGrant(TenantScoped, db.Model):
    """One member holding one named permission in one municipality."""

    __tablename__ = "permission_grants"

    account_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    permission: Mapped[str] = mapped_column(sa.String(100))
    granted_by_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "account_id", "permission"),)


class GrantError(ValueError):
    """A grant that cannot be made: unknown permission, or not a member."""


def grantable_permissions() -> dict[str, tuple[str, str]]:
    """Every permission a loaded plugin lets admins grant: name -> (plugin, label)."""
    from core.plugins import registry

    found: dict[str, tuple[str, str]] = {}
    for name, plugin in registry().plugins.items():
        for permission, label in plugin.grantable.items():
            found[permission] = (name, str(label))
    return found


def account_grants(account_id: int, tenant_id: int) -> frozenset[str]:
    """The permissions granted to an account in a municipality (read once per request)."""
    cache = g.setdefault("_permission_grants", {}) if has_request_context() else {}
    key = (account_id, tenant_id)
    if key not in cache:
        with tenant_context(tenant_id):
            cache[key] = frozenset(
                db.session.execute(
                    sa.select(PermissionGrant.permission).where(PermissionGrant.account_id == account_id)
                ).scalars()
            )
    return cache[key]


def _forget() -> None:
    if has_request_context():
        g.pop("_permission_grants", None)


def grants_of_tenant(tenant_id: int) -> list[PermissionGrant]:
    with tenant_context(tenant_id):
        return list(
            db.session.execute(
                sa.select(PermissionGrant).order_by(PermissionGrant.permission, PermissionGrant.granted_at)
            ).scalars()
        )


def grant_permission(tenant_id: int, account_id: int, permission: str, actor: Any = None) -> PermissionGrant:
    """Grant ``permission`` to a member (idempotent), audited in the caller's transaction."""
    from flask_babel import gettext as _

    from core.plugins import audit

    if permission not in grantable_permissions():
        raise GrantError(_("This permission cannot be granted."))
    with tenant_context(tenant_id):
        member = db.session.execute(
            sa.select(Membership.id).where(Membership.account_id == account_id)
        ).scalar_one_or_none()
        if member is None:
            raise GrantError(_("Only a member of the municipality can be given a permission."))
        existing = db.session.execute(
            sa.select(PermissionGrant).where(
                PermissionGrant.account_id == account_id, PermissionGrant.permission == permission
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
        grant = PermissionGrant(
            account_id=account_id, permission=permission, granted_by_id=getattr(actor, "id", None)
        )
        db.session.add(grant)
        db.session.flush()
        audit("permission.granted", tenant_id, {"account_id": account_id, "permission": permission}, actor)
    _forget()
    return grant


def revoke_permission(tenant_id: int, account_id: int, permission: str, actor: Any = None) -> bool:
    """Take a grant back; False if there was none. Audited like :func:`grant_permission`."""
    from core.plugins import audit

    with tenant_context(tenant_id):
        deleted = db.session.execute(
            sa.delete(PermissionGrant).where(
                PermissionGrant.account_id == account_id, PermissionGrant.permission == permission
            )
        ).rowcount
        if deleted:
            audit(
                "permission.revoked", tenant_id, {"account_id": account_id, "permission": permission}, actor
            )
    _forget()
    return bool(deleted)


def revoke_all(tenant_id: int, account_id: int) -> None:
    """Drop every grant of an account in a municipality (it stopped being a member)."""
    with tenant_context(tenant_id):
        db.session.execute(sa.delete(PermissionGrant).where(PermissionGrant.account_id == account_id))
    _forget()
