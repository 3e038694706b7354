"""Stock, pick-up slots and credits under concurrency, against PostgreSQL: many people order at
the same moment, each in a transaction of their own; nothing is ever oversold or overspent."""

import datetime as dt
import decimal
import threading

import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context, utcnow_aware
from plugins.markets import grocery, services
from plugins.markets.models import CreditPeriod, GroceryItem, Offer, Order, OrderStatus, PickupSlot
from tests.plugins.markets.conftest import make_day, make_producer

BUYERS = 50


def _race(app, tenant, account_ids, action):
    """``action(account)`` from a thread per account, all released at once; the outcomes."""
    start = threading.Barrier(len(account_ids))
    outcomes: dict[int, str] = {}

    def attempt(account_id: int) -> None:
        with app.app_context(), tenant_context(tenant.id):
            account = db.session.get(Account, account_id)
            db.session.commit()
            start.wait(timeout=60)
            try:
                action(account)
                db.session.commit()
                outcomes[account_id] = "ok"
            except RuleViolation as exc:
                db.session.rollback()
                outcomes[account_id] = exc.code or str(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in account_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_fifty_parallel_orders_never_oversell_stock_or_slots(app, town, account_factory):
    """Stock for 12 kilos of asparagus at 1 kilo each (slot room for 40), and 5 jars of honey at
    2 each: 50 buyers want both. Exactly what fits is sold, the rest is told why."""
    seller = account_factory(memberships={town: "member"})
    products = make_producer(
        app, town, seller, products=(("Σπαράγγια", "kg", "6.50"), ("Μέλι", "piece", "9.00"))
    )["products"]
    ids = make_day(app, town, products, stock=12, slots=(40,))
    asparagus, honey = ids["offers"]
    with app.app_context(), tenant_context(town.id):
        db.session.execute(sa.update(Offer).where(Offer.id == honey).values(quantity=10))
        db.session.commit()
        db.session.remove()
    buyers = [account_factory(name=f"Buyer {i}", memberships={town: "member"}).id for i in range(BUYERS)]

    def order(account):
        services.place_order(ids["day"], account, slot_id=ids["slots"][0], lines={asparagus: 1}, notify=False)

    outcomes = _race(app, town, buyers, order)
    assert len(outcomes) == BUYERS
    assert list(outcomes.values()).count("ok") == 12, outcomes
    assert set(outcomes.values()) == {"ok", "sold_out"}

    late = [b for b, o in outcomes.items() if o == "sold_out"]

    def honey_order(account):
        services.place_order(ids["day"], account, slot_id=ids["slots"][0], lines={honey: 2}, notify=False)

    second = _race(app, town, late, honey_order)
    assert list(second.values()).count("ok") == 5, second
    with app.app_context(), tenant_context(town.id):
        offers = {o.id: o for o in db.session.execute(sa.select(Offer)).scalars()}
        slot = db.session.execute(sa.select(PickupSlot)).scalar_one()
        orders = (
            db.session.execute(sa.select(Order).where(Order.status == OrderStatus.CONFIRMED)).scalars().all()
        )
        assert offers[asparagus].reserved == offers[asparagus].quantity == decimal.Decimal(12)
        assert offers[honey].reserved == decimal.Decimal(10)
        assert slot.taken == len(orders) == 17  # every order holds exactly one place
        db.session.remove()


def test_a_full_slot_refuses_the_rest(app, town, account_factory):
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], stock=100, slots=(7,))
    buyers = [account_factory(memberships={town: "member"}).id for _ in range(20)]

    def order(account):
        services.place_order(
            ids["day"], account, slot_id=ids["slots"][0], lines={ids["offers"][0]: 1}, notify=False
        )

    outcomes = _race(app, town, buyers, order)
    assert sorted(set(outcomes.values())) == ["ok", "slot_full"]
    assert list(outcomes.values()).count("ok") == 7
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(Offer.reserved)).scalar_one() == 7  # refused orders hold no stock
        db.session.remove()


def test_credits_never_overdraw_under_parallel_orders(app, town, account_factory):
    """A household of 1 has 60 credits; 20 parallel orders of 10 credits each: 6 pass."""
    validator = account_factory(memberships={town: "admin"})
    person = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        applicant = db.session.get(Account, person.id)
        application = grocery.apply(applicant=applicant, name="Maria", size=1, monthly_income=300)
        grocery.decide(application, db.session.get(Account, validator.id), status="approved", reason="")
        item = grocery.save_item(None, name="Ulei", credits=10)
        grocery.record_donation(
            item,
            donor_kind="business",
            donor_name="Shop",
            quantity=1000,
            received_on=dt.date.today(),
            staff=None,
        )
        household = grocery.household_of(applicant)
        db.session.commit()
        item_id, household_id = item.id, household.id
        db.session.remove()
    start = threading.Barrier(20)
    results: list[str] = []

    def attempt():
        with app.app_context(), tenant_context(town.id):
            household = db.session.execute(
                sa.select(grocery.Household).where(grocery.Household.id == household_id)
            ).scalar_one()
            db.session.commit()
            start.wait(timeout=60)
            try:
                grocery.redeem(household, item_id, 1)
                db.session.commit()
                results.append("ok")
            except RuleViolation as exc:
                db.session.rollback()
                results.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results.count("ok") == 6, results
    assert set(results) == {"ok", "no_credits"}
    with app.app_context(), tenant_context(town.id):
        period = db.session.execute(sa.select(CreditPeriod)).scalar_one()  # created once, not twice
        assert (period.granted, period.spent) == (60, 60)
        assert db.session.execute(sa.select(GroceryItem.stock)).scalar_one() == 994
        db.session.remove()


def test_stock_never_goes_negative_in_the_grocery(app, town, account_factory):
    validator = account_factory(memberships={town: "admin"})
    people = [account_factory(memberships={town: "member"}) for _ in range(10)]
    with app.app_context(), tenant_context(town.id):
        for p in people:
            a = grocery.apply(
                applicant=db.session.get(Account, p.id), name=p.email, size=3, monthly_income=100
            )
            grocery.decide(a, db.session.get(Account, validator.id), status="approved", reason="")
        item = grocery.save_item(None, name="Făină", credits=5)
        grocery.record_donation(
            item,
            donor_kind="ngo",
            donor_name="Crucea Roșie",
            quantity=4,
            received_on=dt.date.today(),
            staff=None,
        )
        db.session.commit()
        item_id = item.id
        db.session.remove()

    def take(account):
        grocery.redeem(grocery.household_of(account), item_id, 1, now=utcnow_aware())

    outcomes = _race(app, town, [p.id for p in people], take)
    assert list(outcomes.values()).count("ok") == 4
    assert set(outcomes.values()) == {"ok", "out_of_stock"}
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(GroceryItem.stock)).scalar_one() == 0
        # a refused redemption gave its credits back (the whole transaction rolled back)
        spent = db.session.execute(sa.select(sa.func.sum(CreditPeriod.spent))).scalar_one()
        assert spent == 4 * 5
        db.session.remove()
