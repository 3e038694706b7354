"""Season shares picked up at a chosen slot of that week's market day (the slot's capacity,
shared with pre-orders, holds under 50 parallel choices; choosing again or pausing gives the
place back) and cancelled (the share freed for someone else, exactly once, recorded); pages
and API."""

import re
import threading

import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.markets import personal_data, services, shares
from plugins.markets.models import PickupSlot, SharePickup, SharePlan, ShareSubscription
from tests.plugins.markets.conftest import bearer, make_day, make_producer
from tests.plugins.markets.test_shares import _plan

API = "/api/v1/markets"


def _race(app, tenant, account_ids, action):
    start = threading.Barrier(len(account_ids))
    outcomes: dict = {}

    def attempt(index, account_id):
        with app.app_context(), tenant_context(tenant.id):
            account = db.session.get(Account, account_id)
            db.session.commit()
            start.wait(timeout=60)
            try:
                action(account)
                db.session.commit()
                outcomes[index] = "ok"
            except RuleViolation as exc:
                db.session.rollback()
                outcomes[index] = exc.code or str(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, a)) for i, a in enumerate(account_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _setting(app, town, account_factory, *, subscribers, number, capacities=(8, 30)):
    """A weekly plan starting the week of a market day (slots of ``capacities``), with
    ``subscribers`` who took a share; the ids."""
    seller = account_factory(memberships={town: "member"})
    products = make_producer(app, town, seller)["products"]
    day = make_day(app, town, products, slots=capacities)
    with app.app_context(), tenant_context(town.id):
        start = services.get_market_day(day["day"]).day
        db.session.remove()
    plan_id = _plan(app, town, seller, number=number, start=start, weeks=4)
    people = [account_factory(memberships={town: "member"}, name=f"Μέλος {i}") for i in range(subscribers)]
    with app.app_context(), tenant_context(town.id):
        for person in people:
            shares.subscribe(plan_id, db.session.get(Account, person.id))
        db.session.commit()
        week = shares.weeks(shares.get_plan(plan_id))[0]
        db.session.remove()
    return {"plan": plan_id, "day": day, "week": week, "people": people, "seller": seller}


def _subscription(plan_id, account):
    return shares.subscription_of(shares.get_plan(plan_id), account)


def test_fifty_parallel_choices_never_pass_the_slots_capacity(app, town, account_factory):
    got = _setting(app, town, account_factory, subscribers=50, number=50)
    slot = got["day"]["slots"][0]  # room for 8
    outcomes = _race(
        app,
        town,
        [p.id for p in got["people"]],
        lambda a: shares.choose_slot(_subscription(got["plan"], a), got["week"], slot),
    )
    assert list(outcomes.values()).count("ok") == 8, outcomes
    assert set(outcomes.values()) == {"ok", "slot_full"}
    with app.app_context(), tenant_context(town.id):
        taken = db.session.execute(sa.select(PickupSlot.taken).where(PickupSlot.id == slot)).scalar_one()
        chosen = db.session.execute(sa.select(sa.func.count()).select_from(SharePickup)).scalar_one()
        assert taken == chosen == 8
        # the producer's boxes say who comes when
        boxes = shares.boxes(shares.get_plan(got["plan"]))[0]
        assert sum(1 for s in boxes["slots"].values() if s is not None and s.id == slot) == 8
        db.session.remove()

    # the 8 move to the other slot at once, while 8 others take their places: no deadlock, no excess
    movers = [p.id for i, p in enumerate(got["people"]) if outcomes[i] == "ok"]
    waiting = [p.id for i, p in enumerate(got["people"]) if outcomes[i] != "ok"][:8]
    other = got["day"]["slots"][1]

    def either(account):
        target = other if account.id in movers else slot
        shares.choose_slot(_subscription(got["plan"], account), got["week"], target)

    second = _race(app, town, movers + waiting, either)
    assert len(second) == 16  # every request answered: none deadlocked
    assert [second[i] for i in range(8)] == ["ok"] * 8  # the movers (room for 30)
    came_in = [second[i] for i in range(8, 16)].count("ok")  # refused only while movers had not left
    assert set(second.values()) <= {"ok", "slot_full"}
    with app.app_context(), tenant_context(town.id):
        counts = dict(db.session.execute(sa.select(PickupSlot.id, PickupSlot.taken)).all())
        assert counts == {slot: came_in, other: 8}
        chosen = db.session.execute(
            sa.select(SharePickup.slot_id, sa.func.count()).group_by(SharePickup.slot_id)
        ).all()
        assert dict(chosen) == {k: v for k, v in counts.items() if v}
        db.session.remove()


def test_a_cancelled_share_is_freed_once_and_its_slot_place_given_back(app, town, account_factory):
    got = _setting(app, town, account_factory, subscribers=2, number=2)
    first, second = got["people"]
    slot = got["day"]["slots"][0]
    with app.app_context(), tenant_context(town.id):
        shares.choose_slot(_subscription(got["plan"], db.session.get(Account, first.id)), got["week"], slot)
        db.session.commit()
        (mine,) = personal_data.export(db.session.get(Account, first.id))["season_shares"]
        assert mine["pick_up_slots"] == {got["week"].isoformat(): str(slot)} and mine["cancelled_at"] is None
        db.session.remove()
    outcomes = _race(
        app,
        town,
        [first.id] * 10,
        lambda a: shares.cancel(shares.subscription_of(shares.get_plan(got["plan"]), a) or _none()),
    )
    assert list(outcomes.values()).count("ok") == 1, outcomes
    assert set(outcomes.values()) == {"ok", "404"}
    latecomer = account_factory(memberships={town: "member"}, name="Νέα")
    with app.app_context(), tenant_context(town.id):
        plan = shares.get_plan(got["plan"])
        assert plan.taken == 1
        assert db.session.execute(sa.select(PickupSlot.taken).where(PickupSlot.id == slot)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(SharePickup)).scalar_one() == 0
        row = db.session.execute(
            sa.select(ShareSubscription).where(ShareSubscription.account_id == first.id)
        ).scalar_one()
        assert row.cancelled_at is not None  # recorded, and in the person's export
        (mine,) = personal_data.export(db.session.get(Account, first.id))["season_shares"]
        assert mine["cancelled_at"] == row.cancelled_at.isoformat() and mine["pick_up_slots"] == {}
        assert [s.name for s in shares.boxes(plan)[0]["subscribers"]] == [second.display_name]
        # the freed share goes to someone else; then the plan is full again
        shares.subscribe(plan.id, db.session.get(Account, latecomer.id))
        db.session.commit()
        try:
            shares.subscribe(plan.id, db.session.get(Account, first.id))
        except RuleViolation as exc:
            assert exc.code == "no_shares"
            db.session.rollback()
        else:
            raise AssertionError("a third share of two")
        db.session.execute(sa.update(SharePlan).values(shares=3))
        db.session.commit()
        again = shares.subscribe(plan.id, db.session.get(Account, first.id))  # the same row, revived
        assert again.id == row.id and again.cancelled_at is None
        db.session.commit()
        assert shares.get_plan(plan.id).taken == 3
        db.session.remove()


def _none():
    raise RuleViolation("none", status=404)


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


def test_a_subscriber_chooses_a_time_pauses_and_cancels_on_the_page_and_the_api(
    app, town, account_factory, tenant_client, sign_in, access_token
):
    got = _setting(app, town, account_factory, subscribers=1, number=5, capacities=(1, 3))
    person = got["people"][0]
    first, later = got["day"]["slots"]
    client = sign_in(tenant_client(town), person)
    path = f"/markets/shares/{got['plan']}"
    page = client.get(path + "?lang=el")
    text = page.get_data(as_text=True)
    assert "Αποθήκευση της ώρας παραλαβής" in text and f'value="{first}"' in text
    week = got["week"].isoformat()
    saved = client.post(
        path + "?lang=el", data={"csrf_token": _csrf(page), "week": week, "slot_id": str(first)}
    )
    assert saved.status_code == 302
    page = client.get(path + "?lang=el")
    assert re.search(rf'value="{first}"\s+selected', page.get_data(as_text=True))
    # a slot of another market day, or none, is refused with a message
    bad = client.post(path + "?lang=el", data={"csrf_token": _csrf(page), "week": week, "slot_id": "x"})
    assert bad.status_code == 303
    assert "Επιλέξτε μία από τις ώρες παραλαβής" in client.get(path + "?lang=el").get_data(as_text=True)

    def taken():
        with app.app_context(), tenant_context(town.id):
            found = dict(db.session.execute(sa.select(PickupSlot.id, PickupSlot.taken)).all())
            db.session.remove()
        return found[first], found[later]

    assert taken() == (1, 0)
    # a pre-order cannot have the full slot any more (the capacity is shared)
    buyer = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        try:
            services.place_order(
                got["day"]["day"],
                db.session.get(Account, buyer.id),
                slot_id=first,
                lines={got["day"]["offers"][0]: 1},
                notify=False,
            )
        except RuleViolation as exc:
            assert exc.code == "slot_full"
        else:
            raise AssertionError("the slot passed its capacity")
        db.session.rollback()
        db.session.remove()

    # the API: move to the later slot, pause the week (place back), cancel (204, then 404)
    api, as_person = tenant_client(town), bearer(access_token, person, town)
    url = f"{API}/shares/{got['plan']}/subscription"
    moved = api.put(f"{url}/pickups", json={"week": week, "slot_id": str(later)}, headers=as_person)
    assert moved.status_code == 200 and moved.json["pickups"] == [{"week": week, "slot_id": str(later)}]
    assert taken() == (0, 1)
    assert api.post(f"{url}/pauses", json={"week": week}, headers=as_person).status_code == 200
    assert taken() == (0, 0)
    paused = api.put(f"{url}/pickups", json={"week": week, "slot_id": str(later)}, headers=as_person)
    assert paused.status_code == 409 and paused.json["code"] == "paused"
    assert api.delete(url, headers=as_person).status_code == 204
    gone = api.delete(url, headers=as_person)
    assert gone.status_code == 404 and gone.headers["Content-Type"].startswith("application/problem+json")
    page = client.get(path + "?lang=el").get_data(as_text=True)
    assert "Αποθήκευση της ώρας παραλαβής" not in page  # no share: nothing to choose
