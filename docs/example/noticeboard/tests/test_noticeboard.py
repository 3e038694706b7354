"""The noticeboard's tests: its page and API per municipality, its isolation and its migrations."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(plugins=["noticeboard"])


def test_staff_post_a_notice_that_the_page_shows(town, account_factory, access_token, tenant_client):
    staff = account_factory(memberships={town: "staff"})
    client = tenant_client(town)
    created = client.post(
        "/api/v1/noticeboard/notices",
        json={"title": "Water cut on Monday"},
        headers={"Authorization": f"Bearer {access_token(staff, town)}"},
    )
    assert created.status_code == 201, created.json
    assert "Water cut on Monday" in client.get("/noticeboard/").get_data(as_text=True)


def test_writing_needs_a_token_and_the_permission(town, account_factory, access_token, tenant_client):
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    assert client.post("/api/v1/noticeboard/notices", json={"title": "x"}).status_code == 401
    refused = client.post(
        "/api/v1/noticeboard/notices",
        json={"title": "x"},
        headers={"Authorization": f"Bearer {access_token(member, town)}"},
    )
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"


def test_other_municipalities_never_see_the_notices(
    town, tenant_factory, account_factory, access_token, tenant_client
):
    other = tenant_factory(plugins=["noticeboard"])
    staff = account_factory(memberships={town: "staff"})
    tenant_client(town).post(
        "/api/v1/noticeboard/notices",
        json={"title": "Only for this town"},
        headers={"Authorization": f"Bearer {access_token(staff, town)}"},
    )
    for path in ("/noticeboard/", "/api/v1/noticeboard/notices"):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    assert tenant_client(tenant_factory()).get("/noticeboard/").status_code == 404


def test_isolation(app, sympraxis_database):
    assert assert_plugin_isolated(app, "noticeboard", sympraxis_database) == ["noticeboard_notices"]


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app  # a database of its own: the round trip drops the plugin's tables
    assert_branch_round_trip(empty_app, "noticeboard", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    seen = assert_api_conforms(
        app, town.primary_host, plugin="noticeboard", tokens=[access_token(staff, town)]
    )
    assert 201 in seen["POST /api/v1/noticeboard/notices"]
