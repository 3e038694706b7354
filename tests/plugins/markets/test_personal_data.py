"""A buyer's, a producer's and a household's data are in "download my data", and "delete my
account" leaves nothing of the person: orders and decisions stay without them."""

import datetime as dt
import json

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context
from plugins.markets import grocery, services
from plugins.markets.models import EligibilityApplication, Household, Order, Producer, ProducerDocument
from tests.plugins.markets.conftest import make_day, make_producer

NAME = "Zoe Market"


def test_download_my_data_then_delete_my_account(app, town, account_factory, apex_client, sign_in):
    person = account_factory(name=NAME, memberships={town: "staff"})
    validator = account_factory(memberships={town: "admin"})
    other = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, other)["products"])
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        services.place_order(
            ids["day"], account, slot_id=ids["slots"][0], lines={ids["offers"][0]: 2}, notify=False
        )
        services.apply_producer(
            account, name="Zoe's honey", documents=[("licence", "zoe.pdf", b"%PDF-1.4 zoe")]
        )
        application = grocery.apply(applicant=account, name=NAME, size=2, monthly_income=300)
        grocery.decide(application, db.session.get(Account, validator.id), status="approved", reason="")
        item = grocery.save_item(None, name="Lapte", credits=2)
        grocery.record_donation(
            item, donor_kind="citizen", donor_name="", quantity=5, received_on=dt.date.today(), staff=account
        )
        grocery.redeem(grocery.household_of(account), item.id, 1)
        db.session.commit()
        db.session.remove()

    sign_in(apex_client, person)
    exported = json.loads(apex_client.get("/account/export").data)
    (entry,) = [m for m in exported["municipalities"] if m["slug"] == town.slug]
    mine = entry["plugins"]["markets"]
    assert [(o["status"], o["total"]) for o in mine["orders"]] == [("confirmed", 13.0)]
    assert mine["producers"][0]["name"] == "Zoe's honey" and mine["producers"][0]["documents"] == ["zoe.pdf"]
    assert mine["household"]["name"] == NAME and mine["household"]["redemptions"][0]["credits"] == 2

    deleted = apex_client.post("/account/delete", data={"confirm": "y", "password": person.password})
    assert deleted.status_code == 302
    with app.app_context(), tenant_context(town.id):
        (order,) = db.session.execute(sa.select(Order)).scalars()
        assert (order.account_id, order.customer_name, float(order.total)) == (
            None,
            "",
            13.0,
        )  # the sale stays
        assert db.session.execute(sa.select(ProducerDocument)).scalars().all() == []
        assert all(
            p.account_id is None
            for p in db.session.execute(sa.select(Producer)).scalars()
            if p.name == "Zoe's honey"
        )
        household = db.session.execute(sa.select(Household)).scalar_one()
        assert (household.account_id, household.name) == (None, "—")
        assert (
            db.session.execute(sa.select(EligibilityApplication.status)).scalar_one() == "approved"
        )  # the decision stays
        db.session.remove()


def test_retention_removes_the_buyer_from_old_orders_only(app, town, account_factory):
    from plugins.markets.personal_data import purge_orders

    buyer = account_factory(name="Old Buyer", memberships={town: "member"})
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"])
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        services.place_order(
            ids["day"], account, slot_id=ids["slots"][0], lines={ids["offers"][0]: 1}, notify=False
        )
        day = services.get_market_day(ids["day"])
        assert purge_orders(dt.datetime.combine(day.day, dt.time())) == 0  # the market day itself is kept
        assert purge_orders(dt.datetime.combine(day.day + dt.timedelta(days=1), dt.time())) == 1
        assert purge_orders(dt.datetime.combine(day.day + dt.timedelta(days=1), dt.time())) == 0  # idempotent
        order = db.session.execute(sa.select(Order)).scalar_one()
        assert (order.account_id, order.customer_name, float(order.total)) == (None, "", 6.5)
        db.session.rollback()
        db.session.remove()
