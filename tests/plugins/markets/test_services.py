"""The market's rules, through the services: the pre-order window at its edges in the
municipality's zone, editing and cancelling, stock, producers' applications and documents, pick
lists and the confirmation mail."""

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from core.toolkit import Account, RuleViolation, db, tenant_context, to_utc, utcnow_aware
from plugins.markets import services
from plugins.markets.models import DayStatus, Offer, OrderStatus, PickupSlot, ProducerStatus
from tests.plugins.markets.conftest import make_day, make_producer

PDF = b"%PDF-1.4\n% a licence\n"


@pytest.fixture
def market(app, town, account_factory):
    seller = account_factory(name="Giorgos", memberships={town: "member"})
    products = make_producer(
        app, town, seller, products=(("Σπαράγγια", "kg", "6.50"), ("Μέλι", "piece", "9.00"))
    )["products"]
    return {"seller": seller, "products": products, **make_day(app, town, products, stock=10, slots=(2, 5))}


def _in(app, town):
    ctx = app.app_context()
    ctx.push()
    tc = tenant_context(town.id)
    tc.__enter__()
    return ctx, tc


def test_the_window_opens_and_closes_on_the_minute_in_the_municipalitys_zone(
    app, town, account_factory, market
):
    """Opens 08:00 and closes 20:00 Athens time (UTC+2 in December): 06:00 and 18:00 UTC."""
    buyer = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        day = services.get_market_day(market["day"])
        day.opens_at = to_utc(dt.datetime(2026, 12, 10, 8, 0), town)
        day.closes_at = to_utc(dt.datetime(2026, 12, 11, 20, 0), town)
        day.day = dt.date(2026, 12, 12)
        db.session.commit()
        assert day.opens_at == dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.UTC)
        account = db.session.get(Account, buyer.id)
        order = {"slot_id": market["slots"][1], "lines": {market["offers"][0]: "1"}, "notify": False}
        second = dt.timedelta(seconds=1)
        with pytest.raises(RuleViolation) as early:
            services.place_order(day.id, account, now=day.opens_at - second, **order)
        assert early.value.code == "window_closed"
        services.place_order(day.id, account, now=day.opens_at, **order)  # the first second counts
        services.place_order(
            day.id, account, now=day.closes_at - second, **{**order, "lines": {market["offers"][0]: "2"}}
        )
        db.session.commit()
        mine = services.my_order(day, account)
        with pytest.raises(RuleViolation) as late:
            services.cancel_order(mine, account, now=day.closes_at)
        assert late.value.code == "window_closed"
        with pytest.raises(RuleViolation):
            services.place_order(day.id, account, now=day.closes_at, **order)
        db.session.rollback()
        assert services.order_dict(services.my_order(day, account))["lines"][0]["quantity"] == 2
        db.session.remove()


def test_editing_moves_stock_and_slot_and_cancelling_gives_them_back(app, town, account_factory, market):
    buyer = account_factory(memberships={town: "member"})
    asparagus, honey = market["offers"]
    small, big = market["slots"]
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        order = services.place_order(
            market["day"], account, slot_id=small, lines={asparagus: "1.5", honey: 2}, notify=False
        )
        db.session.commit()
        assert order.total == decimal.Decimal("27.75")  # 1.5 × 6.50 + 2 × 9.00
        services.place_order(
            market["day"], account, slot_id=big, lines={asparagus: "3", honey: 0}, notify=False
        )
        db.session.commit()
        reserved = dict(db.session.execute(sa.select(Offer.id, Offer.reserved)).all())
        taken = dict(db.session.execute(sa.select(PickupSlot.id, PickupSlot.taken)).all())
        assert (reserved[asparagus], reserved[honey]) == (3, 0)
        assert (taken[small], taken[big]) == (0, 1)
        services.cancel_order(services.my_order(services.get_market_day(market["day"]), account), account)
        db.session.commit()
        assert set(dict(db.session.execute(sa.select(Offer.id, Offer.reserved)).all()).values()) == {0}
        assert db.session.execute(sa.select(sa.func.sum(PickupSlot.taken))).scalar_one() == 0
        # ordering again after cancelling re-opens the same order
        again = services.place_order(market["day"], account, slot_id=small, lines={honey: 1}, notify=False)
        assert again.status == OrderStatus.CONFIRMED and again.id == order.id
        db.session.remove()


def test_quantities_are_checked(app, town, account_factory, market):
    buyer = account_factory(memberships={town: "member"})
    asparagus, honey = market["offers"]
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        for lines, code in (
            ({honey: "1.5"}, "whole_units"),
            ({asparagus: "-1"}, "bad_quantity"),
            ({asparagus: "11"}, "sold_out"),
            ({asparagus: "0"}, "empty_basket"),
        ):
            with pytest.raises(RuleViolation) as refused:
                services.place_order(
                    market["day"], account, slot_id=market["slots"][1], lines=lines, notify=False
                )
            assert refused.value.code == code, lines
            db.session.rollback()
        assert db.session.execute(sa.select(sa.func.sum(Offer.reserved))).scalar_one() == 0
        db.session.remove()


def test_an_offer_never_drops_below_what_is_ordered_and_a_suspended_producer_is_not_sold(
    app, town, account_factory, market
):
    buyer = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        services.place_order(
            market["day"], account, slot_id=market["slots"][1], lines={market["offers"][0]: 4}, notify=False
        )
        day = services.get_market_day(market["day"])
        product = services.get_product(market["products"][0])
        with pytest.raises(RuleViolation) as below:
            services.set_offer(day, product, 3)
        assert below.value.code == "below_reserved"
        services.set_offer(day, product, 4)
        producer = services.get_producer(product.producer_id)
        services.decide_producer(producer, None, status=ProducerStatus.SUSPENDED, reason="Licence expired")
        assert services.offers_of(day) == []
        with pytest.raises(RuleViolation) as gone:
            services.place_order(
                day.id, account, slot_id=market["slots"][1], lines={market["offers"][1]: 1}, notify=False
            )
        assert gone.value.code == "bad_offer"
        db.session.remove()


def test_applications_need_real_documents_and_reasons_to_refuse(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        with pytest.raises(RuleViolation):
            services.apply_producer(
                account, name="Farm", documents=[("licence", "licence.pdf", b"MZ\x90 not a pdf")]
            )
        db.session.rollback()
        with pytest.raises(RuleViolation):
            services.apply_producer(
                account, name="Farm", documents=[("licence", "big.pdf", PDF + b"0" * 6 * 1024 * 1024)]
            )
        db.session.rollback()
        producer = services.apply_producer(
            account, name="Farm", documents=[("licence", "../../licence.pdf", PDF)]
        )
        (doc,) = services.documents_of(producer)
        assert (doc.content_type, doc.filename) == ("application/pdf", "licence.pdf")
        with pytest.raises(RuleViolation) as twice:
            services.apply_producer(account, name="Farm again")
        assert twice.value.code == "already_applied"
        with pytest.raises(RuleViolation):
            services.decide_producer(producer, None, status=ProducerStatus.REJECTED, reason=" ")
        with pytest.raises(RuleViolation) as not_yet:
            services.approved_producer(account)
        assert not_yet.value.status == 403
        services.decide_producer(producer, None, status=ProducerStatus.APPROVED, reason="")
        assert services.approved_producer(account).id == producer.id
        db.session.remove()


def test_pick_list_per_producer_and_slot_with_totals(app, town, account_factory, market):
    other_seller = account_factory(memberships={town: "member"})
    wine = make_producer(app, town, other_seller, name="Οινοποιείο", products=(("Κρασί", "litre", "8.00"),))[
        "products"
    ]
    buyers = [account_factory(name=f"Πελάτης {i}", memberships={town: "member"}) for i in range(3)]
    with app.app_context(), tenant_context(town.id):
        day = services.get_market_day(market["day"])
        wine_offer = services.set_offer(day, services.get_product(wine[0]), 20)
        for i, b in enumerate(buyers):
            services.place_order(
                day.id,
                db.session.get(Account, b.id),
                slot_id=market["slots"][i % 2],
                lines={market["offers"][0]: i + 1, wine_offer.id: 2},
                notify=False,
            )
        services.cancel_order(
            services.my_order(day, db.session.get(Account, buyers[2].id)),
            db.session.get(Account, buyers[2].id),
        )
        data = services.pick_list(day)
        totals = {t["product"].name: t["quantity"] for t in data["totals"]}
        assert totals == {"Σπαράγγια": 3, "Κρασί": 4}  # the cancelled order is not picked
        assert [e["producer"].name for e in data["producers"]] == ["Αγρόκτημα Βύσσας", "Οινοποιείο"]
        assert [len(s["rows"]) for s in data["producers"][0]["slots"]] == [1, 1]
        mine = services.pick_list(day, producer=services.get_producer(wine_offer.producer_id))
        assert {t["product"].name for t in mine["totals"]} == {"Κρασί"}
        with pytest.raises(RuleViolation) as early:
            services.check_off(data["orders"][0], collected=True)
        assert early.value.code == "window_open"
        services.check_off(data["orders"][0], collected=True, now=day.closes_at)
        assert data["orders"][0].status == OrderStatus.COLLECTED
        db.session.remove()


def test_the_confirmation_mail_lists_the_basket_in_the_buyers_language(
    app, town, account_factory, market, mail_outbox
):
    buyer = account_factory(name="Ελένη", memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        account.locale = "en"
        services.place_order(
            market["day"], account, slot_id=market["slots"][1], lines={market["offers"][0]: "2"}
        )
        db.session.commit()
        db.session.remove()
    message = mail_outbox.wait_for(lambda m: buyer.email in m["To"])
    body = mail_outbox.body(message)
    assert "Pre-order confirmed" in message["Subject"]
    assert "Σπαράγγια: 2 kg" in body and "13.00" in body and "paid at pick-up" in body


def test_a_market_day_must_close_before_it_happens(app, town):
    with app.app_context(), tenant_context(town.id):
        now = utcnow_aware()
        with pytest.raises(RuleViolation) as wrong:
            services.save_market_day(
                None, title="X", day_date=now.date(), opens_at=now, closes_at=now - dt.timedelta(hours=1)
            )
        assert wrong.value.field == "closes_at"
        with pytest.raises(RuleViolation):
            services.save_market_day(
                None,
                title="X",
                day_date=now.date(),
                opens_at=now,
                closes_at=now + dt.timedelta(days=3),
                status=DayStatus.PUBLISHED,
            )
        db.session.remove()


def test_one_reminder_a_day_before_pick_up(app, town, account_factory, market, mail_outbox):
    buyer = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, buyer.id)
        services.place_order(
            market["day"], account, slot_id=market["slots"][0], lines={market["offers"][0]: 1}, notify=False
        )
        slot = db.session.get(PickupSlot, (town.id, market["slots"][0]))
        assert services.send_reminders(now=slot.starts_at - dt.timedelta(hours=30)) == 0  # too early
        assert services.send_reminders(now=slot.starts_at - dt.timedelta(hours=20)) == 1
        assert services.send_reminders(now=slot.starts_at - dt.timedelta(hours=19)) == 0  # once
        db.session.commit()
        db.session.remove()
    message = mail_outbox.wait_for(lambda m: buyer.email in m["To"])
    assert "Λαϊκή Ορεστιάδας" in message["Subject"]
