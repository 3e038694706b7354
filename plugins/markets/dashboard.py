"""The NGO dashboard on the apex: for the organisations an account belongs to, their standing as
producers, the market days to come where they sell, and the households they referred to the
social grocery, in every municipality.

The one reviewed cross-tenant read of the plugin (``cross_tenant_read`` with
``all_tenants=True``), filtered by the account's organisations before anything is read. Referrals
are counted per decision, never named: a household's data stays in its municipality, where the
NGO's members see their own referrals on the applications page.
"""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa

from core.toolkit import cross_tenant_read, db, external_url, organisations_of, tenant_info, utcnow_aware
from plugins.markets.models import (
    DayStatus,
    EligibilityApplication,
    Household,
    MarketDay,
    Offer,
    Producer,
    ProducerStatus,
)


def organisation_overview(account: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per municipality where one of ``account``'s organisations sells or referred a household:
    its producers (name, status), the next market days it offers at, and referrals by status."""
    org_ids = [m.organisation_id for m in organisations_of(account)]
    if not org_ids:
        return []
    now = now or utcnow_aware()
    with cross_tenant_read():
        producers = db.session.execute(
            sa.select(Producer.tenant_id, Producer.id, Producer.name, Producer.status)
            .where(Producer.organisation_id.in_(org_ids))
            .order_by(Producer.name)
            .execution_options(all_tenants=True)
        ).all()
        selling = [p for p in producers if p.status == ProducerStatus.APPROVED]
        days = []
        if selling:
            days = db.session.execute(
                sa.select(MarketDay.tenant_id, MarketDay.id, MarketDay.title, MarketDay.day)
                .where(
                    MarketDay.status == DayStatus.PUBLISHED,
                    MarketDay.day >= now.date() - dt.timedelta(days=1),
                    sa.exists().where(
                        Offer.tenant_id == MarketDay.tenant_id,
                        Offer.market_day_id == MarketDay.id,
                        Offer.producer_id.in_([p.id for p in selling]),
                        Offer.tenant_id.in_({p.tenant_id for p in selling}),
                    ),
                )
                .order_by(MarketDay.day)
                .execution_options(all_tenants=True)
            ).all()
        latest = (
            sa.select(
                EligibilityApplication.tenant_id,
                EligibilityApplication.household_id,
                EligibilityApplication.status,
                sa.func.row_number()
                .over(
                    partition_by=(EligibilityApplication.tenant_id, EligibilityApplication.household_id),
                    order_by=EligibilityApplication.submitted_at.desc(),
                )
                .label("n"),
            )
            .join(
                Household,
                sa.and_(
                    Household.tenant_id == EligibilityApplication.tenant_id,
                    Household.id == EligibilityApplication.household_id,
                ),
            )
            .where(Household.referred_by_organisation_id.in_(org_ids))
            .subquery()
        )
        referrals = db.session.execute(
            sa.select(latest.c.tenant_id, latest.c.status, sa.func.count())
            .where(latest.c.n == 1)
            .group_by(latest.c.tenant_id, latest.c.status)
            .execution_options(all_tenants=True)
        ).all()
    by_tenant: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"producers": [], "days": [], "referrals": Counter()}
    )
    for p in producers:
        by_tenant[p.tenant_id]["producers"].append({"name": p.name, "status": p.status})
    for d in days:
        if len(by_tenant[d.tenant_id]["days"]) < 3:
            by_tenant[d.tenant_id]["days"].append({"title": d.title, "day": d.day, "id": d.id})
    for tenant_id, status, count in referrals:
        by_tenant[tenant_id]["referrals"][status] += count
    out = []
    for tenant_id, entry in by_tenant.items():
        info = tenant_info(tenant_id)
        if info is None:
            continue
        out.append(
            {
                "municipality": info.name,
                "url": external_url(info.primary_host, "/markets/"),
                "applications_url": external_url(info.primary_host, "/markets/grocery/applications"),
                "days": [
                    {**d, "url": external_url(info.primary_host, f"/markets/days/{d['id']}")}
                    for d in entry["days"]
                ],
                "producers": entry["producers"],
                "referrals": dict(entry["referrals"]),
            }
        )
    return sorted(out, key=lambda e: e["municipality"])
