"""The API with personal access tokens: a producer manages products and offers, a citizen
places, changes and cancels a pre-order, a household spends credits; rules answer 409."""

import datetime as dt

from core.toolkit import Account, db, tenant_context
from plugins.markets import grocery
from tests.plugins.markets.conftest import bearer, make_day, make_producer

API = "/api/v1/markets"


def test_a_producer_offers_and_a_citizen_orders_through_the_api(
    app, town, account_factory, access_token, tenant_client
):
    seller = account_factory(memberships={town: "member"})
    buyer = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], stock=5, slots=(3,))
    client = tenant_client(town)
    as_seller, as_buyer = bearer(access_token, seller, town), bearer(access_token, buyer, town)

    made = client.post(
        f"{API}/products",
        json={"name": "Φασόλια γίγαντες", "unit": "kg", "price": 5.2, "labels": ["ΠΟΠ"]},
        headers=as_seller,
    )
    assert made.status_code == 201, made.json
    assert client.post(f"{API}/products", json={"name": "x", "price": 1}, headers=as_buyer).status_code == 403
    offered = client.put(
        f"{API}/days/{ids['day']}/offers/{made.json['id']}", json={"quantity": 30}, headers=as_seller
    )
    assert offered.status_code == 200 and offered.json["available"] == 30
    # another producer's product is not yours to offer
    assert (
        client.put(
            f"{API}/days/{ids['day']}/offers/{made.json['id']}", json={"quantity": 1}, headers=as_buyer
        ).status_code
        == 403
    )

    day = client.get(f"{API}/days/{ids['day']}").json
    beans = next(o for o in day["offers"] if o["product"] == "Φασόλια γίγαντες")
    order = {
        "slot_id": ids["slots"][0],
        "lines": [
            {"offer_id": beans["id"], "quantity": 2.5},
            {"offer_id": str(ids["offers"][0]), "quantity": 1},
        ],
    }
    placed = client.put(
        f"{API}/days/{ids['day']}/order", json={**order, "slot_id": str(order["slot_id"])}, headers=as_buyer
    )
    assert placed.status_code == 200, placed.json
    assert placed.json["total"] == 19.5  # 2.5 × 5.20 + 1 × 6.50
    too_much = client.put(
        f"{API}/days/{ids['day']}/order",
        json={"slot_id": str(ids["slots"][0]), "lines": [{"offer_id": str(ids["offers"][0]), "quantity": 6}]},
        headers=as_buyer,
    )
    assert too_much.status_code == 409 and too_much.json["code"] == "sold_out"
    assert client.get(f"{API}/days/{ids['day']}/order", headers=as_buyer).json["total"] == 19.5  # unchanged
    assert (
        client.put(
            f"{API}/days/{ids['day']}/offers/{made.json['id']}", json={"quantity": 2}, headers=as_seller
        ).status_code
        == 409
    )
    picks = client.get(f"{API}/days/{ids['day']}/picklist", headers=as_seller).json
    assert {t["product"]: t["quantity"] for t in picks["totals"]} == {
        "Σπαράγγια": 1.0,
        "Φασόλια γίγαντες": 2.5,
    }
    assert client.delete(f"{API}/days/{ids['day']}/order", headers=as_buyer).status_code == 204
    assert client.get(f"{API}/orders/mine", headers=as_buyer).json[0]["status"] == "cancelled"
    assert client.get(f"{API}/days/{ids['day']}").json["slots"][0]["taken"] == 0


def test_a_household_spends_credits_through_the_api(app, town, account_factory, access_token, tenant_client):
    person = account_factory(memberships={town: "member"})
    stranger = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        application = grocery.apply(
            applicant=db.session.get(Account, person.id), name="Ana", size=1, monthly_income=200
        )
        grocery.decide(application, None, status="approved", reason="")
        item = grocery.save_item(None, name="Ulei", credits=25)
        grocery.record_donation(
            item,
            donor_kind="business",
            donor_name="Shop",
            quantity=10,
            received_on=dt.date.today(),
            staff=None,
        )
        db.session.commit()
        item_id = str(item.id)
        db.session.remove()
    client = tenant_client(town)
    first = client.post(
        f"{API}/grocery/redemptions",
        json={"item_id": item_id, "quantity": 2},
        headers=bearer(access_token, person, town),
    )
    assert first.status_code == 201 and first.json["balance"] == 10
    again = client.post(
        f"{API}/grocery/redemptions",
        json={"item_id": item_id, "quantity": 1},
        headers=bearer(access_token, person, town),
    )
    assert again.status_code == 409 and again.json["code"] == "no_credits"
    assert (
        client.post(
            f"{API}/grocery/redemptions",
            json={"item_id": item_id, "quantity": 1},
            headers=bearer(access_token, stranger, town),
        ).status_code
        == 403
    )
    assert (
        client.get(f"{API}/grocery/items", headers=bearer(access_token, person, town)).json[0]["stock"] == 8
    )


def test_a_product_is_on_sale_only_with_a_json_boolean(
    app, town, account_factory, access_token, tenant_client
):
    """``{"active": 0}`` or ``"no"`` is refused (422), not read as false: the API says boolean."""
    seller = account_factory(memberships={town: "member"})
    make_producer(app, town, seller)
    client, headers = tenant_client(town), bearer(access_token, seller, town)
    for wrong in (0, "no", "false"):
        refused = client.post(
            f"{API}/products", json={"name": "Μέλι", "price": 8, "active": wrong}, headers=headers
        )
        assert refused.status_code == 422, (wrong, refused.json)
        assert "active" in str(refused.json)
    made = client.post(f"{API}/products", json={"name": "Μέλι", "price": 8, "active": False}, headers=headers)
    assert made.status_code == 201 and made.json["active"] is False
