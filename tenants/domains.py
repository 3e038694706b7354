"""Custom domains: add a host, publish a DNS TXT token, verify, re-check (demote on loss).

An unverified host never serves the municipality and never receives sign-in codes: the core
resolves and hands off only to rows with ``verified_at`` set.

An unverified host is a *claim*, and a claim reserves nothing: it lapses after
``DOMAIN_CLAIM_DAYS`` (7) days, and any number of municipalities may claim the same host, so a
pending claim can never keep the real owner from adding and verifying it. At most one
municipality holds a host verified (a unique index on verified hosts). A host claimed by more
than one municipality is a *conflict*, listed in the operator console, where the operator removes
the claims that are wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.resolver
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.tenancy import DomainKind, TenantDomain, apex_host, invalidate_tenant_cache, normalise_host, utcnow
from tenants import audit

HOST_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")
CHALLENGE_LABEL = "_sympraxis-challenge"
TOKEN_PREFIX = "sympraxis-verify="
MAX_CUSTOM_DOMAINS = 5


class DomainError(ValueError):
    pass


def challenge_name(host: str) -> str:
    return f"{CHALLENGE_LABEL}.{host}"


def challenge_value(domain: TenantDomain) -> str:
    return f"{TOKEN_PREFIX}{domain.verification_token}"


def claim_period() -> dt.timedelta:
    return dt.timedelta(days=float(current_app.config.get("DOMAIN_CLAIM_DAYS", 7)))


def is_expired(domain: TenantDomain, now: dt.datetime | None = None) -> bool:
    """An unverified claim whose time has run out (verified domains never expire)."""
    return (
        domain.verified_at is None
        and domain.claim_expires_at is not None
        and domain.claim_expires_at <= (now or utcnow())
    )


def _claims_of(host: str) -> list[tuple[int, Any, dt.datetime | None, dt.datetime | None]]:
    """Every municipality's row for ``host``: (tenant_id, id, verified_at, claim_expires_at)."""
    with cross_tenant_read():
        return [
            tuple(r)
            for r in db.session.execute(
                sa.select(
                    TenantDomain.tenant_id,
                    TenantDomain.id,
                    TenantDomain.verified_at,
                    TenantDomain.claim_expires_at,
                )
                .where(TenantDomain.host == host)
                .execution_options(all_tenants=True)
            ).all()
        ]


def add_domain(tenant_id: int, host: str, actor: Any = None) -> TenantDomain:
    """Claim a host for the municipality; another municipality's claim never stands in the way."""
    host = normalise_host(host or "")
    apex = apex_host()
    if not HOST_RE.match(host) or host == apex:
        raise DomainError(_("Enter a host name such as participation.example.gov."))
    if host.endswith("." + apex):
        raise DomainError(_("Hosts under the platform's own domain cannot be added."))
    now = utcnow()
    for owner, domain_id, verified_at, expires_at in _claims_of(host):
        if owner != tenant_id:
            continue
        if verified_at is None and expires_at is not None and expires_at <= now:
            _delete_claim(owner, domain_id, "domain.claim_expired")  # our own lapsed claim: renewed below
        else:
            raise DomainError(_("This host is already registered."))
    with tenant_context(tenant_id):
        count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(TenantDomain)
            .where(TenantDomain.kind == DomainKind.CUSTOM.value)
        ).scalar_one()
        if count >= MAX_CUSTOM_DOMAINS:
            raise DomainError(_("At most %(n)d custom domains.", n=MAX_CUSTOM_DOMAINS))
        domain = TenantDomain(
            host=host,
            kind=DomainKind.CUSTOM.value,
            is_primary=False,
            verification_token=secrets.token_hex(16),
            verified_at=None,
            claim_expires_at=now + claim_period(),
        )
        db.session.add(domain)
        db.session.flush()
    audit.record("domain.added", tenant_id, {"host": host}, actor=actor)
    return domain


def _delete_claim(tenant_id: int, domain_id: Any, action: str, actor: Any = None) -> str | None:
    """Remove one municipality's row for a host (an expired or a wrong claim), audited."""
    with tenant_context(tenant_id):
        domain = db.session.execute(
            sa.select(TenantDomain).where(
                TenantDomain.id == domain_id, TenantDomain.kind == DomainKind.CUSTOM.value
            )
        ).scalar_one_or_none()
        if domain is None:
            return None
        host = domain.host
        db.session.delete(domain)
        db.session.flush()
    audit.record(action, tenant_id, {"host": host}, actor=actor)
    return host


def _resolver() -> dns.resolver.Resolver:
    cfg = current_app.config
    servers = cfg.get("DNS_NAMESERVERS")
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = list(servers)
        resolver.port = int(cfg.get("DNS_PORT", 53))
    resolver.lifetime = float(cfg.get("DNS_TIMEOUT", 3.0))
    resolver.cache = None
    return resolver


def txt_values(name: str) -> list[str] | None:
    """TXT strings at ``name``; [] when there are none; None when DNS could not answer."""
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN):
        return None
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]


def check(domain: TenantDomain) -> bool | None:
    """True if the TXT record is there, False if not, None if DNS failed (change nothing)."""
    values = txt_values(challenge_name(domain.host))
    if values is None:
        return None
    return challenge_value(domain) in values


def verify(tenant_id: int, domain_id: Any, actor: Any = None) -> tuple[TenantDomain, bool | None]:
    """Check the DNS record and verify the claim; ``(domain, found)`` as :func:`check` answers.

    Raises :class:`DomainError` for a claim that has expired, or for a host another municipality
    already holds verified (a conflict the operator resolves: the DNS proves nothing about which
    of the two is the owner now)."""
    with tenant_context(tenant_id):
        domain = db.session.execute(
            sa.select(TenantDomain).where(
                TenantDomain.id == domain_id, TenantDomain.kind == DomainKind.CUSTOM.value
            )
        ).scalar_one_or_none()
        if domain is None:
            raise LookupError(domain_id)
        if domain.verified_at is not None:
            return domain, True
        if is_expired(domain):
            raise DomainError(_("This claim has expired. Remove it and add the domain again."))
    held = [t for t, _id, verified_at, _e in _claims_of(domain.host) if verified_at and t != tenant_id]
    if held:
        audit.record("domain.conflict", tenant_id, {"host": domain.host, "verified_by": held}, actor=actor)
        raise DomainError(
            _(
                "%(host)s is verified by another municipality. The platform's operator sees this "
                "conflict and can resolve it.",
                host=domain.host,
            )
        )
    with tenant_context(tenant_id):
        found = check(domain)
        if found:
            domain.verified_at = utcnow()
            domain.claim_expires_at = None
            audit.record("domain.verified", tenant_id, {"host": domain.host}, actor=actor)
        db.session.flush()
    invalidate_tenant_cache()
    return domain, found


def remove(tenant_id: int, domain_id: Any, actor: Any = None) -> bool:
    with tenant_context(tenant_id):
        domain = db.session.execute(
            sa.select(TenantDomain).where(
                TenantDomain.id == domain_id, TenantDomain.kind == DomainKind.CUSTOM.value
            )
        ).scalar_one_or_none()
        if domain is None:
            return False
        db.session.delete(domain)
        db.session.flush()
    audit.record("domain.removed", tenant_id, {"host": domain.host}, actor=actor)
    invalidate_tenant_cache()
    return True


def recheck_all() -> dict[str, int]:
    """Re-check every verified custom domain; demote those whose record is gone.

    A DNS failure (timeout) demotes nothing: only a definite answer without the token does.
    """
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(TenantDomain.tenant_id, TenantDomain.id)
            .where(TenantDomain.kind == DomainKind.CUSTOM.value, TenantDomain.verified_at.is_not(None))
            .execution_options(all_tenants=True)
        ).all()
    counts = {"checked": 0, "demoted": 0, "unknown": 0}
    for tenant_id, domain_id in rows:
        with tenant_context(tenant_id):
            domain = db.session.execute(
                sa.select(TenantDomain).where(TenantDomain.id == domain_id)
            ).scalar_one()
            found = check(domain)
            counts["checked"] += 1
            if found is None:
                counts["unknown"] += 1
            elif not found:
                domain.verified_at = None
                domain.claim_expires_at = utcnow() + claim_period()  # a claim again: re-verify or lapse
                if domain.is_primary:
                    domain.is_primary = False
                audit.record("domain.demoted", tenant_id, {"host": domain.host})
                counts["demoted"] += 1
            db.session.flush()
    counts["expired"] = expire_claims()
    invalidate_tenant_cache()
    return counts


def expire_claims() -> int:
    """Remove every unverified claim whose time has run out (audited); how many were removed."""
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(TenantDomain.tenant_id, TenantDomain.id)
            .where(
                TenantDomain.kind == DomainKind.CUSTOM.value,
                TenantDomain.verified_at.is_(None),
                TenantDomain.claim_expires_at <= utcnow(),
            )
            .execution_options(all_tenants=True)
        ).all()
    return sum(_delete_claim(t, d, "domain.claim_expired") is not None for t, d in rows)


@dataclass
class Claim:
    tenant_id: int
    slug: str
    domain_id: Any
    verified_at: dt.datetime | None
    created_at: dt.datetime
    claim_expires_at: dt.datetime | None


def conflicts() -> dict[str, list[Claim]]:
    """Hosts claimed by more than one municipality, each with its claims (a reviewed
    cross-tenant read for the operator console), verified claims first."""
    from core.tenancy import Tenant

    with cross_tenant_read():
        contested = (
            sa.select(TenantDomain.host)
            .where(TenantDomain.kind == DomainKind.CUSTOM.value)
            .group_by(TenantDomain.host)
            .having(sa.func.count() > 1)
            .execution_options(all_tenants=True)
        )
        rows = db.session.execute(
            sa.select(TenantDomain, Tenant.slug)
            .join(Tenant, Tenant.id == TenantDomain.tenant_id)
            .where(TenantDomain.host.in_(contested.scalar_subquery()))
            .order_by(TenantDomain.host, TenantDomain.verified_at.is_(None), TenantDomain.created_at)
            .execution_options(all_tenants=True)
        ).all()
    found: dict[str, list[Claim]] = {}
    for domain, slug in rows:
        found.setdefault(domain.host, []).append(
            Claim(
                domain.tenant_id,
                slug,
                domain.id,
                domain.verified_at,
                domain.created_at,
                domain.claim_expires_at,
            )
        )
    return found


def resolve_conflict(tenant_id: int, domain_id: Any, actor: Any = None) -> str | None:
    """The operator removes one municipality's claim on a contested host; the host, or None."""
    host = _delete_claim(tenant_id, domain_id, "domain.claim_removed_by_operator", actor=actor)
    invalidate_tenant_cache()
    return host


def _recheck_job(payload: dict) -> None:
    recheck_all()
    db.session.commit()


def register_jobs() -> None:
    from core.jobs import job

    job("tenants.domains_recheck")(_recheck_job)


register_jobs()
