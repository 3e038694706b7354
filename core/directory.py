"""The directory of municipalities on the apex (issue 16 §3): where a citizen finds theirs.

Only active municipalities are listed, each with its country, languages and the address of its
site (its primary verified host); filtered by country, searched by name (case and accents folded),
paginated. Two statements per page: the page of municipalities, then their hosts.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from core.extensions import db
from core.search import fold
from core.tenancy import Tenant, TenantDomain, TenantStatus, external_url

PAGE_SIZE = 30


@dataclass
class ListedMunicipality:
    name: str
    country: str
    locales: list[str]
    url: str


def _name_matches(query: str):
    words = [w for w in fold(query).split() if w]
    if db.session.get_bind().dialect.name == "postgresql":
        # as fold() does: lower case, no accents, final sigma as sigma (the extension core_search made)
        folded = sa.func.replace(sa.func.lower(sa.func.unaccent(Tenant.name)), "ς", "σ")
    else:
        folded = sa.func.sympraxis_fold(Tenant.name)
    return sa.and_(*(folded.contains(w, autoescape=True) for w in words))


def countries() -> list[str]:
    """The countries that have an active municipality (the filter's choices)."""
    return list(
        db.session.execute(
            sa.select(Tenant.country)
            .where(Tenant.status == TenantStatus.ACTIVE.value)
            .distinct()
            .order_by(Tenant.country)
        ).scalars()
    )


def municipalities(query: str = "", country: str = "", page: int = 1) -> tuple[list[ListedMunicipality], int]:
    """One page of active municipalities by name, and how many match in all."""
    where = [Tenant.status == TenantStatus.ACTIVE.value]
    if country:
        where.append(Tenant.country == country.upper())
    if query.strip():
        where.append(_name_matches(query))
    total = db.session.execute(sa.select(sa.func.count()).select_from(Tenant).where(*where)).scalar_one()
    rows = db.session.execute(
        sa.select(Tenant.id, Tenant.name, Tenant.country, Tenant.locales)
        .where(*where)
        .order_by(Tenant.name, Tenant.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    hosts: dict[int, str] = {}
    for tenant_id, host in db.session.execute(
        sa.select(TenantDomain.tenant_id, TenantDomain.host)
        .where(TenantDomain.tenant_id.in_([r.id for r in rows]), TenantDomain.verified_at.is_not(None))
        .order_by(
            TenantDomain.tenant_id,
            TenantDomain.is_primary.desc(),
            TenantDomain.kind.desc(),
            TenantDomain.host,
        )
        .execution_options(all_tenants=True)  # host names are public: the directory links them
    ):
        hosts.setdefault(tenant_id, host)
    listed = [
        ListedMunicipality(r.name, r.country, list(r.locales or []), external_url(hosts[r.id], "/"))
        for r in rows
        if r.id in hosts
    ]
    return listed, total
