"""The shared checks: isolation between municipalities (ORM, RLS, routes), migrations, the page
in each language, switched off means not found, and the API's conformance to its document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import (
    assert_list_isolated,
    assert_plugin_isolated,
    assert_route_isolated,
    assert_table_rls_isolated,
)
from core.testing.migrations import assert_at_head, assert_branch_round_trip
from tests.plugins.registry.conftest import LAST_YEAR, make_entry, make_organisation

TABLES = [
    "registry_aggregate_consents",
    "registry_entries",
    "registry_entry_versions",
    "registry_figures",
    "registry_pact_documents",
    "registry_pact_parties",
    "registry_pact_reviews",
    "registry_pact_revisions",
    "registry_pacts",
    "registry_reminders",
    "registry_reporting_years",
    "registry_reverify_notices",
]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("el", "Μητρώο κοινωνικής οικονομίας"),
        ("bg", "Регистър на социалната икономика"),
        ("ro", "Registrul economiei sociale"),
        ("en", "Social economy register"),
    ],
)
def test_the_directory_speaks_the_visitors_language(town, tenant_client, lang, text):
    page = tenant_client(town).get(f"/registry/?lang={lang}")
    assert page.status_code == 200
    assert f"<h1>{text}</h1>" in page.get_data(as_text=True)


def test_other_municipalities_never_see_the_entries(
    app, town, tenant_factory, tenant_client, account_factory
):
    other = tenant_factory(plugins=["registry"])
    staff = account_factory(memberships={town: "staff"})
    entry_id = make_entry(app, town, staff, name="Only in this town", figures={LAST_YEAR: {"staff_paid": 3}})
    for path in (
        "/registry/",
        "/api/v1/registry/entries",
        "/registry/export.csv",
        "/registry/entries.jsonld",
    ):
        assert_list_isolated(tenant_client(town), path, present=["Only in this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only in this town"])
    for path in (
        f"/registry/entries/{entry_id}",
        f"/api/v1/registry/entries/{entry_id}",
        f"/api/v1/registry/entries/{entry_id}/figures",
    ):
        assert_route_isolated(
            tenant_client(town),
            tenant_client(other),
            path,
            secret="Only in this town" if "figures" not in path else None,
        )


def test_rows_are_walled_by_rls(app, town, tenant_factory, account_factory, sympraxis_database):
    other = tenant_factory(plugins=["registry"])
    staff = account_factory(memberships={town: "staff"})
    make_entry(app, town, staff, figures={LAST_YEAR: {"staff_paid": 2}})
    make_entry(
        app, other, account_factory(memberships={other: "staff"}), figures={LAST_YEAR: {"staff_paid": 1}}
    )
    for table in ("registry_entries", "registry_entry_versions", "registry_figures"):
        assert_table_rls_isolated(
            sympraxis_database["app"], sympraxis_database["admin"], table, town.id, other.id
        )


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/registry/").status_code == 404
    assert client.get("/api/v1/registry/entries").status_code == 404


def test_the_observatory_is_on_the_apex_only(town, tenant_client, apex_client):
    assert apex_client.get("/observatory/").status_code == 200
    assert tenant_client(town).get("/observatory/").status_code == 404


def test_isolation(app, sympraxis_database):
    assert sorted(assert_plugin_isolated(app, "registry", sympraxis_database)) == TABLES


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app
    assert_branch_round_trip(empty_app, "registry", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    make_organisation(app, town, admin)
    make_entry(app, town, staff, figures={LAST_YEAR: {"staff_paid": 2}})
    seen = assert_api_conforms(
        app,
        town.primary_host,
        plugin="registry",
        tokens=[access_token(staff, town), access_token(admin, town)],
    )
    assert 200 in seen["GET /api/v1/registry/entries"]
    assert 200 in seen["GET /api/v1/registry/totals"]
