"""Onboarding and running municipalities, on top of the kernel's tenant records.

Services hold the logic; the operator console, the operator API, the CLI and the municipality
admin pages call them. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import smtplib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

import kombu.exceptions
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import Account, Membership, Role
from core.accounts.services.common import AccountError, normalise_email, validate_email
from core.accounts.services.memberships import join_tenant
from core.accounts.services.signup import create_account
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.mail import Mail, send_mail
from core.plugins import registry
from core.tenancy import (
    LOCALES,
    SlugError,
    Tenant,
    TenantDomain,
    TenantPlugin,
    TenantStatus,
    invalidate_tenant_cache,
    platform_subdomain,
    utcnow,
    validate_slug,
)
from core.tenant_admin import NewTenant, TenantError, create_tenant, set_status, validate_new_tenant
from tenants import audit, catalog
from tenants.models import AuditEvent, Invitation, TenantBilling

__all__ = [
    "NewTenant", "TenantError", "create_tenant", "set_status", "validate_new_tenant",
    "Onboarding", "OnboardingError", "onboard",
]  # fmt: skip

INVITATION_TTL = dt.timedelta(days=14)
#: A refused or unreachable mail server (inline delivery) or broker (queued delivery).
MAIL_ERRORS = (OSError, smtplib.SMTPException, kombu.exceptions.OperationalError)
COLLECTION_METHODS = ("charge_automatically", "send_invoice")
MAX_DAYS_UNTIL_DUE = 90


class OnboardingError(ValueError):
    """Invalid onboarding data: ``errors`` maps each field to its (translated) messages."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        self.status = status


@dataclass
class Onboarding:
    slug: str
    name: str
    country: str
    default_locale: str
    locales: list[str]
    timezone: str
    plan: str
    admin_email: str
    billing_email: str
    collection_method: str = "send_invoice"
    days_until_due: int | None = 30
    allowed_plugins: list[str] = field(default_factory=list)
    enabled_plugins: list[str] = field(default_factory=list)
    billing_name: str | None = None


_TIMEZONES: set[str] | None = None


def _slug_message(code: str) -> str:
    return {
        "empty": _("A slug is required."),
        "too_long": _("A slug has at most 63 characters."),
        "reserved": _("This slug is reserved by the platform."),
    }.get(
        code,
        _(
            "A slug uses lower-case letters a-z, digits and hyphens, and neither starts nor ends "
            "with a hyphen."
        ),
    )


def validate_onboarding(data: Onboarding) -> dict[str, list[str]]:
    """Every problem with the data, by field (empty when valid). Reads, never writes."""
    global _TIMEZONES
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    try:
        validate_slug(data.slug)
    except SlugError as exc:
        err("slug", _slug_message(exc.code))
    else:
        if db.session.execute(sa.select(Tenant.id).where(Tenant.slug == data.slug)).first():
            err("slug", _("This slug is already taken."))
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        err("name", _("A name of 1 to 200 characters is required."))
    country = data.country if isinstance(data.country, str) else ""
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        err("country", _("Use a two-letter ISO 3166 country code."))
    if not data.locales or any(loc not in LOCALES for loc in data.locales):
        err("locales", _("Choose one or more languages among %(list)s.", list=", ".join(LOCALES)))
    if data.default_locale not in LOCALES:
        err("default_locale", _("Choose the default language among %(list)s.", list=", ".join(LOCALES)))
    elif data.locales and data.default_locale not in data.locales:
        err("default_locale", _("The default language must be one of the chosen languages."))
    if _TIMEZONES is None:
        _TIMEZONES = available_timezones()
    if data.timezone not in _TIMEZONES:
        err("timezone", _("Unknown time zone."))
    if data.plan not in catalog.plans():
        err("plan", _("Unknown plan."))
    switchable = set(registry().switchable_names())
    unknown = [p for p in data.allowed_plugins if p not in switchable]
    if unknown:
        err("allowed_plugins", _("Unknown plugins: %(names)s.", names=", ".join(unknown)))
    not_allowed = [p for p in data.enabled_plugins if p not in data.allowed_plugins]
    if not_allowed:
        err(
            "enabled_plugins",
            _("Only allowed plugins can be enabled: %(names)s.", names=", ".join(not_allowed)),
        )
    for fname in ("admin_email", "billing_email"):
        try:
            validate_email(getattr(data, fname) or "")
        except AccountError:
            err(fname, _("Enter a valid email address."))
    if data.billing_name is not None and len(data.billing_name) > 200:
        err("billing_name", _("At most 200 characters."))
    if data.collection_method not in COLLECTION_METHODS:
        err("collection_method", _("Choose card (automatic charge) or invoice."))
    elif data.collection_method == "send_invoice":
        days = data.days_until_due
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS_UNTIL_DUE:
            err(
                "days_until_due",
                _("Give the days until an invoice is due, from 1 to %(n)d.", n=MAX_DAYS_UNTIL_DUE),
            )
    return errors


def onboard(data: Onboarding, actor: Any = None) -> Tenant:
    """Create a municipality, its domain, plugins, billing record and its first admin's invitation.

    All in the caller's transaction, and the invitation mail is handed over before the caller
    commits: if anything fails (invalid data, a taken slug, mail refused) it raises and the caller
    rolls back, so either all of it exists or none of it does. Billing sync is queued by the
    caller after the commit (:func:`after_onboarding`).
    """
    data.slug = (data.slug or "").strip().lower()
    data.admin_email = normalise_email(data.admin_email or "")
    data.billing_email = normalise_email(data.billing_email or "")
    data.locales = list(dict.fromkeys(data.locales or []))
    errors = validate_onboarding(data)
    if errors:
        raise OnboardingError(
            errors, 409 if errors.get("slug") == [_("This slug is already taken.")] else 422
        )
    try:
        tenant = create_tenant(
            NewTenant(
                slug=data.slug,
                name=data.name.strip(),
                country=data.country.upper(),
                default_locale=data.default_locale,
                locales=data.locales,
                timezone=data.timezone,
                plugins=list(data.enabled_plugins),
            )
        )
    except TenantError as exc:  # a race on the slug's unique key, or the kernel's own checks
        raise OnboardingError({exc.field: [str(exc)]}) from exc
    except sa.exc.IntegrityError as exc:  # the caller rolls the whole transaction back
        raise OnboardingError({"slug": [_("This slug is already taken.")]}, 409) from exc
    with tenant_context(tenant.id):
        existing = {r.plugin: r for r in db.session.execute(sa.select(TenantPlugin)).scalars()}
        for name in registry().switchable_names():
            row = existing.get(name)
            allowed = name in data.allowed_plugins
            if row is None:
                db.session.add(TenantPlugin(plugin=name, allowed=allowed, enabled=False, settings={}))
            else:
                row.allowed = allowed
        db.session.add(
            TenantBilling(
                plan=data.plan,
                collection_method=data.collection_method,
                days_until_due=data.days_until_due if data.collection_method == "send_invoice" else None,
                billing_email=data.billing_email,
                billing_name=(data.billing_name or "").strip() or None,
                state="none",
                sync_state="pending",
            )
        )
        db.session.flush()
    invite(tenant, data.admin_email, "admin", inviter=actor)
    audit.record(
        "tenant.onboarded",
        tenant.id,
        {
            "slug": tenant.slug,
            "plan": data.plan,
            "allowed_plugins": sorted(data.allowed_plugins),
            "enabled_plugins": sorted(data.enabled_plugins),
            "collection_method": data.collection_method,
            "admin_email": data.admin_email,
        },
        actor=actor,
    )
    db.session.flush()
    return tenant


def billing_sync_state(tenant_id: int) -> str:
    """ "pending" until the billing sync has run (it may have run inline already)."""
    with tenant_context(tenant_id):
        return db.session.execute(sa.select(TenantBilling.sync_state)).scalar_one_or_none() or "pending"


def after_onboarding(tenant_id: int) -> None:
    """Queue the billing sync once the onboarding transaction has committed."""
    if current_app.config.get("BILLING_DEFER_SYNC"):
        return
    from tenants.billing import queue_sync

    queue_sync(tenant_id)


# --- invitations ----------------------------------------------------------------------------


def invite(tenant: Tenant, email: str, role: str, inviter: Any = None) -> tuple[Invitation, str]:
    """Invite ``email`` to the municipality with ``role`` and mail the link (caller commits)."""
    email = validate_email(email)
    if role not in {r.label for r in Role}:
        raise ValueError(f"unknown role {role!r}")
    token = secrets.token_urlsafe(32)
    with tenant_context(tenant.id):
        invitation = Invitation(
            email=email,
            role=role,
            token_hash=security.hash_token(token),
            invited_by_id=getattr(inviter, "id", None),
            expires_at=utcnow() + INVITATION_TTL,
        )
        db.session.add(invitation)
        db.session.flush()
    from core.tenancy import external_url

    url = external_url(platform_subdomain(tenant.slug), f"/invitation/{token}")
    # in the invited person's language if they have an account and the municipality offers it,
    # else the municipality's: never the inviter's
    known = db.session.execute(sa.select(Account.locale).where(Account.email == email)).scalar_one_or_none()
    with force_locale(known if known in (tenant.locales or []) else (tenant.default_locale or "en")):
        _send_invitation(tenant, email, role, url)
    audit.record("member.invited", tenant.id, {"email": email, "role": role}, actor=inviter)
    return invitation, token


def _send_invitation(tenant: Tenant, email: str, role: str, url: str) -> None:
    from core.templating import role_label

    send_mail(
        Mail(
            to=[email],
            subject=_("You are invited to %(name)s on Sympraxis", name=tenant.name),
            text=_(
                "You have been invited to join %(name)s on Sympraxis as %(role)s.\n\n"
                "Open this link to accept: if you have no account yet you will choose a password, "
                "if you already have one you will simply join.\n\n%(url)s\n\n"
                "The link is valid for 14 days.",
                name=tenant.name,
                role=role_label(role),
                url=url,
            ),
        )
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The live invitation for ``token`` in the active tenant (None if unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    inv = db.session.execute(
        sa.select(Invitation).where(Invitation.token_hash == security.hash_token(token))
    ).scalar_one_or_none()
    if inv is None or inv.accepted_at or inv.revoked_at or inv.expires_at < utcnow():
        return None
    return inv


def accept_invitation(inv: Invitation, account: Account) -> Membership:
    """The account joins with the invited role (never lowering a higher role it already has)."""
    membership = join_tenant(account, inv.tenant_id, inv.role)
    inv.accepted_at = utcnow()
    audit.record("member.joined", inv.tenant_id, {"email": account.email, "role": inv.role}, actor=account)
    db.session.flush()
    return membership


def accept_invitation_as_new(inv: Invitation, display_name: str, password: str) -> Account:
    """A new person sets a name and password; the email is proven by the link."""
    account = create_account(inv.email, password, display_name, verified=True)
    accept_invitation(inv, account)
    return account


def pending_invitations(tenant_id: int) -> list[Invitation]:
    with tenant_context(tenant_id):
        return list(
            db.session.execute(
                sa.select(Invitation)
                .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
                .where(Invitation.expires_at > utcnow())
                .order_by(Invitation.created_at.desc())
            ).scalars()
        )


def revoke_invitation(tenant_id: int, invitation_id: Any, actor: Any) -> bool:
    with tenant_context(tenant_id):
        inv = db.session.execute(
            sa.select(Invitation).where(Invitation.id == invitation_id)
        ).scalar_one_or_none()
        if inv is None or inv.accepted_at or inv.revoked_at:
            return False
        inv.revoked_at = utcnow()
        audit.record("member.invitation_revoked", tenant_id, {"email": inv.email}, actor=actor)
        db.session.flush()
        return True


# --- lifecycle ------------------------------------------------------------------------------

TRANSITIONS = {
    "suspend": (TenantStatus.ACTIVE, TenantStatus.SUSPENDED),
    "resume": (TenantStatus.SUSPENDED, TenantStatus.ACTIVE),
    "archive": (None, TenantStatus.ARCHIVED),
    "restore": (TenantStatus.ARCHIVED, TenantStatus.ACTIVE),
}


def change_status(tenant_id: int, action: str, actor: Any = None, reason: str = "") -> Tenant:
    """Suspend, resume, archive or restore (never delete). Raises OnboardingError if not possible."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or action not in TRANSITIONS:
        raise OnboardingError({"status": [_("This change is not possible.")]}, 404)
    source, target = TRANSITIONS[action]
    if (source is not None and tenant.status != source.value) or tenant.status == target.value:
        raise OnboardingError({"status": [_("This change is not possible in the current state.")]}, 409)
    before = tenant.status
    set_status(tenant.slug, target)
    if action in ("resume", "restore"):
        with tenant_context(tenant.id):
            billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
            if billing is not None:
                billing.suspended_for_billing = False
                db.session.flush()  # inside the tenant: a tenant-owned row is written only there
    audit.record(
        f"tenant.{action}",
        tenant.id,
        {"from": before, "to": target.value, "reason": reason[:500]},
        actor=actor,
    )
    db.session.flush()
    invalidate_tenant_cache()
    return tenant


# --- operator views of many tenants (reviewed cross-tenant reads) ---------------------------


@dataclass
class TenantRow:
    tenant: Tenant
    plan: str | None
    billing_state: str
    sync_state: str
    allowed: list[str]
    enabled: list[str]
    members: int
    last_activity: dt.datetime | None
    primary_host: str


def tenant_rows(
    query: str = "", status: str = "", limit: int = 200, offset: int = 0, tenant_id: int | None = None
) -> tuple[list[TenantRow], int]:
    """The operator's list: a reviewed cross-tenant read, SELECT only."""
    q = sa.select(Tenant)
    if tenant_id is not None:
        q = q.where(Tenant.id == tenant_id)
    if query:
        like = f"%{query.strip()[:100]}%"
        q = q.where(sa.or_(Tenant.slug.ilike(like), Tenant.name.ilike(like)))
    if status in {s.value for s in TenantStatus}:
        q = q.where(Tenant.status == status)
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
    tenants = db.session.execute(q.order_by(Tenant.slug).limit(limit).offset(offset)).scalars().all()
    ids = [t.id for t in tenants]
    if not ids:
        return [], total
    opts = {"all_tenants": True}
    with cross_tenant_read():
        billing = {
            b.tenant_id: b
            for b in db.session.execute(
                sa.select(TenantBilling).where(TenantBilling.tenant_id.in_(ids)).execution_options(**opts)
            ).scalars()
        }
        plugins: dict[int, list[TenantPlugin]] = {}
        for p in db.session.execute(
            sa.select(TenantPlugin).where(TenantPlugin.tenant_id.in_(ids)).execution_options(**opts)
        ).scalars():
            plugins.setdefault(p.tenant_id, []).append(p)
        members = dict(
            db.session.execute(
                sa.select(Membership.tenant_id, sa.func.count())
                .where(Membership.tenant_id.in_(ids))
                .group_by(Membership.tenant_id)
                .execution_options(**opts)
            ).all()
        )
        hosts = dict(
            db.session.execute(
                sa.select(TenantDomain.tenant_id, TenantDomain.host)
                .where(TenantDomain.tenant_id.in_(ids), TenantDomain.is_primary.is_(True))
                .execution_options(**opts)
            ).all()
        )
    activity = dict(
        db.session.execute(
            sa.select(AuditEvent.subject_tenant_id, sa.func.max(AuditEvent.at))
            .where(AuditEvent.subject_tenant_id.in_(ids))
            .group_by(AuditEvent.subject_tenant_id)
        ).all()
    )
    rows = []
    for t in tenants:
        b = billing.get(t.id)
        ps = plugins.get(t.id, [])
        rows.append(
            TenantRow(
                tenant=t,
                plan=b.plan if b else None,
                billing_state=b.state if b else "none",
                sync_state=b.sync_state if b else "pending",
                allowed=sorted(p.plugin for p in ps if p.allowed),
                enabled=sorted(p.plugin for p in ps if p.enabled),
                members=members.get(t.id, 0),
                last_activity=activity.get(t.id),
                primary_host=hosts.get(t.id) or platform_subdomain(t.slug),
            )
        )
    return rows, total


def tenant_detail(tenant_id: int) -> dict[str, Any] | None:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return None
    with tenant_context(tenant.id):
        domains = (
            db.session.execute(sa.select(TenantDomain).order_by(TenantDomain.kind.desc(), TenantDomain.host))
            .scalars()
            .all()
        )
        plugins = db.session.execute(sa.select(TenantPlugin).order_by(TenantPlugin.plugin)).scalars().all()
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
        members = db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one()
    events, _total = audit.events(audit.AuditFilter(tenant_id=tenant.id, per_page=30))
    return {
        "tenant": tenant,
        "domains": domains,
        "plugins": plugins,
        "billing": billing,
        "members": members,
        "events": events,
    }


def set_allowed_plugins(tenant_id: int, allowed: list[str], actor: Any = None) -> None:
    """The operator's level: which plugins a municipality may enable (disallowing disables)."""
    from core.plugin_state import disable_plugin

    switchable = registry().switchable_names()
    with tenant_context(tenant_id):
        rows = {r.plugin: r for r in db.session.execute(sa.select(TenantPlugin)).scalars()}
        for name in switchable:
            row = rows.get(name)
            if row is None:
                db.session.add(TenantPlugin(plugin=name, allowed=name in allowed, enabled=False, settings={}))
            elif row.allowed != (name in allowed):
                if row.enabled and name not in allowed:
                    disable_plugin(tenant_id, name)
                row.allowed = name in allowed
        db.session.flush()
    audit.record("tenant.plugins_allowed", tenant_id, {"allowed": sorted(allowed)}, actor=actor)


def plugin_catalogue() -> dict[str, Any]:
    """Installed plugins with version and compatibility, who allows and enables them; refusals."""
    reg = registry()
    with cross_tenant_read():
        counts = db.session.execute(
            sa.select(
                TenantPlugin.plugin,
                sa.func.sum(sa.case((TenantPlugin.allowed, 1), else_=0)),
                sa.func.sum(sa.case((TenantPlugin.enabled, 1), else_=0)),
            )
            .group_by(TenantPlugin.plugin)
            .execution_options(all_tenants=True)
        ).all()
    by_name = {name: (int(a or 0), int(e or 0)) for name, a, e in counts}
    installed = []
    for name, p in sorted(reg.plugins.items()):
        allowed, enabled = by_name.get(name, (0, 0))
        installed.append(
            {
                "name": name,
                "title": p.title,
                "version": p.manifest.version,
                "core_api": p.manifest.core_api,
                "builtin": p.builtin,
                "price": catalog.plugin_price(name),
                "allowed": allowed,
                "enabled": enabled,
            }
        )
    return {"installed": installed, "refused": list(reg.refused), "errors": list(reg.errors)}


def provision_defaults(tenant: Tenant, plan: str = "standard", billing_email: str | None = None) -> None:
    """Give a municipality created outside onboarding (the demo, the CLI) its tenants records:
    every installed plugin allowed, and a billing record ("not synced"). Idempotent."""
    with tenant_context(tenant.id):
        rows = {r.plugin: r for r in db.session.execute(sa.select(TenantPlugin)).scalars()}
        for name in registry().switchable_names():
            if name not in rows:
                db.session.add(TenantPlugin(plugin=name, allowed=True, enabled=False, settings={}))
        if db.session.execute(sa.select(TenantBilling.id)).first() is None:
            db.session.add(
                TenantBilling(
                    plan=plan,
                    collection_method="send_invoice",
                    days_until_due=30,
                    billing_email=billing_email,
                    state="none",
                    sync_state="pending",
                )
            )
        db.session.flush()
