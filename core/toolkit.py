"""The stable facade for plugins: the only module a plugin imports from the core.

The reference is ``docs/toolkit.md`` (``make docs``), generated from ``__all__``.

Versioned with :data:`core.CORE_API_VERSION`: removing or changing anything here is a major
version. Everything a plugin needs is re-exported here, so the core can move its insides freely
(the import-linter contract allows a plugin ``core.toolkit`` and, in tests, ``core.testing``).

Beyond Flask's and the request's basics, it gives:

- models and migrations: ``TenantScoped``, ``tenant_foreign_key``, ``AccountId``/``account_fk``,
  ``OrganisationId``/``organisation_fk``, ``UTCDateTime``, ``create_tenant_table``/
  ``drop_tenant_table`` (keys, tenant foreign keys and forced RLS in one call);
- time: ``utcnow``, ``utcnow_aware``, ``to_local``/``to_utc`` (the municipality's zone), and
  ``UTCDateTimeField`` for API schemas (OpenAPI ``date-time``);
- errors: ``RuleViolation`` (409 problem+json on the API, the error page in HTML),
  ``abort_with``, ``problem``, ``PluginStateError``;
- permissions: ``require_permission``/``has_permission`` (roles, and the grants admins give for
  the permissions a plugin declares with ``sympraxis_grantable_permissions``);
- links from the apex dashboard: ``signed_in_link(host, path)`` (the person arrives signed in,
  through the hand-off);
- other plugins: ``Reference``/``ReferenceType``/``Linkable``, ``resolve_references`` and
  ``reference_link`` (hook ``sympraxis_resolve_references``);
- pages: ``template_slot`` (hook ``sympraxis_template_slot``) and ``asset_url`` (a plugin's
  ``static/`` folder, cache-busted); ``anonymous_page`` (a public page's ETag and 304, and its
  rendering cached for anonymous readers until the municipality's content changes);
- translations: ``gettext``/``ngettext``/``pgettext``/``lazy_gettext`` in the calling plugin's own domain;
- personal data: ``PersonalDataDeclaration`` with ``LegalBasis`` and ``SpecialCategoryCondition``
  (hook ``sympraxis_personal_data_declarations``: the privacy notices and the records of
  processing are generated from them);
- search: ``TextQuery`` (PostgreSQL full-text search in the municipality's language, accents and
  case folded, ranked and highlighted; a plain match on SQLite) for the ``sympraxis_search`` hook;
- forms: ``LocaleDecimalField`` (a decimal typed as the page's language writes it, «9,50»);
- notifications: ``NotificationKind`` (hook ``sympraxis_notification_kinds``) and ``notify``
  (a mail sent as the person's settings for its kind and municipality say: now, in the daily
  digest, or not at all);
- retention: ``RetentionRule`` (hook ``sympraxis_retention_rules``) and ``retention_days``
  (a municipality's period for one kind of data).
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale

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
from core.accounts.services.handoff import signed_in_link
from core.accounts.services.organisations import organisations_of
from core.api_blueprint import ApiBlueprint
from core.api_fields import JSONBoolean
from core.columns import (
    AccountId,
    OrganisationId,
    UTCDateTime,
    UTCDateTimeField,
    account_fk,
    organisation_fk,
    to_local,
    to_utc,
    utcnow_aware,
)
from core.db import (
    CrossTenantWrite,
    TenantNotActive,
    TenantScoped,
    active_tenant_id,
    after_commit,
    cross_tenant_read,
    disable_tenant_rls,
    enable_tenant_rls,
    tenant_context,
    tenant_foreign_key,
)
from core.errors import abort_with, problem
from core.extensions import db, limiter
from core.form_fields import LocaleDecimalField
from core.i18n import gettext, lazy_gettext, ngettext, pgettext
from core.ids import uuid7
from core.jobs import enqueue, enqueue_after_commit, job
from core.legal.declarations import LegalBasis, PersonalDataDeclaration, SpecialCategoryCondition
from core.mail import Attachment, Mail, send_mail, send_mail_after_commit
from core.notifications.services import NotificationKind, notify
from core.page_cache import anonymous_page
from core.permissions import (
    current_account,
    current_role,
    has_permission,
    has_role,
    require_permission,
    require_role,
)
from core.plugin_state import PluginStateError, plugin_settings
from core.plugins import (
    BlueprintSpec,
    DashboardItem,
    NavItem,
    PluginManifest,
    SearchHit,
    hookimpl,
)
from core.privacy.retention import RetentionRule, retention_days
from core.redirects import redirect_back, safe_redirect_target
from core.references import Linkable, Reference, ReferenceType, reference_link, resolve_references
from core.rules import RuleViolation
from core.schema import create_tenant_table, drop_tenant_table
from core.search import TextQuery
from core.slots import asset_url, template_slot
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
    from core.accounts.services.common import primary_hosts
    from core.tenancy import Tenant, tenant_info_from_row

    row = db.session.get(Tenant, tenant_id)
    if row is None:
        return None
    host = primary_hosts([tenant_id]).get(tenant_id, "")
    return tenant_info_from_row(row, primary_host=host, host=host)


def tenant_infos(tenant_ids) -> dict[int, TenantInfo]:
    """The snapshots of several tenants by id, in two queries (``tenant_info`` in a loop makes two
    per tenant): for a job over thousands of municipalities. Unknown ids are left out."""
    import sqlalchemy as sa

    from core.accounts.services.common import primary_hosts
    from core.tenancy import Tenant, tenant_info_from_row

    ids = list(tenant_ids)
    if not ids:
        return {}
    hosts = primary_hosts(ids)
    rows = db.session.execute(sa.select(Tenant).where(Tenant.id.in_(ids))).scalars()
    return {
        row.id: tenant_info_from_row(row, primary_host=hosts.get(row.id, ""), host=hosts.get(row.id, ""))
        for row in rows
    }


__all__ = [
    "CORE_API_VERSION", "Account", "AccountId", "Affiliation", "AffiliationStatus", "ApiBlueprint", "Attachment",
    "Blueprint", "BlueprintSpec", "CrossTenantWrite", "DashboardItem", "JSONBoolean", "LegalBasis", "LocaleDecimalField", "Linkable", "Mail", "Membership",
    "NavItem", "NotificationKind", "Organisation", "OrganisationId", "OrganisationMember", "PersonalDataDeclaration", "PluginManifest",
    "PluginStateError", "Reference", "ReferenceType", "RetentionRule", "Role", "RuleViolation", "SearchHit",
    "SpecialCategoryCondition", "TenantInfo", "TextQuery", "TenantNotActive", "TenantScoped",
    "UTCDateTime", "UTCDateTimeField",
    "abort", "abort_with", "account_fk", "active_tenant_id", "after_commit", "anonymous_page", "asset_url", "create_tenant_table",
    "cross_tenant_read", "current_account", "current_role", "current_tenant", "db", "disable_tenant_rls",
    "drop_tenant_table", "enable_tenant_rls", "enqueue", "enqueue_after_commit", "external_url", "flash", "format_datetime", "g",
    "get_locale", "gettext", "has_permission", "has_role", "hookimpl", "job", "lazy_gettext", "limiter",
    "ngettext", "notify", "organisation_fk", "organisations_of", "pgettext", "plugin_settings", "problem", "redirect", "redirect_back",
    "reference_link", "render_template", "request", "require_permission", "require_role", "resolve_references",
    "retention_days", "safe_redirect_target",
    "send_mail", "send_mail_after_commit", "signed_in_link", "template_slot", "tenant_context", "tenant_foreign_key", "tenant_info", "tenant_infos", "tenants_with_plugin",
    "to_local", "to_utc", "url_for", "utcnow", "utcnow_aware", "uuid7",
]  # fmt: skip
