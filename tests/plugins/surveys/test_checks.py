"""The platform's checks: the page in each language, isolation between municipalities (ORM,
row-level security, routes), the migrations and the API's conformance to its own document."""

import pytest

from core.testing.conformance import assert_api_conforms
from core.testing.isolation import assert_list_isolated, assert_plugin_isolated, assert_route_isolated
from core.testing.migrations import assert_at_head, assert_branch_round_trip
from tests.plugins.surveys.conftest import make_survey

TABLES = [
    "surveys_drafts",
    "surveys_files",
    "surveys_invitations",
    "surveys_participations",
    "surveys_published_texts",
    "surveys_questions",
    "surveys_responses",
    "surveys_surveys",
    "surveys_translations",
]


@pytest.mark.parametrize(
    ("lang", "text"), [("el", "Έρευνες"), ("bg", "Анкети"), ("ro", "Chestionare"), ("en", "Surveys")]
)
def test_the_page_speaks_the_visitors_language(town, tenant_client, lang, text):
    page = tenant_client(town).get(f"/surveys/?lang={lang}")
    assert page.status_code == 200
    assert f"<h1>{text}</h1>" in page.get_data(as_text=True)


def test_other_municipalities_never_see_the_surveys(app, town, tenant_factory, tenant_client):
    other = tenant_factory(plugins=["surveys"])
    ids = make_survey(app, town, title="Only for this town", results_public=True)
    for path in ("/surveys/", "/api/v1/surveys/surveys"):
        assert_list_isolated(tenant_client(town), path, present=["Only for this town"], absent=[])
        assert_list_isolated(tenant_client(other), path, present=[], absent=["Only for this town"])
    for path in (
        f"/surveys/{ids['survey']}",
        f"/surveys/{ids['survey']}/results",
        f"/api/v1/surveys/surveys/{ids['survey']}",
        f"/api/v1/surveys/surveys/{ids['survey']}/results",
    ):
        secret = "Do you use the community centre?" if path.endswith("results") else "Only for this town"
        assert_route_isolated(tenant_client(town), tenant_client(other), path, secret=secret)
    text = ids["questions"][1]  # a written question: its page of every written answer, and the API's
    for path in (
        f"/surveys/{ids['survey']}/results/questions/{text}/answers",
        f"/api/v1/surveys/surveys/{ids['survey']}/questions/{text}/answers",
    ):
        assert_route_isolated(
            tenant_client(town),
            tenant_client(other),
            path,
            secret="Why not?" if "/api/" not in path else None,
        )


def test_switched_off_means_not_found(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/surveys/").status_code == 404
    assert client.get("/api/v1/surveys/surveys").status_code == 404


def test_isolation(app, sympraxis_database):
    assert sorted(assert_plugin_isolated(app, "surveys", sympraxis_database)) == TABLES


def test_migrations(app, sympraxis_database, fresh_app):
    assert_at_head(app, sympraxis_database["owner"])
    empty_app, urls = fresh_app
    assert_branch_round_trip(empty_app, "surveys", urls)


def test_api_matches_its_document(app, town, account_factory, access_token):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    make_survey(app, town, results_public=True)
    seen = assert_api_conforms(
        app,
        town.primary_host,
        plugin="surveys",
        tokens=[access_token(staff, town), access_token(member, town)],
    )
    assert 200 in seen["GET /api/v1/surveys/surveys"]
    assert {201, 409} & set(seen["POST /api/v1/surveys/surveys"])  # past the schema, to the rules
    assert 422 in seen["POST /api/v1/surveys/surveys/{survey_id}/responses"]  # the schema refuses
