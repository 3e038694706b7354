"""The checks every plugin passes: the page in each language, isolation (ORM, RLS, routes), the
migrations and the API's conformance to its own document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated, assert_route_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip
from tests.plugins.markets.conftest import make_day, make_producer

TABLES = sorted(
    [
        "markets_applications",
        "markets_credit_periods",
        "markets_days",
        "markets_distribution_days",
        "markets_distribution_slots",
        "markets_donations",
        "markets_grocery_items",
        "markets_grocery_orders",
        "markets_households",
        "markets_offers",
        "markets_order_lines",
        "markets_orders",
        "markets_producer_documents",
        "markets_producers",
        "markets_product_photos",
        "markets_products",
        "markets_redemptions",
        "markets_share_pauses",
        "markets_share_pickups",
        "markets_share_plans",
        "markets_share_subscriptions",
        "markets_slots",
    ]
)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("el", "Αλληλέγγυα αγορά"),
        ("bg", "Солидарен пазар"),
        ("ro", "Piața solidară"),
        ("en", "Solidarity market"),
    ],
)
def test_the_page_speaks_the_visitors_language(town, tenant_client, lang, text):
    page = tenant_client(town).get(f"/markets/?lang={lang}")
    assert page.status_code == 200
    assert f"<h1>{text}</h1>" in page.get_data(as_text=True)


def test_other_municipalities_never_see_the_market(app, town, tenant_factory, tenant_client, account_factory):
    other = tenant_factory(plugins=["markets"])
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"], title="Only for this town")
    for path in ("/markets/", "/api/v1/markets/days"):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])
    for path in (f"/markets/days/{ids['day']}", f"/api/v1/markets/days/{ids['day']}"):
        assert_route_isolated(tenant_client(town), tenant_client(other), path, secret="Only for this town")


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/markets/").status_code == 404
    assert client.get("/api/v1/markets/days").status_code == 404


def test_isolation(app, sympraxis_database):
    assert sorted(assert_plugin_isolated(app, "markets", sympraxis_database)) == TABLES


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app
    assert_branch_round_trip(empty_app, "markets", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    seller = account_factory(memberships={town: "member"})
    make_day(app, town, make_producer(app, town, seller)["products"])
    seen = assert_api_conforms(
        app,
        town.primary_host,
        plugin="markets",
        tokens=[access_token(staff, town), access_token(seller, town)],
    )
    assert 200 in seen["GET /api/v1/markets/days"]
    assert 201 in seen["POST /api/v1/markets/products"]
