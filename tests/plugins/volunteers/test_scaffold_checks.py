"""The volunteers plugin's tests, with the platform's kit: its page and API per municipality, its
translations, its isolation, its migrations and its API's conformance to its own document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip

API = "/api/v1/volunteers/items"


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(plugins=["volunteers"], locales=["en", "el", "bg", "ro"])


def _bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}


def test_staff_add_an_item_that_the_page_shows(town, account_factory, access_token, tenant_client):
    staff = account_factory(memberships={town: "staff"})
    client = tenant_client(town)
    created = client.post(API, json={"title": "First item"}, headers=_bearer(access_token, staff, town))
    assert created.status_code == 201, created.json
    assert created.json["created_at"].endswith("+00:00")
    assert "First item" in client.get("/volunteers/").get_data(as_text=True)


def test_writing_needs_a_token_and_the_permission(town, account_factory, access_token, tenant_client):
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    assert client.post(API, json={"title": "x"}).status_code == 401
    refused = client.post(API, json={"title": "x"}, headers=_bearer(access_token, member, town))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"


def test_invalid_input_is_a_problem_not_a_500(town, account_factory, access_token, tenant_client):
    staff = account_factory(memberships={town: "staff"})
    refused = tenant_client(town).post(API, json={"title": ""}, headers=_bearer(access_token, staff, town))
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("el", "Δεν έχει προστεθεί τίποτα ακόμη."),
        ("bg", "Все още нищо не е добавено."),
        ("ro", "Încă nu s-a adăugat nimic."),
        ("en", "Nothing has been added yet."),
    ],
)
def test_the_page_speaks_the_visitors_language(town, tenant_client, lang, text):
    assert text in tenant_client(town).get(f"/volunteers/?lang={lang}").get_data(as_text=True)


def test_other_municipalities_never_see_the_items(
    town, tenant_factory, account_factory, access_token, tenant_client
):
    other = tenant_factory(plugins=["volunteers"])
    staff = account_factory(memberships={town: "staff"})
    tenant_client(town).post(
        API, json={"title": "Only for this town"}, headers=_bearer(access_token, staff, town)
    )
    for path in ("/volunteers/", API):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    assert tenant_client(tenant_factory()).get("/volunteers/").status_code == 404


def test_isolation(app, sympraxis_database):
    assert assert_plugin_isolated(app, "volunteers", sympraxis_database) == ["volunteers_items"]


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app  # a database of its own: the round trip drops the plugin's tables
    assert_branch_round_trip(empty_app, "volunteers", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    seen = assert_api_conforms(
        app, town.primary_host, plugin="volunteers", tokens=[access_token(staff, town)]
    )
    assert 201 in seen["POST /api/v1/volunteers/items"]
