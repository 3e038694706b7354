"""A household cancels its distribution-day order until the day starts in the municipality's
zone: the place at the slot, the credits and the stock come back exactly once, even when the
cancel is sent many times at once; it may then order again; page and API."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.toolkit import RuleViolation, db, tenant_context
from plugins.markets import distribution
from plugins.markets.models import (
    CreditPeriod,
    DistributionSlot,
    GroceryItem,
    GroceryOrder,
    Household,
    Redemption,
)
from tests.plugins.markets.conftest import bearer
from tests.plugins.markets.test_distribution import _csrf, _household, _race, _setup

API = "/api/v1/markets"


def _counters(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        found = (
            db.session.execute(sa.select(DistributionSlot.taken)).scalar_one(),
            db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(CreditPeriod.spent), 0))).scalar_one(),
            db.session.execute(sa.select(GroceryItem.stock)).scalar_one(),
            db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar_one(),
        )
        db.session.remove()
    return found


def _order(app, tenant, household_id, ids, quantity=3):
    with app.app_context(), tenant_context(tenant.id):
        household = db.session.get(Household, (tenant.id, household_id))
        distribution.place_order(
            household, ids["day"], slot_id=ids["slots"][0], lines={ids["item"]: quantity}
        )
        db.session.commit()
        db.session.remove()


def test_parallel_cancels_give_the_credits_and_stock_back_once(app, town, account_factory):
    """20 cancel requests for one order at the same moment: one goes through, the rest are told
    there is no order; the slot, the credits and the stock are back where they were, once."""
    person = account_factory(memberships={town: "member"})
    household = _household(app, town, person)  # 60 credits a month
    ids = _setup(app, town, stock=10, credits=4, capacities=(5,))
    _order(app, town, household, ids, quantity=3)
    assert _counters(app, town) == (1, 12, 7, 1)

    outcomes = _race(app, town, [household] * 20, lambda h, i: distribution.cancel_order(h, ids["day"]))
    assert list(outcomes.values()).count("ok") == 1, outcomes
    assert set(outcomes.values()) == {"ok", "404"}
    assert _counters(app, town) == (0, 0, 10, 0)
    with app.app_context(), tenant_context(town.id):
        order = db.session.execute(sa.select(GroceryOrder)).scalar_one()
        assert order.cancelled_at is not None and order.credits == 12  # recorded, with what came back
        assert distribution.orders_of_day(distribution.get_day(ids["day"])) == []  # not handed over
        db.session.remove()

    # it may order again, on the same row, and spends again
    _order(app, town, household, ids, quantity=2)
    assert _counters(app, town) == (1, 8, 8, 1)
    with app.app_context(), tenant_context(town.id):
        order = db.session.execute(sa.select(GroceryOrder)).scalar_one()
        assert order.cancelled_at is None and order.credits == 8
        db.session.remove()


def test_cancelling_ends_when_the_day_starts_in_the_municipalitys_zone(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    household = _household(app, town, person)
    ids = _setup(app, town, stock=5, credits=2)
    _order(app, town, household, ids, quantity=1)
    with app.app_context(), tenant_context(town.id):
        day = distribution.get_day(ids["day"])
        h = db.session.get(Household, (town.id, household))
        # the day before, 23:59 in Athens (21:59 UTC in winter): still possible
        eve = dt.datetime.combine(day.day - dt.timedelta(days=1), dt.time(21, 59), tzinfo=dt.UTC)
        with pytest.raises(RuleViolation) as started:
            distribution.cancel_order(h, day.id, now=eve + dt.timedelta(minutes=1))  # 00:00 local
        assert started.value.code == "day_started"
        db.session.rollback()
        distribution.cancel_order(h, day.id, now=eve)
        db.session.commit()
        db.session.remove()
    assert _counters(app, town) == (0, 0, 5, 0)


def test_a_household_cancels_on_the_page_and_through_the_api(
    app, town, account_factory, tenant_client, sign_in, access_token
):
    person = account_factory(memberships={town: "member"})
    other = account_factory(memberships={town: "member"})
    household = _household(app, town, person)
    _household(app, town, other)
    ids = _setup(app, town, stock=5, credits=2)
    _order(app, town, household, ids, quantity=2)
    client = sign_in(tenant_client(town), person)
    path = f"/markets/grocery/distribution/{ids['day']}"
    page = client.get(path + "?lang=el")
    assert "Ακύρωση της παραγγελίας μου" in page.get_data(as_text=True)
    # someone else's cancel touches nothing of this household
    stranger = sign_in(tenant_client(town), other)
    assert stranger.post(f"{path}/cancel", data={"csrf_token": _csrf(stranger.get(path))}).status_code == 404
    assert _counters(app, town) == (1, 4, 3, 1)
    done = client.post(f"{path}/cancel?lang=el", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Η παραγγελία σας ακυρώθηκε" in text
    assert "Μπορείτε να παραγγείλετε ξανά" in text and 'name="slot_id"' in text  # the form again
    assert _counters(app, town) == (0, 0, 5, 0)

    # the API: order, cancel (204), cancel again (404)
    as_person = bearer(access_token, person, town)
    api = tenant_client(town)
    order = {"slot_id": str(ids["slots"][0]), "lines": [{"item_id": str(ids["item"]), "quantity": 1}]}
    assert (
        api.put(
            f"{API}/grocery/distribution-days/{ids['day']}/order", json=order, headers=as_person
        ).status_code
        == 201
    )
    assert _counters(app, town) == (1, 2, 4, 1)
    gone = api.delete(f"{API}/grocery/distribution-days/{ids['day']}/order", headers=as_person)
    assert gone.status_code == 204
    again = api.delete(f"{API}/grocery/distribution-days/{ids['day']}/order", headers=as_person)
    assert again.status_code == 404 and again.headers["Content-Type"].startswith("application/problem+json")
    assert _counters(app, town) == (0, 0, 5, 0)


def test_staff_cancel_a_households_order_with_a_reason_it_is_sent(
    app, town, account_factory, tenant_client, sign_in, mail_outbox
):
    """Staff cancel a household's order from the day's list: a page says what follows and asks
    the reason (refused without one, the text kept); then the credits, the goods and the place
    come back, the household is mailed the reason in its language, and a collected order or
    another day's cannot be cancelled."""
    person = account_factory(memberships={town: "member"}, locale="bg")
    household = _household(app, town, person)
    ids = _setup(app, town, stock=5, credits=2)
    _order(app, town, household, ids, quantity=2)
    assert _counters(app, town) == (1, 4, 3, 1)
    with app.app_context(), tenant_context(town.id):
        order_id = db.session.execute(sa.select(GroceryOrder.id)).scalar_one()
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}))
    listing = staff.get(f"/markets/grocery/manage/distribution/{ids['day']}?lang=el")
    path = f"/markets/grocery/manage/distribution/{ids['day']}/orders/{order_id}/cancel"
    assert path in listing.get_data(as_text=True)
    # a member of the household may not use the staff page
    member = sign_in(tenant_client(town), person)
    assert member.get(path).status_code == 403

    page = staff.get(path + "?lang=el")
    assert page.status_code == 200 and "Νοικοκυριό" in page.get_data(as_text=True)
    token = _csrf(page)
    typed = "   "
    refused = staff.post(path + "?lang=el", data={"csrf_token": token, "reason": typed})
    assert refused.status_code == 422
    assert "Δώστε τον λόγο" in refused.get_data(as_text=True)
    assert _counters(app, town) == (1, 4, 3, 1)  # nothing happened
    long_reason = "Η διανομή αναβλήθηκε. " + "λ" * 1978 + "!"  # 2,001 characters: one too many
    too_long = staff.post(path + "?lang=el", data={"csrf_token": _csrf(refused), "reason": long_reason})
    assert too_long.status_code == 422
    html = too_long.get_data(as_text=True)
    assert "Χρησιμοποιήστε έως 2000 χαρακτήρες" in html  # said in the staff member's language
    assert long_reason in html  # what was typed is given back whole, not cut
    assert _counters(app, town) == (1, 4, 3, 1)

    mail_outbox.clear()
    done = staff.post(
        path + "?lang=el", data={"csrf_token": _csrf(too_long), "reason": "Η διανομή αναβλήθηκε"}
    )
    assert done.status_code == 302
    assert _counters(app, town) == (0, 0, 5, 0)
    with app.app_context(), tenant_context(town.id):
        order = db.session.get(GroceryOrder, (town.id, order_id))
        assert order.cancelled_at is not None and order.cancel_reason == "Η διανομή αναβλήθηκε"
        assert order.cancelled_by_id is not None
        db.session.remove()
    told = mail_outbox.wait_for(lambda m: person.email in (m["To"] or ""))
    body = mail_outbox.body(told)
    assert "Η διανομή αναβλήθηκε" in body and "отмени поръчката" in body  # in Bulgarian, the household's
    # once cancelled, the page is gone; the household may order again
    assert staff.get(path).status_code == 404
    _order(app, town, household, ids, quantity=1)
    with app.app_context(), tenant_context(town.id):
        order = db.session.get(GroceryOrder, (town.id, order_id))
        assert order.cancelled_at is None and order.cancel_reason == "" and order.cancelled_by_id is None
        day = distribution.get_day(ids["day"])
        distribution.check_off(day, order_id)
        db.session.commit()
        with pytest.raises(RuleViolation) as collected:
            distribution.cancel_for_household(day, order_id, staff=None, reason="late")
        assert collected.value.status == 409
        db.session.rollback()
        db.session.remove()
    assert _counters(app, town) == (1, 2, 4, 1)


def test_staff_list_the_days_orders_and_cancel_one_through_the_api(
    app, town, account_factory, tenant_client, access_token, mail_outbox
):
    """The API's staff side of it: the day's orders with their households and lines; a
    cancellation with a reason (422 without one or with more than 2,000 characters, problem+json,
    nothing given back), then the credits, goods and place come back once and the household is
    mailed; a household member may do neither; an order handed over cannot be cancelled."""
    person = account_factory(memberships={town: "member"}, locale="ro")
    household = _household(app, town, person)
    ids = _setup(app, town, stock=5, credits=2)
    _order(app, town, household, ids, quantity=2)
    api = tenant_client(town)
    as_staff = bearer(access_token, account_factory(memberships={town: "staff"}), town)
    as_person = bearer(access_token, person, town)
    orders_url = f"{API}/grocery/distribution-days/{ids['day']}/orders"
    listed = api.get(orders_url, headers=as_staff)
    assert listed.status_code == 200 and len(listed.json) == 1
    row = listed.json[0]
    assert row["household_id"] == str(household) and row["lines"] == [
        {"item": row["lines"][0]["item"], "quantity": 2}
    ]
    assert api.get(orders_url, headers=as_person).status_code == 403
    cancel_url = f"{orders_url}/{row['id']}/cancellation"
    assert api.post(cancel_url, json={"reason": "x"}, headers=as_person).status_code == 403
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "λ" * 2001}):
        refused = api.post(cancel_url, json=bad, headers=as_staff)
        assert refused.status_code == 422, bad
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert _counters(app, town) == (1, 4, 3, 1)

    mail_outbox.clear()
    done = api.post(cancel_url, json={"reason": "λ" * 2000}, headers=as_staff)  # the longest allowed
    assert done.status_code == 200 and done.json == {"id": row["id"], "household_told": True}
    assert _counters(app, town) == (0, 0, 5, 0)
    told = mail_outbox.wait_for(lambda m: person.email in (m["To"] or ""))
    assert "λ" * 2000 in mail_outbox.body(told)
    assert api.post(cancel_url, json={"reason": "again"}, headers=as_staff).status_code == 404
    assert api.get(orders_url, headers=as_staff).json == []

    _order(app, town, household, ids, quantity=1)
    with app.app_context(), tenant_context(town.id):
        order_id = db.session.execute(sa.select(GroceryOrder.id)).scalar_one()
        distribution.check_off(distribution.get_day(ids["day"]), order_id)
        db.session.commit()
        db.session.remove()
    handed = api.post(f"{orders_url}/{order_id}/cancellation", json={"reason": "late"}, headers=as_staff)
    assert handed.status_code == 409 and handed.json["code"] == "collected"
