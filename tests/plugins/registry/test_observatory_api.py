"""The observatory's API on the apex (for unions of municipalities and ministries): levels,
areas, years, sector and group cells with suppressed ones marked and empty, CSV as JSON; 404 on a
municipality's host; and schemathesis over its operations of the OpenAPI document."""

import csv
import io

import pytest
import schemathesis

from core.toolkit import db
from plugins.registry import aggregates
from tests.plugins.registry.conftest import LAST_YEAR
from tests.plugins.registry.test_aggregates import _town_with_entries


@pytest.fixture
def run_with_small_town(app, tenant_factory, account_factory):
    _big, _s = _town_with_entries(app, tenant_factory, account_factory, "Μεγάλος", 9, nuts3="EL517")
    _small, _s2 = _town_with_entries(app, tenant_factory, account_factory, "Μικρός", 2, nuts3="EL517")
    _third, _s3 = _town_with_entries(app, tenant_factory, account_factory, "Τρίτος", 6, nuts3="EL517")
    with app.app_context():
        aggregates.run()
        db.session.commit()
        db.session.remove()


def test_levels_areas_and_cells_with_suppression_marked(run_with_small_town, apex_client):
    summary = apex_client.get("/api/v1/observatory/").get_json()
    assert summary["levels"] == ["municipality", "nuts3", "nuts2", "country"]
    assert LAST_YEAR in summary["years"] and summary["threshold"] == 5
    areas = apex_client.get("/api/v1/observatory/areas?level=municipality").get_json()
    mine = {a["area_name"]: a for a in areas if a["parent"] == "EL517"}
    assert set(mine) == {"Μεγάλος", "Μικρός", "Τρίτος"}

    answer = apex_client.get(
        f"/api/v1/observatory/cells?level=municipality&parent=EL517&year={LAST_YEAR}&dimension=total"
    )
    cells = {c["area_name"]: c for c in answer.get_json()}
    assert answer.headers["X-Pagination"]  # paginated like every list of the API
    assert cells["Μικρός"]["suppressed"] and cells["Μικρός"]["entries"] is None
    assert cells["Μικρός"]["staff_paid"] is None and cells["Μικρός"]["budget"] is None
    # secondary: the smallest other one hides with it, so 17 - x cannot give the 2 away
    assert cells["Τρίτος"]["suppressed"] and not cells["Μεγάλος"]["suppressed"]
    assert cells["Μεγάλος"]["entries"] == 9 and cells["Μεγάλος"]["staff_paid"] == 18

    unit = apex_client.get(f"/api/v1/observatory/cells?level=nuts3&area=EL517&year={LAST_YEAR}").get_json()
    total = next(c for c in unit if c["dimension"] == "total")
    assert total["entries"] == 17 and total["people_served"] == 170
    groups = {c["code"]: c for c in unit if c["dimension"] == "group"}
    assert (
        groups["disability"]["label"] == "People with disabilities" and groups["disability"]["entries"] == 17
    )
    sectors = {c["code"] for c in unit if c["dimension"] == "sector"}
    assert sectors == {"56"}  # the main (first) sector of each entry


def test_cells_as_csv_keep_suppressed_cells_empty(run_with_small_town, apex_client):
    response = apex_client.get(
        f"/api/v1/observatory/cells.csv?level=municipality&parent=EL517&year={LAST_YEAR}"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    small = [r for r in rows if r["area_name"] == "Μικρός"]
    assert small and all(r["suppressed"] == "True" and r["entries"] == "" for r in small)
    big = next(r for r in rows if r["area_name"] == "Μεγάλος" and r["dimension"] == "total")
    assert big["entries"] == "9" and big["parent"] == "EL517"


def test_bad_queries_are_problems_and_municipal_hosts_do_not_serve_it(
    run_with_small_town, apex_client, tenant_client, town
):
    bad = apex_client.get("/api/v1/observatory/cells?level=planet")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "level" in bad.get_json()["errors"]["query"]
    assert apex_client.get("/api/v1/observatory/cells?year=abc").status_code == 422
    assert apex_client.get("/api/v1/observatory/cells?level=nuts3&area=XX999").get_json() == []
    assert tenant_client(town).get("/api/v1/observatory/").status_code == 404
    assert tenant_client(town).get("/api/v1/observatory/cells").mimetype == "application/problem+json"


def test_the_observatory_operations_match_the_document(run_with_small_town, app):
    """schemathesis (as tests/api does for the whole document), on the observatory's operations only."""
    from tests.api.test_openapi_conformance import exercise

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": "localhost"})
    schema = schema.include(path_regex="^/api/v1/observatory/")
    seen: dict[str, set[int]] = {}
    failures = exercise(schema, [{"Host": "localhost"}], seen)
    assert not failures, "\n\n".join(failures)
    assert 200 in seen["GET /api/v1/observatory/cells"] and 422 in seen["GET /api/v1/observatory/cells"]
    assert 200 in seen["GET /api/v1/observatory/cells.csv"]
