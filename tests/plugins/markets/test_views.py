"""The pages: the role matrix on every route, a citizen's pre-order through the form (kept
filled when refused), a producer's products and offers, staff's decisions and pick list."""

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.markets import services
from plugins.markets.models import Offer, OrderStatus, ProducerStatus
from tests.plugins.markets.conftest import make_day, make_producer

PDF = b"%PDF-1.4\n%\xe2\xe3 licence\n"


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.fixture
def people(town, account_factory):
    return {
        "anonymous": None,
        "member": account_factory(memberships={town: "member"}),
        "staff": account_factory(memberships={town: "staff"}),
        "admin": account_factory(memberships={town: "admin"}),
    }


def test_role_matrix(app, town, people, tenant_client, sign_in, account_factory):
    """Who may open each page: reading for all, ordering for members, producers' pages for
    approved producers only, the market's management for staff, validation for admins."""
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"])
    with app.app_context(), tenant_context(town.id):
        producer_id = services.producers_of(seller)[0].id
        db.session.remove()
    day = ids["day"]
    routes = {
        "/markets/": {"anonymous": 200, "member": 200, "staff": 200, "admin": 200},
        f"/markets/days/{day}": {"anonymous": 200, "member": 200, "staff": 200, "admin": 200},
        "/markets/grocery/statistics": {"anonymous": 200, "member": 200, "staff": 200, "admin": 200},
        "/markets/mine": {"anonymous": 302, "member": 200, "staff": 200, "admin": 200},
        "/markets/producer": {"anonymous": 302, "member": 200, "staff": 200, "admin": 200},
        "/markets/producer/products/new": {"anonymous": 302, "member": 403, "staff": 403, "admin": 403},
        f"/markets/producer/days/{day}/offers": {"anonymous": 302, "member": 403, "staff": 403, "admin": 403},
        f"/markets/days/{day}/picklist": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        "/markets/manage/producers": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        f"/markets/manage/producers/{producer_id}": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        "/markets/manage/days/new": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        f"/markets/manage/days/{day}/slots/new": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        "/markets/grocery/": {"anonymous": 302, "member": 200, "staff": 200, "admin": 200},
        "/markets/grocery/apply": {"anonymous": 302, "member": 200, "staff": 200, "admin": 200},
        "/markets/grocery/applications": {"anonymous": 302, "member": 200, "staff": 200, "admin": 200},
    }
    clients = {}
    for name, person in people.items():
        client = tenant_client(town)
        clients[name] = sign_in(client, person) if person is not None else client
    for path, expected in routes.items():
        for name, status in expected.items():
            got = clients[name].get(path).status_code
            assert got in ((302, 401) if status == 302 else (status,)), (path, name, got)
    # the approved producer reaches their own pages
    own = sign_in(tenant_client(town), seller)
    for path in (
        "/markets/producer/products/new",
        f"/markets/producer/days/{day}/offers",
        f"/markets/days/{day}/picklist",
    ):
        assert own.get(path).status_code == 200, path
    assert own.get("/markets/manage/producers").status_code == 403


def test_a_citizen_pre_orders_edits_and_cancels_through_the_page(
    app, town, people, tenant_client, sign_in, account_factory
):
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], stock=3, slots=(1, 5))
    client = sign_in(tenant_client(town), people["member"])
    path = f"/markets/days/{ids['day']}"
    page = client.get(path + "?lang=en")
    assert "Confirm the pre-order" in page.get_data(as_text=True)
    offer = ids["offers"][0]
    refused = client.post(
        path + "?lang=en",
        data={"csrf_token": _csrf(page), f"qty-{offer}": "4", "slot_id": str(ids["slots"][0])},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Not enough Σπαράγγια left" in body and 'value="4"' in body  # what was typed stays
    done = client.post(
        path, data={"csrf_token": _csrf(page), f"qty-{offer}": "2,5", "slot_id": str(ids["slots"][0])}
    )
    assert done.status_code == 302
    edit = client.get(path + "?lang=en").get_data(as_text=True)
    assert 'value="2.5"' in edit and "Save the changes" in edit
    cancelled = client.post(path + "/cancel", data={"csrf_token": _csrf(client.get(path))})
    assert cancelled.status_code == 302
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(Offer.reserved)).scalar_one() == 0
        assert (
            services.my_order(services.get_market_day(ids["day"]), people["member"]).status
            == OrderStatus.CANCELLED
        )
        db.session.remove()


def test_a_producer_applies_with_a_document_and_staff_approve(app, town, people, tenant_client, sign_in):
    import io

    client = sign_in(tenant_client(town), people["member"])
    page = client.get("/markets/producer?lang=en")
    bad = client.post(
        "/markets/producer?lang=en",
        data={
            "csrf_token": _csrf(page),
            "organisation_id": "",
            "name": "Μελισσοκομία Δαδιάς",
            "document_kind": "licence",
            "document": (io.BytesIO(b"GIF89a not allowed"), "licence.gif"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "PDF, PNG or JPEG" in bad.get_data(as_text=True)
    assert "Μελισσοκομία Δαδιάς" in bad.get_data(as_text=True)
    good = client.post(
        "/markets/producer",
        data={
            "csrf_token": _csrf(page),
            "organisation_id": "",
            "name": "Μελισσοκομία Δαδιάς",
            "document_kind": "licence",
            "document": (io.BytesIO(PDF), "licence.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    with app.app_context(), tenant_context(town.id):
        producer = services.producers_of(people["member"])[0]
        doc_id = services.documents_of(producer)[0].id
        producer_id = producer.id
        db.session.remove()
    staff = sign_in(tenant_client(town), people["staff"])
    assert staff.get(f"/markets/manage/documents/{doc_id}").data == PDF
    review = staff.get(f"/markets/manage/producers/{producer_id}")
    no_reason = staff.post(
        f"/markets/manage/producers/{producer_id}?lang=en",
        data={"csrf_token": _csrf(review), "status": "rejected", "reason": ""},
    )
    assert no_reason.status_code == 409
    staff.post(
        f"/markets/manage/producers/{producer_id}",
        data={"csrf_token": _csrf(review), "status": "approved", "reason": ""},
    )
    with app.app_context(), tenant_context(town.id):
        assert services.get_producer(producer_id).status == ProducerStatus.APPROVED
        db.session.remove()
    new = client.get("/markets/producer/products/new")
    assert (
        client.post(
            "/markets/producer/products/new",
            data={
                "csrf_token": _csrf(new),
                "name": "Θυμαρίσιο μέλι",
                "unit": "piece",
                "price": "9.00",
                "labels": "βιολογικό",
                "active": "y",
            },
        ).status_code
        == 302
    )
    assert "Θυμαρίσιο μέλι" in client.get("/markets/producer").get_data(as_text=True)


def test_staff_create_a_day_in_local_time_and_print_the_pick_list(
    app, town, people, tenant_client, sign_in, account_factory
):
    staff = sign_in(tenant_client(town), people["staff"])
    form = staff.get("/markets/manage/days/new")
    day_date = (utcnow_aware() + dt.timedelta(days=10)).date()
    made = staff.post(
        "/markets/manage/days/new",
        data={
            "csrf_token": _csrf(form),
            "title": "Αγορά Χριστουγέννων",
            "day": day_date.isoformat(),
            "place": "Πλατεία",
            "opens_at": f"{(day_date - dt.timedelta(days=5)).isoformat()}T08:00",
            "closes_at": f"{(day_date - dt.timedelta(days=1)).isoformat()}T20:00",
            "status": "published",
        },
    )
    assert made.status_code == 302
    day_id = uuid.UUID(made.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context(), tenant_context(town.id):
        day = services.get_market_day(day_id)
        assert day.opens_at.hour == 6  # 08:00 in Athens in December is 06:00 UTC
        db.session.remove()
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], closes=dt.timedelta(seconds=2))
    with app.app_context(), tenant_context(town.id):
        services.place_order(
            ids["day"], people["member"], slot_id=ids["slots"][0], lines={ids["offers"][0]: 2}, notify=False
        )
        db.session.commit()
        db.session.remove()
    page = staff.get(f"/markets/days/{ids['day']}/picklist?lang=en").get_data(as_text=True)
    assert "Totals per product" in page and "Σπαράγγια" in page and "2 kg" in page


def test_staff_check_orders_off_after_the_window_and_a_producer_cannot(
    app, town, people, tenant_client, sign_in, account_factory
):
    seller = account_factory(memberships={town: "member"})
    ids = make_day(
        app,
        town,
        make_producer(app, town, seller)["products"],
        opens=-dt.timedelta(days=2),
        closes=-dt.timedelta(hours=1),
    )
    with app.app_context(), tenant_context(town.id):
        order = services.place_order(
            ids["day"],
            people["member"],
            slot_id=ids["slots"][0],
            lines={ids["offers"][0]: 1},
            now=utcnow_aware() - dt.timedelta(hours=2),
            notify=False,
        )
        db.session.commit()
        order_id = order.id
        db.session.remove()
    path = f"/markets/days/{ids['day']}/picklist"
    producer = sign_in(tenant_client(town), seller)
    assert (
        producer.post(
            path, data={"csrf_token": _csrf(producer.get(path)), "order_id": str(order_id), "collected": "1"}
        ).status_code
        == 403
    )
    staff = sign_in(tenant_client(town), people["staff"])
    page = staff.get(path)
    assert (
        staff.post(
            path, data={"csrf_token": _csrf(page), "order_id": "not-an-id", "collected": "1"}
        ).status_code
        == 400
    )
    assert (
        staff.post(
            path, data={"csrf_token": _csrf(page), "order_id": str(order_id), "collected": "1"}
        ).status_code
        == 302
    )
    with app.app_context(), tenant_context(town.id):
        assert services.get_order(order_id).status == OrderStatus.COLLECTED
        db.session.remove()


@pytest.mark.parametrize(
    ("lang", "published", "cancelled"),
    [("el", "Δημοσιευμένη", "Ακυρωμένη"), ("bg", "Публикуван", "Отменен"), ("ro", "Publicată", "Anulată")],
)
def test_a_market_days_status_agrees_with_its_gender(
    app, town, people, tenant_client, sign_in, account_factory, lang, published, cancelled
):
    """«ημέρα αγοράς» is feminine, «пазарен ден» masculine: not the neuter that hearings' shared
    "Published" has («Δημοσιευμένο», «Публикувано»)."""
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], title="Λαϊκή")
    client = sign_in(tenant_client(town), people["staff"])
    form = client.get(f"/markets/manage/days/{ids['day']}/edit?lang={lang}").get_data(as_text=True)
    assert f">{published}</option>" in form and f">{cancelled}</option>" in form
    assert "Δημοσιευμένο<" not in form and "Публикувано<" not in form
    with app.app_context(), tenant_context(town.id):
        day = services.get_market_day(ids["day"])
        day.status = "cancelled"
        db.session.commit()
        db.session.remove()
    assert f"({cancelled})" in client.get(f"/markets/?lang={lang}").get_data(as_text=True)


def test_role_matrix_of_the_grocery_stock_distribution_and_share_pages(
    app, town, people, tenant_client, sign_in, account_factory
):
    """The pages added with stock, distribution days and season shares: reading the shares for
    all, ordering for members, everything that changes stock or hands goods over for staff, a
    plan's boxes for its producer (and the market's staff)."""
    from plugins.markets import distribution, grocery, shares

    seller = account_factory(memberships={town: "member"})
    make_producer(app, town, seller)
    with app.app_context(), tenant_context(town.id):
        item = grocery.save_item(None, name="Ρύζι", credits=2)
        day = distribution.save_day(utcnow_aware().date() + dt.timedelta(days=2))
        plan = shares.save_plan(
            services.producers_of(seller)[0],
            name="Καλάθι",
            price="10",
            price_per="month",
            frequency="weekly",
            season_start=utcnow_aware().date(),
            season_end=utcnow_aware().date() + dt.timedelta(days=30),
            shares=5,
        )
        db.session.commit()
        item_id, day_id, plan_id = item.id, day.id, plan.id
        db.session.remove()
    routes = {
        "/markets/shares": {"anonymous": 200, "member": 200, "staff": 200, "admin": 200},
        f"/markets/shares/{plan_id}": {"anonymous": 200, "member": 200, "staff": 200, "admin": 200},
        f"/markets/grocery/distribution/{day_id}": {
            "anonymous": 302,
            "member": 200,
            "staff": 200,
            "admin": 200,
        },
        "/markets/grocery/manage/stock": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        "/markets/grocery/manage/items/new": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        f"/markets/grocery/manage/items/{item_id}/edit": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        "/markets/grocery/manage/donations/new": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        "/markets/grocery/manage/distribution/new": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        f"/markets/grocery/manage/distribution/{day_id}": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        f"/markets/grocery/manage/distribution/{day_id}/slots/new": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
        "/markets/grocery/manage/handout": {"anonymous": 302, "member": 403, "staff": 200, "admin": 200},
        "/markets/producer/shares/new": {"anonymous": 302, "member": 403, "staff": 403, "admin": 403},
        f"/markets/producer/shares/{plan_id}/boxes": {
            "anonymous": 302,
            "member": 403,
            "staff": 200,
            "admin": 200,
        },
    }
    clients = {}
    for name, person in people.items():
        client = tenant_client(town)
        clients[name] = sign_in(client, person) if person is not None else client
    for path, expected in routes.items():
        for name, status in expected.items():
            got = clients[name].get(path).status_code
            assert got in ((302, 401) if status == 302 else (status,)), (path, name, got)
    own = sign_in(tenant_client(town), seller)
    for path in ("/markets/producer/shares/new", f"/markets/producer/shares/{plan_id}/boxes"):
        assert own.get(path).status_code == 200, path
