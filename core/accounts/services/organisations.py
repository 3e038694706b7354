"""Organisations (NGOs) and their affiliations with municipalities."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from core.accounts.models import (
    Account,
    Affiliation,
    AffiliationStatus,
    Membership,
    Organisation,
    OrganisationMember,
)
from core.accounts.services.common import AccountError, _mail_account, primary_hosts
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.tenancy import (
    Tenant,
    apex_host,
    external_url,
    utcnow,
)


def organisations_of(account: Account) -> list[OrganisationMember]:
    return list(
        db.session.execute(
            sa.select(OrganisationMember).where(OrganisationMember.account_id == account.id)
        ).scalars()
    )


def create_organisation(
    account: Account, name: str, kind: str = "ngo", website: str | None = None
) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError(_("Enter the organisation's name (at most 200 characters)."))
    if kind not in ("ngo", "association", "cooperative", "social_enterprise"):
        raise AccountError(_("Choose the kind of organisation."))
    org = Organisation(name=name, kind=kind, website=(website or "").strip() or None)
    db.session.add(org)
    db.session.flush()
    db.session.add(OrganisationMember(organisation_id=org.id, account_id=account.id, role="admin"))
    db.session.flush()
    return org


def is_organisation_admin(account: Account, organisation_id: int) -> bool:
    row = db.session.get(OrganisationMember, (organisation_id, account.id))
    return row is not None and row.role == "admin"


def request_affiliation(
    account: Account, organisation_id: int, tenant_id: int, message: str | None = None
) -> Affiliation:
    """An organisation admin asks to be affiliated with a municipality (pending until decided)."""
    if not is_organisation_admin(account, organisation_id):
        raise AccountError(_("Only an administrator of the organisation can request this."))
    if message and len(message) > 1000:
        raise AccountError(_("Use at most %(n)d characters for the message.", n=1000), "message")
    with tenant_context(tenant_id):
        existing = db.session.execute(
            sa.select(Affiliation).where(Affiliation.organisation_id == organisation_id)
        ).scalar_one_or_none()
        if existing is not None:
            if existing.status == AffiliationStatus.REJECTED:
                existing.status = AffiliationStatus.PENDING
                existing.requested_at = utcnow()
                existing.requested_by_id = account.id
                existing.message = message
                existing.decided_at = None
                existing.decided_by_id = None
                _tell_tenant_admins(existing, tenant_id)
            return existing
        affiliation = Affiliation(
            organisation_id=organisation_id, requested_by_id=account.id, message=message
        )
        db.session.add(affiliation)
        db.session.flush()
        _tell_tenant_admins(affiliation, tenant_id)
        return affiliation


def _tell_tenant_admins(affiliation: Affiliation, tenant_id: int) -> None:
    """Mail the municipality's admins that an organisation asks to be affiliated (tenant active)."""
    tenant = db.session.get(Tenant, tenant_id)
    org = db.session.get(Organisation, affiliation.organisation_id)
    host = primary_hosts([tenant_id]).get(tenant_id)
    admins = db.session.execute(
        sa.select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.role == "admin", Account.erased_at.is_(None))
    ).scalars()
    for admin in admins:
        with force_locale(admin.locale or tenant.default_locale or "en"):
            subject = _("%(org)s asks to be affiliated with %(tenant)s", org=org.name, tenant=tenant.name)
            text = _(
                "%(org)s asks to be affiliated with %(tenant)s. Approve or reject the request at %(url)s",
                org=org.name,
                tenant=tenant.name,
                url=external_url(host, "/admin/affiliations") if host else "",
            )
            _mail_account(admin, subject, text)


def decide_affiliation(decider: Account, affiliation: Affiliation, approve: bool) -> Affiliation:
    """A municipality admin approves or rejects; the organisation's admins are told by mail.

    Deciding what is already decided changes nothing and sends nothing.
    """
    status = AffiliationStatus.APPROVED if approve else AffiliationStatus.REJECTED
    if affiliation.status == status:
        return affiliation
    affiliation.status = status
    affiliation.decided_by_id = decider.id
    affiliation.decided_at = utcnow()
    from core.plugins import audit

    audit(
        "affiliation.approved" if approve else "affiliation.rejected",
        affiliation.tenant_id,
        {"organisation_id": affiliation.organisation_id},
        actor=decider,
    )
    tenant = db.session.get(Tenant, affiliation.tenant_id)
    org = db.session.get(Organisation, affiliation.organisation_id)
    admins = db.session.execute(
        sa.select(Account)
        .join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(
            OrganisationMember.organisation_id == affiliation.organisation_id,
            OrganisationMember.role == "admin",
        )
    ).scalars()
    for admin in admins:
        with force_locale(admin.locale or "en"):
            subject = (
                _("%(org)s is now affiliated with %(tenant)s", org=org.name, tenant=tenant.name)
                if approve
                else _("%(tenant)s declined the affiliation of %(org)s", org=org.name, tenant=tenant.name)
            )
            text = _(
                "%(subject)s.\n\nYour organisations and their affiliations: %(url)s",
                subject=subject,
                url=external_url(apex_host(), "/dashboard"),
            )
            _mail_account(admin, subject, text)
    return affiliation


def admin_organisations(account: Account) -> list[Organisation]:
    """The organisations the account administers (those it may request affiliations for)."""
    return list(
        db.session.execute(
            sa.select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.account_id == account.id, OrganisationMember.role == "admin")
            .order_by(Organisation.name)
        ).scalars()
    )


def affiliable_tenants() -> list[Tenant]:
    """Municipalities an organisation may ask to join: the active ones (names are public)."""
    return list(
        db.session.execute(sa.select(Tenant).where(Tenant.status == "active").order_by(Tenant.name)).scalars()
    )


def active_tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.execute(
        sa.select(Tenant).where(Tenant.slug == slug, Tenant.status == "active")
    ).scalar_one_or_none()


def affiliation_requests_of(account: Account) -> list[dict[str, Any]]:
    """The affiliation requests of the account's organisations (a reviewed cross-tenant read)."""
    org_ids = [m.organisation_id for m in organisations_of(account)]
    if not org_ids:
        return []
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(Affiliation, Tenant.name, Organisation.name)
            .join(Tenant, Tenant.id == Affiliation.tenant_id)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .where(Affiliation.organisation_id.in_(org_ids))
            .order_by(Affiliation.requested_at.desc())
            .execution_options(all_tenants=True)
        ).all()
    return [{"affiliation": a, "tenant_name": t, "organisation_name": o} for a, t, o in rows]


def tenant_affiliations() -> list[tuple[Affiliation, Organisation]]:
    """The current municipality's affiliation requests (tenant context active)."""
    return [
        (a, o)
        for a, o in db.session.execute(
            sa.select(Affiliation, Organisation)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .order_by(Affiliation.status, Affiliation.requested_at.desc())
        ).all()
    ]


def find_affiliation(affiliation_id: Any) -> Affiliation | None:
    """One of the current municipality's affiliations (another tenant's is not found)."""
    return db.session.execute(
        sa.select(Affiliation).where(Affiliation.id == affiliation_id)
    ).scalar_one_or_none()
