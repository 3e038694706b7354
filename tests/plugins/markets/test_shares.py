"""Community-supported agriculture: season shares that never pass their number under 50
parallel subscriptions, box weeks weekly or fortnightly, a paused week left out of the
producer's boxes, the market day of each week, pages and API."""

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.markets import services, shares
from plugins.markets.models import SharePlan, ShareSubscription
from tests.plugins.markets.conftest import bearer, make_day, make_producer

API = "/api/v1/markets"


def _plan(app, tenant, seller, *, number=10, frequency="weekly", start=None, weeks=8):
    start = start or dt.date.today() + dt.timedelta(days=7)
    with app.app_context(), tenant_context(tenant.id):
        producer = services.producers_of(db.session.get(Account, seller.id))[0]
        plan = shares.save_plan(
            producer,
            name="Καλάθι λαχανικών",
            price="120",
            price_per="season",
            frequency=frequency,
            season_start=start,
            season_end=start + dt.timedelta(weeks=weeks) - dt.timedelta(days=1),
            shares=number,
        )
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def test_fifty_parallel_subscriptions_take_exactly_the_shares(app, town, account_factory):
    seller = account_factory(memberships={town: "member"})
    make_producer(app, town, seller)
    plan_id = _plan(app, town, seller, number=10)
    people = [account_factory(memberships={town: "member"}).id for _ in range(50)]
    start = threading.Barrier(len(people))
    outcomes = {}

    def attempt(account_id):
        with app.app_context(), tenant_context(town.id):
            account = db.session.get(Account, account_id)
            db.session.commit()
            start.wait(timeout=60)
            try:
                shares.subscribe(plan_id, account)
                db.session.commit()
                outcomes[account_id] = "ok"
            except RuleViolation as exc:
                db.session.rollback()
                outcomes[account_id] = exc.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert list(outcomes.values()).count("ok") == 10, outcomes
    assert set(outcomes.values()) == {"ok", "no_shares"}
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(SharePlan.taken)).scalar_one() == 10
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(ShareSubscription)).scalar_one() == 10
        )
        db.session.remove()


def test_box_weeks_pauses_and_the_market_day_of_each_week(app, town, account_factory):
    seller = account_factory(memberships={town: "member"})
    products = make_producer(app, town, seller)["products"]
    a, b = (
        account_factory(memberships={town: "member"}, name="Άννα"),
        account_factory(memberships={town: "member"}, name="Βασίλης"),
    )
    day_ids = make_day(app, town, products)  # a market day in three days
    with app.app_context(), tenant_context(town.id):
        market_day = services.get_market_day(day_ids["day"])
        start = market_day.day
        db.session.remove()
    plan_id = _plan(app, town, seller, frequency="fortnightly", start=start, weeks=5)
    with app.app_context(), tenant_context(town.id):
        plan = shares.get_plan(plan_id)
        monday = start - dt.timedelta(days=start.weekday())
        assert shares.weeks(plan) == [monday, monday + dt.timedelta(days=14), monday + dt.timedelta(days=28)]
        sub_a = shares.subscribe(plan_id, db.session.get(Account, a.id))
        shares.subscribe(plan_id, db.session.get(Account, b.id))
        with pytest.raises(RuleViolation) as twice:
            shares.subscribe(plan_id, db.session.get(Account, a.id))
        assert twice.value.code == "already_subscribed"
        shares.pause(sub_a, monday + dt.timedelta(days=16))  # a Wednesday: its week's Monday is kept
        with pytest.raises(RuleViolation) as no_box:
            shares.pause(sub_a, monday + dt.timedelta(days=7))  # a fortnightly plan has no box then
        assert no_box.value.status == 422
        db.session.commit()
        boxes = shares.boxes(plan)
        assert [len(w["subscribers"]) for w in boxes] == [2, 1, 2]
        assert [w["paused"] for w in boxes] == [0, 1, 0]
        assert [s.name for s in boxes[1]["subscribers"]] == ["Βασίλης"]
        assert boxes[0]["market_day"].id == day_ids["day"] and boxes[1]["market_day"] is None
        db.session.remove()


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


def test_a_producer_offers_shares_and_a_household_takes_and_pauses_one_on_the_pages(
    app, town, account_factory, tenant_client, sign_in
):
    seller = account_factory(memberships={town: "member"})
    buyer = account_factory(memberships={town: "member"}, name="Ελένη")
    make_producer(app, town, seller)
    producer = sign_in(tenant_client(town), seller)
    page = producer.get("/markets/producer/shares/new?lang=en")
    start = dt.date.today() + dt.timedelta(days=1)
    form = {
        "csrf_token": _csrf(page),
        "name": "Καλάθι του Έβρου",
        "description": "Λαχανικά εποχής",
        "price": "30",
        "price_per": "month",
        "frequency": "weekly",
        "season_start": start.isoformat(),
        "season_end": (start - dt.timedelta(days=1)).isoformat(),
        "shares": "2",
    }
    refused = producer.post("/markets/producer/shares/new?lang=en", data=form)
    assert refused.status_code == 409 and 'value="Καλάθι του Έβρου"' in refused.get_data(as_text=True)
    made = producer.post(
        "/markets/producer/shares/new",
        data={**form, "season_end": (start + dt.timedelta(weeks=4)).isoformat()},
    )
    assert made.status_code == 302
    boxes_path = made.headers["Location"]
    plan_id = boxes_path.split("/")[-2]
    # another member is not this producer: no boxes page
    assert sign_in(tenant_client(town), buyer).get(boxes_path).status_code == 403

    client = sign_in(tenant_client(town), buyer)
    listing = client.get("/markets/shares?lang=en").get_data(as_text=True)
    assert "Καλάθι του Έβρου" in listing and "2 shares left" in listing
    page = client.get(f"/markets/shares/{plan_id}?lang=en")
    assert client.post(f"/markets/shares/{plan_id}", data={"csrf_token": _csrf(page)}).status_code == 302
    mine = client.get(f"/markets/shares/{plan_id}?lang=en")
    weeks = re.findall(r'name="week" value="([0-9-]+)"', mine.get_data(as_text=True))
    assert len(weeks) >= 4
    assert (
        client.post(
            f"/markets/shares/{plan_id}", data={"csrf_token": _csrf(mine), "week": weeks[1]}
        ).status_code
        == 302
    )
    text = producer.get(boxes_path + "?lang=en").get_data(as_text=True)
    assert re.search(rf'data-week="{weeks[1]}">.*?data-boxes="0"', text, re.S)
    assert re.search(rf'data-week="{weeks[0]}">.*?data-boxes="1".*?Ελένη', text, re.S)


def test_the_api_offers_subscribes_pauses_and_lists_boxes(
    app, town, account_factory, access_token, tenant_client
):
    seller = account_factory(memberships={town: "member"})
    buyer = account_factory(memberships={town: "member"}, name="Γιώργος")
    make_producer(app, town, seller)
    client, as_seller, as_buyer = (
        tenant_client(town),
        bearer(access_token, seller, town),
        bearer(access_token, buyer, town),
    )
    start = dt.date.today() + dt.timedelta(days=7)
    plan = {
        "name": "Κουτί φρούτων",
        "price": 90,
        "price_per": "season",
        "frequency": "weekly",
        "season_start": start.isoformat(),
        "season_end": (start + dt.timedelta(weeks=3)).isoformat(),
        "shares": 1,
    }
    assert client.post(f"{API}/shares", json=plan, headers=as_buyer).status_code == 403
    assert (
        client.post(f"{API}/shares", json={**plan, "frequency": "daily"}, headers=as_seller).status_code
        == 422
    )
    made = client.post(f"{API}/shares", json=plan, headers=as_seller)
    assert made.status_code == 201 and made.json["available"] == 1
    taken = client.post(f"{API}/shares/{made.json['id']}/subscription", headers=as_buyer)
    assert taken.status_code == 201
    full = client.post(f"{API}/shares/{made.json['id']}/subscription", headers=as_seller)
    assert full.status_code == 409 and full.json["code"] == "no_shares"
    paused = client.post(
        f"{API}/shares/{made.json['id']}/subscription/pauses",
        json={"week": start.isoformat()},
        headers=as_buyer,
    )
    assert paused.status_code == 200 and len(paused.json["paused_weeks"]) == 1
    boxes = client.get(f"{API}/shares/{made.json['id']}/boxes", headers=as_seller).json
    assert [w["boxes"] for w in boxes][:2] == [0, 1] and boxes[1]["subscribers"] == ["Γιώργος"]
    assert client.get(f"{API}/shares/{made.json['id']}/boxes", headers=as_buyer).status_code == 403


def test_a_share_is_exported_and_erased_without_the_person(app, town, account_factory):
    from plugins.markets import personal_data

    seller = account_factory(memberships={town: "member"})
    buyer = account_factory(memberships={town: "member"}, name="Ζωή")
    make_producer(app, town, seller)
    plan_id = _plan(app, town, seller, number=3)
    with app.app_context(), tenant_context(town.id):
        person = db.session.get(Account, buyer.id)
        shares.subscribe(plan_id, person)
        db.session.commit()
        exported = personal_data.export(person)
        assert exported["season_shares"][0]["plan"] == "Καλάθι λαχανικών"
        personal_data.erase(person)
        db.session.commit()
        sub = db.session.execute(sa.select(ShareSubscription)).scalar_one()
        assert sub.account_id is None and sub.name == ""
        # nobody is left to collect the boxes: the share is freed for someone else
        assert sub.cancelled_at is not None
        plan = shares.get_plan(plan_id)
        assert plan.taken == 0
        assert all(w["subscribers"] == [] for w in shares.boxes(plan))
        db.session.remove()
