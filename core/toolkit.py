"""The stable facade for plugins: the only module a plugin imports from the core (DESIGN §5).

Versioned with :data:`core.CORE_API_VERSION`: removing or changing anything here is a major
version. Everything a plugin needs is re-exported here, so the core can move its insides freely.
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, gettext, lazy_gettext, ngettext

from core import CORE_API_VERSION
from core.accounts.models import (
    Account,
    Affiliation,
    AffiliationStatus,
    Membership,
    Organisation,
    OrganisationMember,
    Role,
)
from core.accounts.services import organisations_of
from core.db import (
    CrossTenantWrite,
    TenantNotActive,
    TenantScoped,
    active_tenant_id,
    cross_tenant_read,
    disable_tenant_rls,
    enable_tenant_rls,
    tenant_context,
    tenant_foreign_key,
)
from core.dump import ApiBlueprint
from core.errors import abort_with, problem
from core.extensions import db, limiter
from core.ids import uuid7
from core.jobs import enqueue, job
from core.mail import Attachment, Mail, send_mail
from core.permissions import (
    current_account,
    current_role,
    has_permission,
    has_role,
    require_permission,
    require_role,
)
from core.plugin_state import plugin_settings
from core.plugins import (
    BlueprintSpec,
    DashboardItem,
    NavItem,
    PluginManifest,
    SearchHit,
    hookimpl,
)
from core.redirects import redirect_back, safe_redirect_target
from core.tenancy import TenantInfo, current_tenant, external_url, utcnow

__version__ = CORE_API_VERSION


def tenants_with_plugin(name: str) -> list[int]:
    """Ids of the active tenants that have enabled plugin ``name`` (a reviewed cross-tenant read,
    for CLI commands and periodic jobs that then enter each tenant with ``tenant_context``)."""
    import sqlalchemy as sa

    from core.tenancy import Tenant, TenantPlugin

    with cross_tenant_read():
        return list(
            db.session.execute(
                sa.select(TenantPlugin.tenant_id)
                .join(Tenant, Tenant.id == TenantPlugin.tenant_id)
                .where(TenantPlugin.plugin == name, TenantPlugin.enabled.is_(True), Tenant.status == "active")
                .order_by(TenantPlugin.tenant_id)
                .execution_options(all_tenants=True)
            ).scalars()
        )


def tenant_info(tenant_id: int) -> TenantInfo | None:
    """The snapshot of a tenant by id, with its primary host: for jobs and CLI commands, where
    there is no request (and so no ``current_tenant()``)."""
    from core.accounts.services import primary_hosts
    from core.tenancy import Tenant, tenant_info_from_row

    row = db.session.get(Tenant, tenant_id)
    if row is None:
        return None
    host = primary_hosts([tenant_id]).get(tenant_id, "")
    return tenant_info_from_row(row, primary_host=host, host=host)


__all__ = [
    "CORE_API_VERSION", "Account", "Affiliation", "AffiliationStatus", "ApiBlueprint", "Attachment", "Blueprint", "BlueprintSpec",
    "CrossTenantWrite", "DashboardItem", "Mail", "Membership", "NavItem", "Organisation", "OrganisationMember",
    "PluginManifest", "Role", "SearchHit", "TenantInfo", "TenantNotActive", "TenantScoped",
    "abort", "abort_with", "active_tenant_id", "cross_tenant_read", "current_account",
    "current_role", "current_tenant", "db", "disable_tenant_rls", "enable_tenant_rls", "enqueue",
    "external_url", "flash", "format_datetime", "g", "get_locale", "gettext", "has_permission",
    "has_role", "hookimpl", "job", "lazy_gettext", "limiter", "ngettext", "organisations_of",
    "plugin_settings", "problem", "redirect", "redirect_back", "render_template", "request", "require_permission",
    "safe_redirect_target",
    "require_role", "send_mail", "tenant_context", "tenant_foreign_key", "tenant_info", "tenants_with_plugin", "url_for", "utcnow",
    "uuid7",
]  # fmt: skip
