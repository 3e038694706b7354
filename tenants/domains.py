"""Custom domains: add a host, publish a DNS TXT token, verify, re-check (demote on loss).

An unverified host never serves the municipality and never receives sign-in codes: the core
resolves and hands off only to rows with ``verified_at`` set.
"""

from __future__ import annotations

import re
import secrets
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


def add_domain(tenant_id: int, host: str, actor: Any = None) -> TenantDomain:
    host = normalise_host(host or "")
    apex = apex_host()
    if not HOST_RE.match(host) or host == apex:
        raise DomainError(_("Enter a host name such as participation.example.gov."))
    if host.endswith("." + apex):
        raise DomainError(_("Hosts under the platform's own domain cannot be added."))
    with cross_tenant_read():
        taken = db.session.execute(
            sa.select(TenantDomain.id).where(TenantDomain.host == host).execution_options(all_tenants=True)
        ).first()
    if taken:
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
        )
        db.session.add(domain)
        db.session.flush()
    audit.record("domain.added", tenant_id, {"host": host}, actor=actor)
    return domain


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
    with tenant_context(tenant_id):
        domain = db.session.execute(
            sa.select(TenantDomain).where(
                TenantDomain.id == domain_id, TenantDomain.kind == DomainKind.CUSTOM.value
            )
        ).scalar_one_or_none()
        if domain is None:
            raise LookupError(domain_id)
        found = check(domain)
        if found and domain.verified_at is None:
            domain.verified_at = utcnow()
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
                if domain.is_primary:
                    domain.is_primary = False
                audit.record("domain.demoted", tenant_id, {"host": domain.host})
                counts["demoted"] += 1
            db.session.flush()
    invalidate_tenant_cache()
    return counts


def _recheck_job(payload: dict) -> None:
    recheck_all()
    db.session.commit()


def register_jobs() -> None:
    from core.jobs import job

    job("tenants.domains_recheck")(_recheck_job)


register_jobs()
