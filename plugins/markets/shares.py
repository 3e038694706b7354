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
    PickupSlot,
    Producer,
    SharePause,
    SharePickup,
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


def subscription_of(
    plan: SharePlan, account: Any, *, including_cancelled: bool = False
) -> ShareSubscription | None:
    """The account's share of the plan (a cancelled one only when asked)."""
    if account is None:
        return None
    found = db.session.execute(
        sa.select(ShareSubscription).where(
            ShareSubscription.plan_id == plan.id, ShareSubscription.account_id == account.id
        )
    ).scalar_one_or_none()
    if found is not None and found.cancelled_at is not None and not including_cancelled:
        return None
    return found


def subscribe(plan_id: uuid.UUID, account: Any, *, now: dt.datetime | None = None) -> ShareSubscription:
    """Take one of the plan's shares while any is left and the season has not ended (in the
    municipality's zone); one per account."""
    if account is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    plan = get_plan(plan_id)
    if plan.season_end < grocery._today(now or utcnow_aware()):
        raise RuleViolation(gettext("This season is over."), code="season_over")
    existing = subscription_of(plan, account, including_cancelled=True)
    if existing is not None and existing.cancelled_at is None:
        raise RuleViolation(gettext("You already have a share of this."), code="already_subscribed")
    taken = db.session.execute(
        sa.update(SharePlan)
        .where(SharePlan.id == plan.id, SharePlan.taken + 1 <= SharePlan.shares)
        .values(taken=SharePlan.taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise RuleViolation(gettext("All the shares are taken."), code="no_shares")
    if existing is not None:  # a share taken again after a cancellation: the same row, once
        revived = db.session.execute(
            sa.update(ShareSubscription)
            .where(ShareSubscription.id == existing.id, ShareSubscription.cancelled_at.is_not(None))
            .values(cancelled_at=None)
            .execution_options(synchronize_session=False)
        )
        if revived.rowcount != 1:
            raise RuleViolation(gettext("You already have a share of this."), code="already_subscribed")
        db.session.expire(existing)
        db.session.expire(plan)
        return existing
    subscription = ShareSubscription(plan_id=plan.id, account_id=account.id, name=account.display_name or "")
    db.session.add(subscription)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise RuleViolation(gettext("You already have a share of this."), code="already_subscribed") from None
    db.session.expire(plan)
    return subscription


def _free_pickups(
    subscription: ShareSubscription, weeks_from: dt.date, *, only: dt.date | None = None
) -> None:
    """Give back the slot places the subscriber chose from ``weeks_from`` on (or for one week)."""
    query = sa.select(SharePickup).where(
        SharePickup.subscription_id == subscription.id, SharePickup.week >= weeks_from
    )
    if only is not None:
        query = query.where(SharePickup.week == only)
    for pickup in sorted(db.session.execute(query).scalars(), key=lambda p: p.slot_id):
        db.session.execute(
            sa.update(PickupSlot)
            .where(PickupSlot.id == pickup.slot_id, PickupSlot.taken >= 1)
            .values(taken=PickupSlot.taken - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(pickup)
    db.session.flush()


def cancel(subscription: ShareSubscription, *, now: dt.datetime | None = None) -> ShareSubscription:
    """The subscriber gives the share up: the share is freed for someone else and the slot
    places of the weeks to come are given back; the row stays, with ``cancelled_at``. Exactly
    once under parallel requests (the conditional update on ``cancelled_at``)."""
    now = now or utcnow_aware()
    done = db.session.execute(
        sa.update(ShareSubscription)
        .where(ShareSubscription.id == subscription.id, ShareSubscription.cancelled_at.is_(None))
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise RuleViolation(gettext("You have no share of this."), status=404)
    db.session.execute(
        sa.update(SharePlan)
        .where(SharePlan.id == subscription.plan_id, SharePlan.taken >= 1)
        .values(taken=SharePlan.taken - 1)
        .execution_options(synchronize_session=False)
    )
    _free_pickups(subscription, monday(grocery._today(now)))
    db.session.expire_all()
    return subscription


def market_day_of_week(plan: SharePlan, week: dt.date) -> MarketDay | None:
    """The published market day held in that week (the first, if several), where boxes are
    picked up."""
    return db.session.execute(
        sa.select(MarketDay)
        .where(
            MarketDay.tenant_id == plan.tenant_id,
            MarketDay.status == DayStatus.PUBLISHED,
            MarketDay.day >= week,
            MarketDay.day < week + dt.timedelta(days=7),
        )
        .order_by(MarketDay.day)
        .limit(1)
    ).scalar_one_or_none()


def pickup_options(plan: SharePlan, from_week: dt.date) -> dict[dt.date, tuple[MarketDay, list[PickupSlot]]]:
    """For each box week from ``from_week``: that week's market day and its slots (two
    statements whatever the number of weeks)."""
    box_weeks = [w for w in weeks(plan) if w >= from_week]
    if not box_weeks:
        return {}
    days = db.session.execute(
        sa.select(MarketDay)
        .where(
            MarketDay.tenant_id == plan.tenant_id,
            MarketDay.status == DayStatus.PUBLISHED,
            MarketDay.day >= box_weeks[0],
            MarketDay.day < box_weeks[-1] + dt.timedelta(days=7),
        )
        .order_by(MarketDay.day)
    ).scalars()
    day_of_week: dict[dt.date, MarketDay] = {}
    for day in days:
        day_of_week.setdefault(monday(day.day), day)
    chosen = {w: day_of_week[w] for w in box_weeks if w in day_of_week}
    slots: dict[uuid.UUID, list[PickupSlot]] = {}
    if chosen:
        for slot in db.session.execute(
            sa.select(PickupSlot)
            .where(
                PickupSlot.tenant_id == plan.tenant_id,
                PickupSlot.market_day_id.in_([d.id for d in chosen.values()]),
            )
            .order_by(PickupSlot.starts_at)
        ).scalars():
            slots.setdefault(slot.market_day_id, []).append(slot)
    return {w: (d, slots.get(d.id, [])) for w, d in chosen.items()}


def pickups(subscription: ShareSubscription) -> dict[dt.date, uuid.UUID]:
    """The chosen slot of each week."""
    return dict(
        db.session.execute(
            sa.select(SharePickup.week, SharePickup.slot_id).where(
                SharePickup.subscription_id == subscription.id
            )
        ).all()
    )


def choose_slot(
    subscription: ShareSubscription, week: dt.date, slot_id: uuid.UUID, *, now: dt.datetime | None = None
) -> SharePickup:
    """Pick the box of one week up at a chosen slot of that week's market day, while the slot
    has room (its ``capacity`` is shared with the pre-orders: a conditional update on
    ``taken``); choosing another slot gives the first place back. The two slots are locked in id
    order, so two subscribers swapping slots never deadlock."""
    now = now or utcnow_aware()
    if subscription.cancelled_at is not None:
        raise RuleViolation(gettext("You have no share of this."), status=404)
    plan = db.session.get(SharePlan, (subscription.tenant_id, subscription.plan_id))
    week = monday(week)
    if week not in weeks(plan):
        raise RuleViolation(gettext("There is no box that week."), status=422, field="week")
    if week in paused_weeks(subscription):
        raise RuleViolation(gettext("That week is paused."), code="paused")
    day = market_day_of_week(plan, week)
    slot = None
    if day is not None:
        slot = db.session.execute(
            sa.select(PickupSlot).where(PickupSlot.id == slot_id, PickupSlot.market_day_id == day.id)
        ).scalar_one_or_none()
    if slot is None:
        raise RuleViolation(gettext("Choose one of the pick-up times listed."), status=422, field="slot_id")
    if day.day < grocery._today(now):
        raise RuleViolation(gettext("That week is over."), code="week_over")
    found = db.session.execute(
        sa.select(SharePickup).where(SharePickup.subscription_id == subscription.id, SharePickup.week == week)
    ).scalar_one_or_none()
    if found is not None and found.slot_id == slot.id:
        return found
    ids = sorted({slot.id} | ({found.slot_id} if found is not None else set()))
    db.session.execute(
        sa.select(PickupSlot.id).where(PickupSlot.id.in_(ids)).order_by(PickupSlot.id).with_for_update()
    )
    taken = db.session.execute(
        sa.update(PickupSlot)
        .where(PickupSlot.id == slot.id, PickupSlot.taken + 1 <= PickupSlot.capacity)
        .values(taken=PickupSlot.taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise RuleViolation(gettext("This pick-up time is full; choose another."), code="slot_full")
    if found is not None:
        db.session.execute(
            sa.update(PickupSlot)
            .where(PickupSlot.id == found.slot_id, PickupSlot.taken >= 1)
            .values(taken=PickupSlot.taken - 1)
            .execution_options(synchronize_session=False)
        )
        found.slot_id = slot.id
        db.session.flush()
        return found
    pickup = SharePickup(subscription_id=subscription.id, week=week, slot_id=slot.id, created_at=now)
    db.session.add(pickup)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise RuleViolation(
            gettext("Choose one of the pick-up times listed."), code="already_chosen"
        ) from None
    return pickup


def pause(subscription: ShareSubscription, week: dt.date, *, now: dt.datetime | None = None) -> SharePause:
    """Skip the box of one week (a box week of the plan, not begun yet in the municipality's zone)."""
    if subscription.cancelled_at is not None:
        raise RuleViolation(gettext("You have no share of this."), status=404)
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
        _free_pickups(subscription, week, only=week)  # no box that week: its slot place back
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
            .where(
                ShareSubscription.tenant_id == plan.tenant_id,
                ShareSubscription.plan_id == plan.id,
                ShareSubscription.cancelled_at.is_(None),
            )
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
    chosen: dict[tuple[uuid.UUID, dt.date], PickupSlot] = {}
    if subs:
        for sub_id, week, slot in db.session.execute(
            sa.select(SharePickup.subscription_id, SharePickup.week, PickupSlot)
            .join(
                PickupSlot,
                sa.and_(PickupSlot.tenant_id == SharePickup.tenant_id, PickupSlot.id == SharePickup.slot_id),
            )
            .where(
                SharePickup.tenant_id == plan.tenant_id,
                SharePickup.subscription_id.in_([s.id for s in subs]),
            )
        ).all():
            chosen[(sub_id, week)] = slot
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
            "slots": {s.id: chosen.get((s.id, week)) for s in subs if (s.id, week) not in pauses},
        }
        for week in all_weeks
    ]
