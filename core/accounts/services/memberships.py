"""Memberships of accounts in municipalities and the role they give."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.accounts.models import (
    Account,
    Affiliation,
    AffiliationStatus,
    Membership,
    Role,
)
from core.accounts.services.common import primary_hosts
from core.accounts.services.organisations import organisations_of
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.tenancy import (
    Tenant,
    TenantInfo,
)


def membership_in(account: Account | None, tenant: TenantInfo | None) -> Membership | None:
    """The account's membership in the active tenant (tenant context must be active)."""
    if account is None or tenant is None or not getattr(account, "id", None):
        return None
    return db.session.execute(
        sa.select(Membership).where(Membership.account_id == account.id)
    ).scalar_one_or_none()


def role_in(account: Any, tenant: TenantInfo | None) -> Role | None:
    from flask import g, has_request_context

    if account is None or not getattr(account, "is_authenticated", False) or tenant is None:
        return None
    if has_request_context():
        cache = g.setdefault("_roles", {})
        key = (account.id, tenant.id)
        if key not in cache:
            m = membership_in(account, tenant)
            cache[key] = m.role_level if m else None
        return cache[key]
    m = membership_in(account, tenant)
    return m.role_level if m else None


def join_tenant(account: Account, tenant_id: int, role: str = "member") -> Membership:
    """Make the account a member (idempotent; never lowers an existing role)."""
    with tenant_context(tenant_id):
        existing = db.session.execute(
            sa.select(Membership).where(Membership.account_id == account.id)
        ).scalar_one_or_none()
        if existing is not None:
            if Role.parse(role) > existing.role_level:
                existing.role = role
            return existing
        membership = Membership(account_id=account.id, role=role)
        db.session.add(membership)
        db.session.flush()
        return membership


def account_tenants(account: Account) -> list[dict[str, Any]]:
    """Every municipality where the account, or an organisation it belongs to, is active.

    A reviewed cross-tenant read (DESIGN §3): the NGO dashboard and ``/api/v1/me``.
    """
    org_ids = [m.organisation_id for m in organisations_of(account)]
    with cross_tenant_read():
        memberships = db.session.execute(
            sa.select(Membership.tenant_id, Membership.role)
            .where(Membership.account_id == account.id)
            .execution_options(all_tenants=True)
        ).all()
        affiliations = (
            db.session.execute(
                sa.select(Affiliation.tenant_id, Affiliation.organisation_id, Affiliation.status)
                .where(Affiliation.organisation_id.in_(org_ids))
                .execution_options(all_tenants=True)
            ).all()
            if org_ids
            else []
        )
    tenant_ids = {m.tenant_id for m in memberships} | {
        a.tenant_id for a in affiliations if a.status == AffiliationStatus.APPROVED
    }
    if not tenant_ids:
        return []
    tenants = db.session.execute(
        sa.select(Tenant).where(Tenant.id.in_(tenant_ids), Tenant.status != "archived").order_by(Tenant.name)
    ).scalars()
    hosts = primary_hosts(tenant_ids)
    roles = {m.tenant_id: m.role for m in memberships}
    orgs_by_tenant: dict[int, list[int]] = {}
    for a in affiliations:
        if a.status == AffiliationStatus.APPROVED:
            orgs_by_tenant.setdefault(a.tenant_id, []).append(a.organisation_id)
    return [
        {
            "tenant": t,
            "host": hosts.get(t.id),
            "role": roles.get(t.id),
            "organisation_ids": orgs_by_tenant.get(t.id, []),
        }
        for t in tenants
    ]
