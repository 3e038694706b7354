"""The social grocery's distribution days: staff announce a day with slots (a number of
households each), an eligible household orders goods with its credits for a slot, or staff
record a handout at the counter; staff hand the orders over and check them off.

The same counters pattern as pre-orders and redemptions: conditional updates in one order in
every transaction (the slot's ``taken``, then the month's credits, then each item's stock, by
item id), each refusing with a clear message when it would pass its limit, and a CHECK
constraint behind each. A refused order leaves nothing behind (the caller rolls back).
"""

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from babel import dates as babel_dates

from core.toolkit import RuleViolation, db, get_locale, gettext, utcnow_aware
from plugins.markets import grocery
from plugins.markets.models import (
    DistributionDay,
    DistributionSlot,
    GroceryItem,
    GroceryOrder,
    Household,
    Redemption,
)

MAX_SLOT_CAPACITY = 1000
MAX_LINES = 30


def save_day(day: dt.date, *, place: str = "", now: dt.datetime | None = None) -> DistributionDay:
    if day < grocery._today(now or utcnow_aware()):
        raise RuleViolation(gettext("The date cannot be in the past."), field="day", code="past")
    place = " ".join((place or "").split())
    if len(place) > 200:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=200), status=422, field="place")
    found = DistributionDay(day=day, place=place)
    db.session.add(found)
    db.session.flush()
    return found


def add_slot(
    day: DistributionDay, *, starts_at: dt.datetime, ends_at: dt.datetime, capacity: Any
) -> DistributionSlot:
    if ends_at <= starts_at:
        raise RuleViolation(
            gettext("The end must come after the start."), field="ends_at", code="ends_before_start"
        )
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= MAX_SLOT_CAPACITY:
        raise RuleViolation(
            gettext("Give a number from %(low)d to %(high)d.", low=1, high=MAX_SLOT_CAPACITY),
            status=422,
            field="capacity",
        )
    slot = DistributionSlot(
        distribution_day_id=day.id, starts_at=starts_at, ends_at=ends_at, capacity=capacity, taken=0
    )
    db.session.add(slot)
    db.session.flush()
    return slot


def upcoming(now: dt.datetime | None = None) -> list[DistributionDay]:
    today = grocery._today(now or utcnow_aware())
    return list(
        db.session.execute(
            sa.select(DistributionDay).where(DistributionDay.day >= today).order_by(DistributionDay.day)
        ).scalars()
    )


def get_day(day_id: uuid.UUID) -> DistributionDay:
    found = db.session.execute(
        sa.select(DistributionDay).where(DistributionDay.id == day_id)
    ).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("This distribution day does not exist."), status=404)
    return found


def slots_of(day: DistributionDay) -> list[DistributionSlot]:
    return list(
        db.session.execute(
            sa.select(DistributionSlot)
            .where(
                DistributionSlot.tenant_id == day.tenant_id, DistributionSlot.distribution_day_id == day.id
            )
            .order_by(DistributionSlot.starts_at)
        ).scalars()
    )


def order_of(day: DistributionDay, household: Household | None) -> GroceryOrder | None:
    if household is None:
        return None
    return db.session.execute(
        sa.select(GroceryOrder).where(
            GroceryOrder.tenant_id == day.tenant_id,
            GroceryOrder.distribution_day_id == day.id,
            GroceryOrder.household_id == household.id,
        )
    ).scalar_one_or_none()


def _clean_lines(lines: dict[Any, Any]) -> dict[uuid.UUID, int]:
    clean: dict[uuid.UUID, int] = {}
    for raw_id, raw_quantity in lines.items():
        try:
            item_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
            quantity = int(str(raw_quantity).strip() or 0)
        except (TypeError, ValueError):
            raise RuleViolation(
                gettext("Give a quantity between 1 and 100."), status=422, field="lines"
            ) from None
        if quantity == 0:
            continue
        if not 1 <= quantity <= 100:
            raise RuleViolation(gettext("Give a quantity between 1 and 100."), status=422, field="lines")
        clean[item_id] = clean.get(item_id, 0) + quantity
    if not clean:
        raise RuleViolation(gettext("Choose at least one product."), status=422, field="lines")
    if len(clean) > MAX_LINES:
        raise RuleViolation(gettext("Choose at most %(n)d products.", n=MAX_LINES), status=422, field="lines")
    return clean


def _take(
    household: Household,
    lines: dict[uuid.UUID, int],
    *,
    order_id: uuid.UUID | None,
    staff: Any,
    now: dt.datetime,
) -> int:
    """Spend the credits, then take the stock, item by item in id order; the credits spent."""
    items = {
        i.id: i
        for i in db.session.execute(sa.select(GroceryItem).where(GroceryItem.id.in_(list(lines)))).scalars()
    }
    if set(items) != set(lines):
        raise RuleViolation(gettext("This product does not exist."), status=422, field="lines")
    cost = sum(items[i].credits * q for i, q in lines.items())
    period = grocery.credit_period(household, now)
    spent = db.session.execute(
        sa.update(grocery.CreditPeriod)
        .where(
            grocery.CreditPeriod.id == period.id,
            grocery.CreditPeriod.spent + cost <= grocery.CreditPeriod.granted,
        )
        .values(spent=grocery.CreditPeriod.spent + cost)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise RuleViolation(gettext("Not enough credits left this month."), code="no_credits")
    for item_id in sorted(lines):
        quantity, item = lines[item_id], items[item_id]
        taken = db.session.execute(
            sa.update(GroceryItem)
            .where(GroceryItem.id == item_id, GroceryItem.stock - quantity >= 0)
            .values(stock=GroceryItem.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise RuleViolation(gettext("Not enough %(item)s in stock.", item=item.name), code="out_of_stock")
        db.session.add(
            Redemption(
                household_id=household.id,
                item_id=item_id,
                period=period.period,
                quantity=quantity,
                credits=item.credits * quantity,
                recorded_by_id=staff.id if staff is not None else None,
                grocery_order_id=order_id,
                created_at=now,
            )
        )
    db.session.flush()
    return cost


def place_order(
    household: Household,
    day_id: uuid.UUID,
    *,
    slot_id: uuid.UUID,
    lines: dict[Any, Any],
    staff: Any = None,
    now: dt.datetime | None = None,
) -> GroceryOrder:
    """An eligible household's order for a distribution day to come: a place at the slot, the
    credits and the stock, all or nothing. One order per household and day."""
    now = now or utcnow_aware()
    day = get_day(day_id)
    if day.day < grocery._today(now):
        raise RuleViolation(gettext("This distribution day is over."), code="day_over")
    clean = _clean_lines(lines)
    existing = order_of(day, household)
    slot = db.session.execute(
        sa.select(DistributionSlot).where(
            DistributionSlot.id == slot_id, DistributionSlot.distribution_day_id == day.id
        )
    ).scalar_one_or_none()
    if slot is None:
        raise RuleViolation(gettext("Choose one of the pick-up times listed."), status=422, field="slot_id")
    if existing is not None and existing.cancelled_at is None:
        raise RuleViolation(
            gettext("Your household has already ordered for this day."), code="already_ordered"
        )
    if grocery.eligible_until(household, now) is None:
        raise RuleViolation(gettext("This household is not eligible at the moment."), status=403)
    placed = db.session.execute(
        sa.update(DistributionSlot)
        .where(DistributionSlot.id == slot.id, DistributionSlot.taken + 1 <= DistributionSlot.capacity)
        .values(taken=DistributionSlot.taken + 1)
        .execution_options(synchronize_session=False)
    )
    if placed.rowcount != 1:
        raise RuleViolation(gettext("This pick-up time is full; choose another."), code="slot_full")
    if existing is not None:  # ordering again after a cancellation: the same row, revived once
        revived = db.session.execute(
            sa.update(GroceryOrder)
            .where(GroceryOrder.id == existing.id, GroceryOrder.cancelled_at.is_not(None))
            .values(
                cancelled_at=None,
                cancelled_by_id=None,
                cancel_reason="",
                slot_id=slot.id,
                credits=0,
                created_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if revived.rowcount != 1:
            raise RuleViolation(
                gettext("Your household has already ordered for this day."), code="already_ordered"
            )
        db.session.expire(existing)
        order = existing
    else:
        order = GroceryOrder(
            household_id=household.id, distribution_day_id=day.id, slot_id=slot.id, credits=0, created_at=now
        )
        db.session.add(order)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except sa.exc.IntegrityError:
            raise RuleViolation(
                gettext("Your household has already ordered for this day."), code="already_ordered"
            ) from None
    order.credits = _take(household, clean, order_id=order.id, staff=staff, now=now)
    db.session.flush()
    db.session.expire_all()
    return order


def cancel_order(household: Household, day_id: uuid.UUID, *, now: dt.datetime | None = None) -> GroceryOrder:
    """The household cancels its order until the day starts (midnight in the municipality's
    zone): the place at the slot, the credits (to the month they were spent in) and the stock
    come back, and the lines go. Exactly once: the conditional update on ``cancelled_at`` lets
    one request through, and every later or parallel one is refused."""
    now = now or utcnow_aware()
    day = get_day(day_id)
    order = order_of(day, household)
    if order is None or order.cancelled_at is not None:
        raise RuleViolation(gettext("Your household has no order for this day."), status=404)
    if grocery._today(now) >= day.day:
        raise RuleViolation(
            gettext("The distribution day has started: the order can no longer be cancelled."),
            code="day_started",
        )
    if not _mark_cancelled(order, now=now):
        raise RuleViolation(gettext("Your household has no order for this day."), status=404)
    _give_back(order, household.id)
    return order


#: The longest reason staff give for cancelling an order (it is mailed to the household).
CANCEL_REASON_MAX = 2000


def cancel_for_household(
    day: DistributionDay, order_id: uuid.UUID, *, staff: Any, reason: str, now: dt.datetime | None = None
) -> tuple[GroceryOrder, Household]:
    """Staff cancel a household's order (it cannot come, the goods ran out): until it is
    collected, on the day too, with a reason the household is sent. What the household's own
    cancellation gives back comes back the same way; exactly once under parallel requests."""
    now = now or utcnow_aware()
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(gettext("Give the reason: the household is sent it."), status=422, field="reason")
    if len(reason) > CANCEL_REASON_MAX:  # refused and said, never cut off unseen
        raise RuleViolation(
            gettext("Use at most %(n)d characters.", n=CANCEL_REASON_MAX), status=422, field="reason"
        )
    found = db.session.execute(
        sa.select(GroceryOrder, Household)
        .join(
            Household,
            sa.and_(Household.tenant_id == GroceryOrder.tenant_id, Household.id == GroceryOrder.household_id),
        )
        .where(GroceryOrder.id == order_id, GroceryOrder.distribution_day_id == day.id)
    ).one_or_none()
    if found is None or found[0].cancelled_at is not None:
        raise RuleViolation(gettext("This order does not exist."), status=404)
    order, household = found
    if order.collected_at is not None:
        raise RuleViolation(
            gettext("This order has been handed over: it can no longer be cancelled."),
            status=409,
            code="collected",
        )
    if not _mark_cancelled(order, now=now, by=staff, reason=reason):
        raise RuleViolation(gettext("This order does not exist."), status=404)
    _give_back(order, household.id)
    return order, household


def mail_cancelled_by_staff(household: Household, day: DistributionDay, reason: str) -> bool:
    """Tell the household its order was cancelled, and why, in its language (transactional:
    sent whatever its notification settings). False when the household has no account."""
    from plugins.markets import services

    return services._mail_account(
        household.account_id,
        subject=lambda: gettext("Your social grocery order is cancelled"),
        lines=lambda: [
            gettext(
                "The social grocery has cancelled your order for %(date)s.",
                date=babel_dates.format_date(day.day, "long", locale=get_locale()),
            ),
            gettext("Reason: %(reason)s", reason=reason),
            gettext("Its credits are yours again; you may order again while there are places."),
        ],
    )


def _mark_cancelled(order: GroceryOrder, *, now: dt.datetime, by: Any = None, reason: str = "") -> bool:
    """The conditional update that lets one cancellation through (never a collected order)."""
    done = db.session.execute(
        sa.update(GroceryOrder)
        .where(
            GroceryOrder.id == order.id,
            GroceryOrder.cancelled_at.is_(None),
            GroceryOrder.collected_at.is_(None),
        )
        .values(cancelled_at=now, cancelled_by_id=by.id if by is not None else None, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _give_back(order: GroceryOrder, household_id: uuid.UUID) -> None:
    """A cancelled order's place at its slot, its credits (to the months they were spent in)
    and its goods come back; its lines go."""
    db.session.execute(
        sa.update(DistributionSlot)
        .where(DistributionSlot.id == order.slot_id, DistributionSlot.taken >= 1)
        .values(taken=DistributionSlot.taken - 1)
        .execution_options(synchronize_session=False)
    )
    lines = db.session.execute(
        sa.select(Redemption.item_id, Redemption.period, Redemption.quantity, Redemption.credits).where(
            Redemption.grocery_order_id == order.id
        )
    ).all()
    per_period: dict[str, int] = {}
    for _item, period, _quantity, credits in lines:
        per_period[period] = per_period.get(period, 0) + credits
    for period, credits in sorted(per_period.items()):
        db.session.execute(
            sa.update(grocery.CreditPeriod)
            .where(
                grocery.CreditPeriod.household_id == household_id,
                grocery.CreditPeriod.period == period,
            )
            .values(spent=grocery.CreditPeriod.spent - credits)
            .execution_options(synchronize_session=False)
        )
    for item_id, _period, quantity, _credits in sorted(lines, key=lambda line: line[0]):
        db.session.execute(
            sa.update(GroceryItem)
            .where(GroceryItem.id == item_id)
            .values(stock=GroceryItem.stock + quantity)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.delete(Redemption)
        .where(Redemption.grocery_order_id == order.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire_all()


def record_handout(
    household: Household, lines: dict[Any, Any], *, staff: Any, now: dt.datetime | None = None
) -> int:
    """Goods handed over at the counter, paid with the household's credits; the credits left."""
    now = now or utcnow_aware()
    if grocery.eligible_until(household, now) is None:
        raise RuleViolation(gettext("This household is not eligible at the moment."), status=403)
    _take(household, _clean_lines(lines), order_id=None, staff=staff, now=now)
    balance = grocery.balance(household, now)
    db.session.expire_all()
    return int(balance or 0)


def orders_of_day(day: DistributionDay, order_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """The day's orders by slot with their lines, for the staff who hand them over (two
    statements whatever the number); with ``order_id``, only that one (if it is the day's)."""
    only = [GroceryOrder.id == order_id] if order_id is not None else []
    orders = db.session.execute(
        sa.select(GroceryOrder, Household)
        .join(
            Household,
            sa.and_(Household.tenant_id == day.tenant_id, Household.id == GroceryOrder.household_id),
        )
        .where(
            GroceryOrder.tenant_id == day.tenant_id,
            GroceryOrder.distribution_day_id == day.id,
            GroceryOrder.cancelled_at.is_(None),
            *only,
        )
        .order_by(GroceryOrder.slot_id, Household.name)
    ).all()
    lines: dict[uuid.UUID, list[tuple[str, int]]] = {}
    if orders:
        for order_id, name, quantity in db.session.execute(
            sa.select(Redemption.grocery_order_id, GroceryItem.name, Redemption.quantity)
            .join(
                GroceryItem,
                sa.and_(GroceryItem.tenant_id == day.tenant_id, GroceryItem.id == Redemption.item_id),
            )
            .where(
                Redemption.tenant_id == day.tenant_id,
                Redemption.grocery_order_id.in_([o.id for o, _h in orders]),
            )
            .order_by(GroceryItem.name)
        ).all():
            lines.setdefault(order_id, []).append((name, quantity))
    return [{"order": o, "household": h, "lines": lines.get(o.id, [])} for o, h in orders]


def order_of_day(day: DistributionDay, order_id: uuid.UUID) -> dict[str, Any] | None:
    """One order of the day as :func:`orders_of_day` gives it (None: not the day's, or cancelled)."""
    found = orders_of_day(day, order_id=order_id)
    return found[0] if found else None


def check_off(day: DistributionDay, order_id: uuid.UUID, *, now: dt.datetime | None = None) -> GroceryOrder:
    order = db.session.execute(
        sa.select(GroceryOrder).where(
            GroceryOrder.id == order_id,
            GroceryOrder.distribution_day_id == day.id,
            GroceryOrder.cancelled_at.is_(None),
        )
    ).scalar_one_or_none()
    if order is None:
        raise RuleViolation(gettext("This order does not exist."), status=404)
    order.collected_at = order.collected_at or (now or utcnow_aware())
    db.session.flush()
    return order


def eligible_households(now: dt.datetime | None = None) -> list[Household]:
    """Households eligible today, by name (for staff recording a handout)."""
    now = now or utcnow_aware()
    today = grocery._today(now)
    return list(
        db.session.execute(
            sa.select(Household)
            .where(
                sa.exists().where(
                    grocery.EligibilityApplication.tenant_id == Household.tenant_id,
                    grocery.EligibilityApplication.household_id == Household.id,
                    grocery.EligibilityApplication.status == grocery.ApplicationStatus.APPROVED,
                    grocery.EligibilityApplication.valid_until >= today,
                )
            )
            .order_by(Household.name)
        ).scalars()
    )


def get_household(household_id: uuid.UUID) -> Household:
    found = db.session.execute(sa.select(Household).where(Household.id == household_id)).scalar_one_or_none()
    if found is None:
        raise RuleViolation(gettext("This household does not exist."), status=404)
    return found
