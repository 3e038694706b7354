"""Distribution days of the social grocery: a household orders with its credits for a slot,
staff record a handout; slot capacity, stock and credits hold under 50 parallel orders; the
edges of the day in the municipality's zone; pages and API."""

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context, utcnow_aware
from plugins.markets import distribution, grocery
from plugins.markets.models import (
    CreditPeriod,
    DistributionSlot,
    GroceryItem,
    GroceryOrder,
    Household,
    Redemption,
)
from tests.plugins.markets.conftest import bearer

API = "/api/v1/markets"
PARALLEL = 50


def _household(app, tenant, account, *, size=1) -> object:
    with app.app_context(), tenant_context(tenant.id):
        application = grocery.apply(
            applicant=db.session.get(Account, account.id),
            name=f"Νοικοκυριό {account.id}",
            size=size,
            monthly_income=200,
        )
        grocery.decide(application, None, status="approved", reason="")
        db.session.commit()
        household_id = application.household_id
        db.session.remove()
    return household_id


def _setup(app, tenant, *, stock=10, credits=3, capacities=(5,)):
    with app.app_context(), tenant_context(tenant.id):
        item = grocery.save_item(None, name="Ζάχαρη", credits=credits)
        grocery.record_donation(
            item,
            donor_kind="business",
            donor_name="",
            quantity=stock,
            received_on=dt.date(2026, 1, 1),
            staff=None,
        )
        now = utcnow_aware()
        day = distribution.save_day((now + dt.timedelta(days=2)).date(), place="Κέντρο Κοινότητας")
        slots = [
            distribution.add_slot(
                day,
                starts_at=now + dt.timedelta(days=2, hours=i),
                ends_at=now + dt.timedelta(days=2, hours=i + 1),
                capacity=c,
            )
            for i, c in enumerate(capacities)
        ]
        db.session.commit()
        ids = {"item": item.id, "day": day.id, "slots": [s.id for s in slots]}
        db.session.remove()
    return ids


def _race(app, tenant, household_ids, action):
    start = threading.Barrier(len(household_ids))
    outcomes: dict = {}

    def attempt(index, household_id):
        with app.app_context(), tenant_context(tenant.id):
            household = db.session.get(Household, (tenant.id, household_id))
            db.session.commit()
            start.wait(timeout=60)
            try:
                action(household, index)
                db.session.commit()
                outcomes[index] = "ok"
            except RuleViolation as exc:
                db.session.rollback()
                outcomes[index] = exc.code or str(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, h)) for i, h in enumerate(household_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_fifty_parallel_orders_never_pass_the_slot_the_stock_or_the_credits(app, town, account_factory):
    """A slot for 8 households, stock for 10 bags at 2 a household: 50 households order at once;
    exactly 5 get it (the stock), the others are told why, and nothing is left half-done."""
    people = [account_factory(memberships={town: "member"}) for _ in range(PARALLEL)]
    households = [_household(app, town, p) for p in people]
    ids = _setup(app, town, stock=10, credits=3, capacities=(8,))

    outcomes = _race(
        app,
        town,
        households,
        lambda h, i: distribution.place_order(h, ids["day"], slot_id=ids["slots"][0], lines={ids["item"]: 2}),
    )
    assert list(outcomes.values()).count("ok") == 5, outcomes
    assert set(outcomes.values()) == {"ok", "out_of_stock"}
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(GroceryItem.stock)).scalar_one() == 0
        slot = db.session.execute(sa.select(DistributionSlot)).scalar_one()
        orders = db.session.execute(sa.select(sa.func.count()).select_from(GroceryOrder)).scalar_one()
        assert slot.taken == orders == 5  # the refused ones gave their place back
        spent = db.session.execute(sa.select(sa.func.sum(CreditPeriod.spent))).scalar_one()
        assert spent == 5 * 6
        db.session.remove()

    # now the slot is the limit: 3 places left, stock for everyone
    with app.app_context(), tenant_context(town.id):
        db.session.execute(sa.update(GroceryItem).values(stock=1000))
        db.session.commit()
        db.session.remove()
    late = [h for i, h in enumerate(households) if outcomes[i] != "ok"]
    second = _race(
        app,
        town,
        late,
        lambda h, i: distribution.place_order(h, ids["day"], slot_id=ids["slots"][0], lines={ids["item"]: 1}),
    )
    assert list(second.values()).count("ok") == 3, second
    assert set(second.values()) == {"ok", "slot_full"}


def test_one_household_ordering_twice_at_once_gets_one_order_and_spends_once(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    household = _household(app, town, person)  # 60 credits a month
    ids = _setup(app, town, stock=100, credits=20, capacities=(50,))
    outcomes = _race(
        app,
        town,
        [household] * 10,
        lambda h, i: distribution.place_order(h, ids["day"], slot_id=ids["slots"][0], lines={ids["item"]: 2}),
    )
    assert list(outcomes.values()).count("ok") == 1, outcomes
    assert set(outcomes.values()) == {"ok", "already_ordered"}
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(CreditPeriod.spent)).scalar_one() == 40
        assert db.session.execute(sa.select(DistributionSlot.taken)).scalar_one() == 1
        # the 20 credits left do not pay for 2 more at the counter: refused whole
        h = db.session.get(Household, (town.id, household))
        try:
            distribution.record_handout(h, {ids["item"]: 2}, staff=None)
        except RuleViolation as exc:
            assert exc.code == "no_credits"
            db.session.rollback()
        else:
            raise AssertionError("overdraft")
        assert distribution.record_handout(h, {ids["item"]: 1}, staff=None) == 0
        db.session.commit()
        assert db.session.execute(sa.select(GroceryItem.stock)).scalar_one() == 97
        db.session.remove()


def test_a_distribution_day_is_over_after_its_last_minute_in_the_municipalitys_zone(
    app, town, account_factory
):
    person = account_factory(memberships={town: "member"})
    household = _household(app, town, person)
    ids = _setup(app, town, stock=5)
    with app.app_context(), tenant_context(town.id):
        day = distribution.get_day(ids["day"])
        h = db.session.get(Household, (town.id, household))
        # 23:59 in Athens on the day (21:59 UTC in winter) is still the day; a minute later is not
        last_minute = dt.datetime.combine(day.day, dt.time(21, 59), tzinfo=dt.UTC)
        distribution.place_order(h, day.id, slot_id=ids["slots"][0], lines={ids["item"]: 1}, now=last_minute)
        db.session.rollback()
        with pytest.raises(RuleViolation) as over:
            distribution.place_order(
                h,
                day.id,
                slot_id=ids["slots"][0],
                lines={ids["item"]: 1},
                now=last_minute + dt.timedelta(minutes=1),
            )
        assert over.value.code == "day_over"
        db.session.rollback()
        db.session.remove()


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


def test_a_household_orders_on_the_page_and_staff_hand_it_over(
    app, town, account_factory, tenant_client, sign_in
):
    person = account_factory(memberships={town: "member"})
    staff = account_factory(memberships={town: "staff"})
    household = _household(app, town, person)
    ids = _setup(app, town, stock=5, credits=4, capacities=(1, 3))
    client = sign_in(tenant_client(town), person)
    path = f"/markets/grocery/distribution/{ids['day']}"
    page = client.get(path + "?lang=en")
    assert page.status_code == 200 and "Κέντρο Κοινότητας" in page.get_data(as_text=True)
    refused = client.post(
        path + "?lang=en",
        data={"csrf_token": _csrf(page), f"qty-{ids['item']}": "6", "slot_id": str(ids["slots"][0])},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Not enough Ζάχαρη in stock" in body and 'value="6"' in body
    done = client.post(
        path, data={"csrf_token": _csrf(page), f"qty-{ids['item']}": "2", "slot_id": str(ids["slots"][0])}
    )
    assert done.status_code == 302
    mine = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Your order for this day" in mine and "Ζάχαρη" in mine
    # a member who is not staff cannot see the day's orders; staff can and check them off
    assert client.get(f"/markets/grocery/manage/distribution/{ids['day']}").status_code == 403
    desk = sign_in(tenant_client(town), staff)
    listing = desk.get(f"/markets/grocery/manage/distribution/{ids['day']}?lang=en")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and f"Νοικοκυριό {person.id}" in text and "Ζάχαρη × 2" in text
    with app.app_context(), tenant_context(town.id):
        order_id = db.session.execute(sa.select(GroceryOrder.id)).scalar_one()
        db.session.remove()
    handed = desk.post(
        f"/markets/grocery/manage/distribution/{ids['day']}",
        data={"csrf_token": _csrf(listing), "order_id": str(order_id)},
    )
    assert handed.status_code == 302
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(GroceryOrder.collected_at)).scalar_one() is not None
        db.session.remove()
    # a handout at the counter
    form = desk.get("/markets/grocery/manage/handout?lang=en")
    assert form.status_code == 200
    recorded = desk.post(
        "/markets/grocery/manage/handout",
        data={"csrf_token": _csrf(form), "household_id": str(household), f"qty-{ids['item']}": "1"},
    )
    assert recorded.status_code == 302
    with app.app_context(), tenant_context(town.id):
        handout = db.session.execute(
            sa.select(Redemption).where(Redemption.grocery_order_id.is_(None))
        ).scalar_one()
        assert handout.recorded_by_id == staff.id and handout.quantity == 1
        db.session.remove()


def test_the_api_announces_a_day_and_a_household_orders(
    app, town, account_factory, access_token, tenant_client
):
    person = account_factory(memberships={town: "member"})
    staff = account_factory(memberships={town: "staff"})
    _household(app, town, person)
    ids = _setup(app, town, stock=5, credits=4)
    client, as_staff, as_person = (
        tenant_client(town),
        bearer(access_token, staff, town),
        bearer(access_token, person, town),
    )
    tomorrow = (utcnow_aware() + dt.timedelta(days=1)).date().isoformat()
    assert (
        client.post(f"{API}/grocery/distribution-days", json={"day": tomorrow}, headers=as_person).status_code
        == 403
    )
    made = client.post(
        f"{API}/grocery/distribution-days", json={"day": tomorrow, "place": "Δημαρχείο"}, headers=as_staff
    )
    assert made.status_code == 201, made.json
    start = utcnow_aware() + dt.timedelta(days=1)
    slot = client.post(
        f"{API}/grocery/distribution-days/{made.json['id']}/slots",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start - dt.timedelta(hours=1)).isoformat(),
            "capacity": 2,
        },
        headers=as_staff,
    )
    assert slot.status_code == 409 and slot.json["code"] == "ends_before_start"
    slot = client.post(
        f"{API}/grocery/distribution-days/{made.json['id']}/slots",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "capacity": 2,
        },
        headers=as_staff,
    )
    assert slot.status_code == 201, slot.json
    listed = client.get(f"{API}/grocery/distribution-days", headers=as_person).json
    assert {d["id"] for d in listed} == {str(ids["day"]), made.json["id"]}
    order = {"slot_id": slot.json["id"], "lines": [{"item_id": str(ids["item"]), "quantity": 2}]}
    placed = client.put(
        f"{API}/grocery/distribution-days/{made.json['id']}/order", json=order, headers=as_person
    )
    assert placed.status_code == 201, placed.json
    assert placed.json["credits"] == 8 and placed.json["lines"] == [{"item": "Ζάχαρη", "quantity": 2}]
    again = client.put(
        f"{API}/grocery/distribution-days/{made.json['id']}/order", json=order, headers=as_person
    )
    assert again.status_code == 409 and again.json["code"] == "already_ordered"
    assert (
        client.put(
            f"{API}/grocery/distribution-days/{made.json['id']}/order", json=order, headers=as_staff
        ).status_code
        == 403
    )  # staff have no household here
