"""Personal data: "download my data" and "delete my account" for the markets plugin.

Kept after erasure, without the person: orders (the market's record of what was sold:
``account_id`` NULL, name cleared), producers' decisions (name kept as the trade name, account
and documents gone), eligibility decisions (social-assistance records: the household's name
replaced, the account unlinked), season shares (given up first, so the share goes to someone
else; the row kept as the producer's record, without the person)."""

from typing import Any

import sqlalchemy as sa

from core.toolkit import db
from plugins.markets import grocery, services, shares
from plugins.markets.models import (
    EligibilityApplication,
    Household,
    MarketDay,
    Order,
    Producer,
    ProducerDocument,
    Redemption,
    SharePlan,
    ShareSubscription,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(account: Any) -> dict[str, Any] | None:
    orders = services.orders_of_account(account)
    producers = services.producers_of(account)
    household = grocery.household_of(account)
    subscriptions = db.session.execute(
        sa.select(ShareSubscription, SharePlan)
        .join(
            SharePlan,
            sa.and_(
                SharePlan.tenant_id == ShareSubscription.tenant_id, SharePlan.id == ShareSubscription.plan_id
            ),
        )
        .where(ShareSubscription.account_id == account.id)
    ).all()
    if not orders and not producers and household is None and not subscriptions:
        return None
    data: dict[str, Any] = {
        "orders": [
            {
                "market_day": day.title,
                "day": day.day.isoformat(),
                "status": order.status,
                "total": float(order.total),
                "lines": services.order_dict(order)["lines"],
                "updated_at": _iso(order.updated_at),
            }
            for order, day in orders
        ],
        "producers": [
            {
                "name": p.name,
                "area": p.area,
                "status": p.status,
                "decision_reason": p.decision_reason,
                "applied_at": _iso(p.created_at),
                "documents": [d.filename for d in services.documents_of(p)],
            }
            for p in producers
        ],
        "season_shares": [
            {
                "plan": plan.name,
                "since": _iso(sub.created_at),
                "paused_weeks": sorted(w.isoformat() for w in shares.paused_weeks(sub)),
                "pick_up_slots": {
                    w.isoformat(): str(slot) for w, slot in sorted(shares.pickups(sub).items())
                },
                "cancelled_at": _iso(sub.cancelled_at),
            }
            for sub, plan in subscriptions
        ],
    }
    if household is not None:
        applications = db.session.execute(
            sa.select(EligibilityApplication).where(EligibilityApplication.household_id == household.id)
        ).scalars()
        redemptions = db.session.execute(
            sa.select(Redemption).where(Redemption.household_id == household.id)
        ).scalars()
        data["household"] = {
            "name": household.name,
            "size": household.size,
            "applications": [
                {
                    "status": a.status,
                    "monthly_income": float(a.monthly_income),
                    "reason": a.reason,
                    "valid_until": _iso(a.valid_until),
                    "submitted_at": _iso(a.submitted_at),
                }
                for a in applications
            ],
            "redemptions": [
                {"period": r.period, "quantity": r.quantity, "credits": r.credits} for r in redemptions
            ],
        }
    return data


def purge_orders(cutoff: Any) -> int:
    """Orders of market days before ``cutoff`` lose the buyer (what was sold stays)."""
    old_days = sa.select(MarketDay.id).where(MarketDay.day < cutoff.date()).scalar_subquery()
    result = db.session.execute(
        sa.update(Order)
        .where(
            Order.market_day_id.in_(old_days),
            sa.or_(Order.account_id.is_not(None), Order.customer_name != ""),
        )
        .values(account_id=None, customer_name="")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def erase(account: Any) -> None:
    quiet = {"synchronize_session": False}
    # a season share: nobody is left to collect its boxes, so it is given up first (the share
    # freed for someone else, the slot places of the weeks to come given back); the row stays as
    # the producer's record, without the person
    for held in (
        db.session.execute(
            sa.select(ShareSubscription).where(
                ShareSubscription.account_id == account.id, ShareSubscription.cancelled_at.is_(None)
            )
        )
        .scalars()
        .all()
    ):
        shares.cancel(held)
    db.session.execute(
        sa.update(ShareSubscription)
        .where(ShareSubscription.account_id == account.id)
        .values(account_id=None, name="")
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Order)
        .where(Order.account_id == account.id)
        .values(account_id=None, customer_name="")
        .execution_options(**quiet)
    )
    mine = sa.select(Producer.id).where(Producer.account_id == account.id).scalar_subquery()
    db.session.execute(
        sa.delete(ProducerDocument).where(ProducerDocument.producer_id.in_(mine)).execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Producer)
        .where(Producer.account_id == account.id)
        .values(account_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Producer)
        .where(Producer.decided_by_id == account.id)
        .values(decided_by_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Household)
        .where(Household.account_id == account.id)
        .values(account_id=None, name="—")
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Household)
        .where(Household.referred_by_account_id == account.id)
        .values(referred_by_account_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(EligibilityApplication)
        .where(EligibilityApplication.decided_by_id == account.id)
        .values(decided_by_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Redemption)
        .where(Redemption.recorded_by_id == account.id)
        .values(recorded_by_id=None)
        .execution_options(**quiet)
    )
    from plugins.markets.models import Donation

    db.session.execute(
        sa.update(Donation)
        .where(Donation.recorded_by_id == account.id)
        .values(recorded_by_id=None)
        .execution_options(**quiet)
    )
    db.session.expire_all()
