"""Creating and changing municipalities: a few row inserts, never DDL (DESIGN §3).

The kernel owns the tenant rows, so their creation lives here; ``tenants/`` builds onboarding
(invitations, plans, billing, the operator console) on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.plugin_state import PluginStateError, enable_plugin
from core.tenancy import (
    LOCALES,
    DomainKind,
    SlugError,
    Tenant,
    TenantDomain,
    TenantStatus,
    invalidate_tenant_cache,
    invalidate_tenant_cache_on_commit,
    platform_subdomain,
    utcnow,
    validate_slug,
)


class TenantError(ValueError):
    """Invalid onboarding data; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class NewTenant:
    slug: str
    name: str
    country: str
    default_locale: str
    locales: list[str] = field(default_factory=list)
    timezone: str = "Europe/Athens"
    plugins: list[str] = field(default_factory=list)
    branding: dict = field(default_factory=dict)


_TIMEZONES: set[str] | None = None


def validate_new_tenant(data: NewTenant) -> NewTenant:
    global _TIMEZONES
    try:
        validate_slug(data.slug)
    except SlugError as exc:
        raise TenantError("slug", str(exc)) from exc
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise TenantError("name", "A name of 1 to 200 characters is required.")
    if not (isinstance(data.country, str) and len(data.country) == 2 and data.country.isalpha()):
        raise TenantError("country", "Use a two-letter ISO 3166 country code.")
    locales = list(dict.fromkeys(data.locales or [data.default_locale]))
    if any(loc not in LOCALES for loc in locales):
        raise TenantError("locales", f"Languages must be among {', '.join(LOCALES)}.")
    if data.default_locale not in locales:
        locales.insert(0, data.default_locale)
    if data.default_locale not in LOCALES:
        raise TenantError("default_locale", f"The default language must be one of {', '.join(LOCALES)}.")
    if _TIMEZONES is None:
        _TIMEZONES = available_timezones()
    if data.timezone not in _TIMEZONES:
        try:
            ZoneInfo(data.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise TenantError("timezone", "Unknown time zone.") from exc
    return NewTenant(
        slug=data.slug,
        name=name,
        country=data.country.upper(),
        default_locale=data.default_locale,
        locales=locales,
        timezone=data.timezone,
        plugins=list(data.plugins),
        branding=dict(data.branding),
    )


def create_tenant(data: NewTenant) -> Tenant:
    """Create a municipality with its platform subdomain and enabled plugins, in the caller's
    transaction (the caller commits; on any error nothing is kept)."""
    data = validate_new_tenant(data)
    taken = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == data.slug)).first()
    if taken is not None:
        raise TenantError("slug", "This slug is already taken.")
    tenant = Tenant(
        slug=data.slug,
        name=data.name,
        country=data.country,
        default_locale=data.default_locale,
        locales=data.locales,
        timezone=data.timezone,
        status=TenantStatus.ACTIVE.value,
        branding=data.branding,
    )
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):
        db.session.add(
            TenantDomain(
                host=platform_subdomain(data.slug),
                kind=DomainKind.PLATFORM.value,
                is_primary=True,
                verified_at=utcnow(),
            )
        )
        db.session.flush()
    for plugin in data.plugins:
        try:
            enable_plugin(tenant.id, plugin)
        except PluginStateError as exc:
            raise TenantError("plugins", str(exc)) from exc
    return tenant


def set_status(slug: str, status: TenantStatus) -> Tenant:
    tenant = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise TenantError("slug", f"No municipality with slug {slug!r}.")
    tenant.status = status.value
    tenant.status_changed_at = utcnow()
    db.session.flush()
    invalidate_tenant_cache()
    invalidate_tenant_cache_on_commit()
    return tenant
