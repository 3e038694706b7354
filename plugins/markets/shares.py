"""Community-supported agriculture: a producer offers season shares (a price per season or per
month, a box every week or fortnight, a number of shares); households subscribe while shares
are left (a conditional update on ``taken``, so parallel requests never pass the number), pause
a week, and pick their box up at the market day held that week; the producer sees each week's
boxes. Payment at pick-up, as for pre-orders."""

import datetime as dt
import decimal
import uuid
from typing import Any

import sqlalchemy as sa

from core.toolkit import RuleViolation, db, gettext, utcnow_aware
from plugins.markets import grocery
from plugins.markets.models import (
    DayStatus,
    MarketDay,
    Producer,
    SharePause,
    SharePlan,
    ShareSubscription,
)

PRICE_PER = ("season", "month")
FREQUENCIES = ("weekly", "fortnightly")
MAX_SHARES = 10000
MAX_WEEKS = 60


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def save_plan(
    producer: Producer,
    *,
    name: str,
    price: Any,
    price_per: str,
    frequency: str,
    season_start: dt.date,
    season_end: dt.date,
    shares: Any,
    description: str = "",
) -> SharePlan:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise RuleViolation(gettext("This field is required."), status=422, field="name")
    if price_per not in PRICE_PER or frequency not in FREQUENCIES:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="frequency")
    try:
        amount = decimal.Decimal(str(price)).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError):
        amount = decimal.Decimal(-1)
    if not decimal.Decimal(0) <= amount <= decimal.Decimal("99999.99"):
        raise RuleViolation(gettext("Give a price, e.g. 2.50."), status=422, field="price")
    try:
        shares = int(shares)
    except (TypeError, ValueError):
        shares = 0
    if not 1 <= shares <= MAX_SHARES:
        raise RuleViolation(
            gettext("Give a number from %(low)d to %(high)d.", low=1, high=MAX_SHARES),
            status=422,
            field="shares",
        )
    if season_end < season_start or (season_end - season_start).days > MAX_WEEKS * 7:
        raise RuleViolation(
            gettext("The season ends before it starts, or lasts over a year."), field="season_end"
        )
    plan = SharePlan(
        producer_id=producer.id,
        name=name,
        description=(description or "").strip()[:5000],
        price=amount,
        price_per=price_per,
        frequency=frequency,
        season_start=season_start,
        season_end=season_end,
        shares=shares,
        taken=0,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def plans() -> list[tuple[SharePlan, Producer]]:
    return list(
        db.session.execute(
            sa.select(SharePlan, Producer)
            .join(
                Producer,
                sa.and_(Producer.tenant_id == SharePlan.tenant_id, Producer.id == SharePlan.producer_id),
            )
            .where(Producer.status == "approved")
            .order_by(SharePlan.season_start, SharePlan.name)
        ).all()
    )


def get_plan(plan_id: uuid.UUID) -> SharePlan:
    found = db.session.execute(sa.select(SharePlan).where(SharePlan.id == plan_id)).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("These season shares do not exist."), status=404)
    return found


def weeks(plan: SharePlan) -> list[dt.date]:
    """The Mondays of the weeks with a box: every week, or every other one, from the start."""
    step = 7 if plan.frequency == "weekly" else 14
    first = monday(plan.season_start)
    out, week = [], first
    while week <= plan.season_end:
        out.append(week)
        week += dt.timedelta(days=step)
    return out


def subscription_of(plan: SharePlan, account: Any) -> ShareSubscription | None:
    if account is None:
        return None
    return db.session.execute(
        sa.select(ShareSubscription).where(
            ShareSubscription.plan_id == plan.id, ShareSubscription.account_id == account.id
        )
    ).scalar_one_or_none()


def subscribe(plan_id: uuid.UUID, account: Any, *, now: dt.datetime | None = None) -> ShareSubscription:
    """Take one of the plan's shares while any is left and the season has not ended (in the
    municipality's zone); one per account."""
    if account is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    plan = get_plan(plan_id)
    if plan.season_end < grocery._today(now or utcnow_aware()):
        raise RuleViolation(gettext("This season is over."), code="season_over")
    if subscription_of(plan, account) is not None:
        raise RuleViolation(gettext("You already have a share of this."), code="already_subscribed")
    taken = db.session.execute(
        sa.update(SharePlan)
        .where(SharePlan.id == plan.id, SharePlan.taken + 1 <= SharePlan.shares)
        .values(taken=SharePlan.taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise RuleViolation(gettext("All the shares are taken."), code="no_shares")
    subscription = ShareSubscription(plan_id=plan.id, account_id=account.id, name=account.display_name or "")
    db.session.add(subscription)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise RuleViolation(gettext("You already have a share of this."), code="already_subscribed") from None
    db.session.expire(plan)
    return subscription


def pause(subscription: ShareSubscription, week: dt.date, *, now: dt.datetime | None = None) -> SharePause:
    """Skip the box of one week (a box week of the plan, not begun yet in the municipality's zone)."""
    plan = db.session.get(SharePlan, (subscription.tenant_id, subscription.plan_id))
    week = monday(week)
    if week not in weeks(plan):
        raise RuleViolation(gettext("There is no box that week."), status=422, field="week")
    if week < monday(grocery._today(now or utcnow_aware())):
        raise RuleViolation(gettext("That week is over."), code="week_over")
    found = db.session.execute(
        sa.select(SharePause).where(SharePause.subscription_id == subscription.id, SharePause.week == week)
    ).scalar_one_or_none()
    if found is None:
        found = SharePause(subscription_id=subscription.id, week=week)
        db.session.add(found)
        db.session.flush()
    return found


def paused_weeks(subscription: ShareSubscription) -> set[dt.date]:
    return set(
        db.session.execute(
            sa.select(SharePause.week).where(SharePause.subscription_id == subscription.id)
        ).scalars()
    )


def boxes(plan: SharePlan) -> list[dict[str, Any]]:
    """Each box week: the market day held that week (where the boxes are picked up) and the
    subscribers whose box it is (the paused ones left out, and counted)."""
    subs = list(
        db.session.execute(
            sa.select(ShareSubscription)
            .where(ShareSubscription.tenant_id == plan.tenant_id, ShareSubscription.plan_id == plan.id)
            .order_by(ShareSubscription.name)
        ).scalars()
    )
    pauses: set[tuple[uuid.UUID, dt.date]] = set()
    if subs:
        pauses = set(
            db.session.execute(
                sa.select(SharePause.subscription_id, SharePause.week).where(
                    SharePause.tenant_id == plan.tenant_id,
                    SharePause.subscription_id.in_([s.id for s in subs]),
                )
            ).all()
        )
    all_weeks = weeks(plan)
    days = db.session.execute(
        sa.select(MarketDay).where(
            MarketDay.tenant_id == plan.tenant_id,
            MarketDay.status == DayStatus.PUBLISHED,
            MarketDay.day >= all_weeks[0],
            MarketDay.day < all_weeks[-1] + dt.timedelta(days=7),
        )
    ).scalars()
    day_of_week: dict[dt.date, MarketDay] = {}
    for day in sorted(days, key=lambda d: d.day):
        day_of_week.setdefault(monday(day.day), day)
    return [
        {
            "week": week,
            "market_day": day_of_week.get(week),
            "subscribers": [s for s in subs if (s.id, week) not in pauses],
            "paused": sum(1 for s in subs if (s.id, week) in pauses),
        }
        for week in all_weeks
    ]
