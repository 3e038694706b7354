"""The shared checks: the page in each language, isolation between municipalities (ORM, RLS,
routes), the migrations, and the API's conformance to its own document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated, assert_route_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip
from tests.plugins.councils.conftest import make_call, make_council

TABLES = sorted(
    [
        "councils_agenda_items",
        "councils_attendance",
        "councils_ballots",
        "councils_calls",
        "councils_conflicts",
        "councils_councils",
        "councils_dissents",
        "councils_documents",
        "councils_meetings",
        "councils_members",
        "councils_nominations",
        "councils_objections",
        "councils_opinions",
        "councils_seats",
        "councils_votes",
    ]
)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("el", "Συμβούλια και επιτροπές"),
        ("bg", "Съвети и комисии"),
        ("ro", "Consilii și comisii"),
        ("en", "Councils and committees"),
    ],
)
def test_the_page_speaks_the_visitors_language(town, tenant_client, lang, text):
    page = tenant_client(town).get(f"/councils/?lang={lang}")
    assert page.status_code == 200
    assert f"<h1>{text}</h1>" in page.get_data(as_text=True)


def test_other_municipalities_never_see_the_councils(app, town, tenant_factory, tenant_client):
    other = tenant_factory(plugins=["councils"])
    ids = make_council(app, town, name="Only for this town", members=[("Ana Secret", "ngo", "member", None)])
    call = make_call(app, town, ids["council"], title="Secret call")
    for path in ("/councils/", "/api/v1/councils/councils"):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])
    for path, secret in (
        (f"/councils/{ids['council']}", "Ana Secret"),
        (f"/api/v1/councils/councils/{ids['council']}/members", "Ana Secret"),
        (f"/councils/calls/{call}", "Secret call"),
        (f"/api/v1/councils/calls/{call}", "Secret call"),
    ):
        assert_route_isolated(tenant_client(town), tenant_client(other), path, secret=secret)


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/councils/").status_code == 404
    assert client.get("/api/v1/councils/councils").status_code == 404


def test_isolation(app, sympraxis_database):
    assert sorted(assert_plugin_isolated(app, "councils", sympraxis_database)) == TABLES


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app
    assert_branch_round_trip(empty_app, "councils", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    ids = make_council(app, town)
    make_call(app, town, ids["council"])
    seen = assert_api_conforms(
        app,
        town.primary_host,
        plugin="councils",
        tokens=[access_token(staff, town), access_token(member, town)],
    )
    assert 201 in seen["POST /api/v1/councils/councils"]
    assert 200 in seen["GET /api/v1/councils/councils"]
