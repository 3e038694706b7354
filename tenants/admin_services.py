"""What a municipality's admins change themselves: branding, languages, modules, members."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import gettext as _

from core.accounts.models import Account, Membership, Role
from core.db import tenant_context
from core.extensions import db
from core.grants import revoke_all
from core.plugin_state import PluginStateError, disable_plugin, enable_plugin, set_plugin_settings
from core.tenancy import LOCALES, Tenant, TenantPlugin, invalidate_tenant_cache
from tenants import audit
from tenants.models import TenantLogo

MAX_LOGO_BYTES = 512 * 1024
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal text


class AdminError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- branding -------------------------------------------------------------------------------


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (relative_luminance(hex_colour) + 0.05)


def parse_colour(value: str) -> str:
    value = (value or "").strip().lower()
    if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdef" for c in value[1:]):
        raise AdminError(_("Use a hex colour such as #0b4f8a."), "primary_color")
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise AdminError(
            _(
                "White text on this colour has a contrast of %(ratio)s:1; at least 4.5:1 is needed. "
                "Choose a darker colour.",
                ratio=f"{ratio:.2f}",
            ),
            "primary_color",
        )
    return value


def sniff_image(data: bytes) -> str | None:
    """The image type from its first bytes (never from the file name or the browser's word)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def update_branding(tenant_id: int, name: str, primary_color: str, logo: bytes | None, actor: Any) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AdminError(_("A name of 1 to 200 characters is required."), "name")
    colour = parse_colour(primary_color)
    branding = dict(tenant.branding or {})
    changes: dict[str, Any] = {}
    if logo is not None and len(logo) > 0:
        if len(logo) > MAX_LOGO_BYTES:
            raise AdminError(_("The logo is larger than 512 KB."), "logo")
        mimetype = sniff_image(logo)
        if mimetype is None:
            raise AdminError(_("The logo must be a PNG, JPEG or WebP image."), "logo")
        digest = hashlib.sha256(logo).hexdigest()
        with tenant_context(tenant_id):
            db.session.add(TenantLogo(mimetype=mimetype, content=logo, sha256=digest))
            db.session.flush()
        branding["logo_url"] = f"/branding/logo?v={digest[:12]}"
        changes["logo"] = {"type": mimetype, "bytes": len(logo), "sha256": digest}
    if tenant.name != name:
        changes["name"] = {"from": tenant.name, "to": name}
    if branding.get("primary_color") != colour:
        changes["primary_color"] = {"from": branding.get("primary_color"), "to": colour}
    branding["primary_color"] = colour
    tenant.name = name
    tenant.branding = branding
    db.session.flush()
    audit.record("tenant.branding", tenant_id, changes, actor=actor)
    invalidate_tenant_cache()
    return tenant


def update_languages(tenant_id: int, locales: list[str], default: str, timezone: str, actor: Any) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    locales = [loc for loc in dict.fromkeys(locales or []) if loc]
    if not locales or any(loc not in LOCALES for loc in locales):
        raise AdminError(_("Choose one or more languages."), "locales")
    if default not in locales:
        raise AdminError(_("The default language must be one of the chosen languages."), "default_locale")
    if timezone not in available_timezones():
        raise AdminError(_("Unknown time zone."), "timezone")
    before = {"locales": tenant.locales, "default_locale": tenant.default_locale, "timezone": tenant.timezone}
    tenant.locales, tenant.default_locale, tenant.timezone = locales, default, timezone
    db.session.flush()
    audit.record(
        "tenant.languages",
        tenant_id,
        {"before": before, "after": {"locales": locales, "default_locale": default, "timezone": timezone}},
        actor=actor,
    )
    invalidate_tenant_cache()
    return tenant


# --- modules --------------------------------------------------------------------------------


def module_rows(tenant_id: int) -> list[TenantPlugin]:
    """The plugins the operator allowed for this municipality (the only ones it may switch)."""
    with tenant_context(tenant_id):
        return list(
            db.session.execute(
                sa.select(TenantPlugin).where(TenantPlugin.allowed.is_(True)).order_by(TenantPlugin.plugin)
            ).scalars()
        )


def _allowed_row(tenant_id: int, name: str) -> TenantPlugin:
    row = next((r for r in module_rows(tenant_id) if r.plugin == name), None)
    if row is None:
        raise AdminError(_("This module is not available to your municipality."))
    return row


def set_module(tenant_id: int, name: str, on: bool, actor: Any) -> None:
    _allowed_row(tenant_id, name)
    try:
        if on:
            enable_plugin(tenant_id, name)
        else:
            disable_plugin(tenant_id, name)
    except PluginStateError as exc:
        raise AdminError(str(exc)) from exc
    audit.record("module.enabled" if on else "module.disabled", tenant_id, {"plugin": name}, actor=actor)


def save_module_settings(tenant_id: int, name: str, settings: dict[str, Any], actor: Any) -> dict[str, Any]:
    _allowed_row(tenant_id, name)
    clean = set_plugin_settings(tenant_id, name, settings)  # raises PluginStateError, nothing saved
    audit.record("module.settings", tenant_id, {"plugin": name, "settings": clean}, actor=actor)
    return clean


# --- members --------------------------------------------------------------------------------


def members(tenant_id: int) -> list[tuple[Membership, Account]]:
    with tenant_context(tenant_id):
        return list(
            db.session.execute(
                sa.select(Membership, Account)
                .join(Account, Account.id == Membership.account_id)
                .order_by(Account.display_name)
            ).all()
        )


def _admin_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.role == Role.ADMIN.label)
    ).scalar_one()


def change_role(tenant_id: int, account_id: int, role: str, actor: Any) -> Membership:
    if role not in {r.label for r in Role}:
        raise AdminError(_("Unknown role."), "role")
    with tenant_context(tenant_id):
        m = db.session.execute(
            sa.select(Membership).where(Membership.account_id == account_id)
        ).scalar_one_or_none()
        if m is None:
            raise LookupError(account_id)
        if m.role == Role.ADMIN.label and role != Role.ADMIN.label and _admin_count() <= 1:
            raise AdminError(_("A municipality keeps at least one administrator."), "role")
        before = m.role
        m.role = role
        db.session.flush()
    audit.record(
        "member.role", tenant_id, {"account_id": account_id, "from": before, "to": role}, actor=actor
    )
    return m


def remove_member(tenant_id: int, account_id: int, actor: Any) -> None:
    with tenant_context(tenant_id):
        m = db.session.execute(
            sa.select(Membership).where(Membership.account_id == account_id)
        ).scalar_one_or_none()
        if m is None:
            raise LookupError(account_id)
        if m.role == Role.ADMIN.label and _admin_count() <= 1:
            raise AdminError(_("A municipality keeps at least one administrator."))
        db.session.delete(m)
        db.session.flush()
    revoke_all(tenant_id, account_id)  # a permission grant ends with the membership
    audit.record("member.removed", tenant_id, {"account_id": account_id, "role": m.role}, actor=actor)
