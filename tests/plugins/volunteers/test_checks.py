"""The checks the scaffold generated, kept: the page in each language, isolation between
municipalities (ORM, row-level security, routes), the migrations and the API's conformance to its
own OpenAPI document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated, assert_route_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip
from tests.plugins.volunteers.conftest import make_task

TABLES = ["volunteers_shifts", "volunteers_signups", "volunteers_task_skills", "volunteers_tasks"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("el", "Εθελοντισμός"),
        ("bg", "Доброволчество"),
        ("ro", "Voluntariat"),
        ("en", "Volunteering"),
    ],
)
def test_the_page_speaks_the_visitors_language(town, tenant_client, lang, text):
    page = tenant_client(town).get(f"/volunteers/?lang={lang}")
    assert page.status_code == 200
    assert f"<h1>{text}</h1>" in page.get_data(as_text=True)


def test_other_municipalities_never_see_the_tasks(app, town, tenant_factory, tenant_client):
    other = tenant_factory(plugins=["volunteers"])
    ids = make_task(app, town, title="Only for this town")
    for path in ("/volunteers/", "/api/v1/volunteers/tasks"):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])
    for path in (f"/volunteers/tasks/{ids['task']}", f"/api/v1/volunteers/shifts/{ids['shifts'][0]}"):
        assert_route_isolated(
            tenant_client(town),
            tenant_client(other),
            path,
            secret="Only for this town" if "tasks" in path else None,
        )


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/volunteers/").status_code == 404
    assert client.get("/api/v1/volunteers/tasks").status_code == 404


def test_isolation(app, sympraxis_database):
    assert sorted(assert_plugin_isolated(app, "volunteers", sympraxis_database)) == TABLES


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app  # a database of its own: the round trip drops the plugin's tables
    assert_branch_round_trip(empty_app, "volunteers", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    make_task(app, town)
    seen = assert_api_conforms(
        app,
        town.primary_host,
        plugin="volunteers",
        tokens=[access_token(staff, town), access_token(member, town)],
    )
    assert 201 in seen["POST /api/v1/volunteers/tasks"]
    assert 200 in seen["GET /api/v1/volunteers/tasks"]
