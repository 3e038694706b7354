"""The API with personal access tokens: an NGO submits, staff verify, the public reads the
verified version; problem documents for schema errors (422), rules (409) and roles (403)."""

from tests.plugins.registry.conftest import ENTRY, LAST_YEAR, bearer, make_entry, make_organisation

BODY = dict(ENTRY)


def test_submit_verify_read_through_the_api(app, town, account_factory, tenant_client, access_token):
    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    org_id = make_organisation(app, town, admin)
    client = tenant_client(town)
    as_admin, as_staff = bearer(access_token, admin, town), bearer(access_token, staff, town)

    made = client.post("/api/v1/registry/entries", json={**BODY, "organisation_id": org_id}, headers=as_admin)
    assert made.status_code == 201, made.get_json()
    version = made.get_json()
    assert version["status"] == "pending"
    entry_id = version["entry_id"]
    assert client.get(f"/api/v1/registry/entries/{entry_id}").status_code == 404  # not verified yet

    refused = client.post(
        f"/api/v1/registry/versions/{version['id']}/review", json={"approve": True}, headers=as_admin
    )
    assert refused.status_code == 403
    no_document = client.post(
        f"/api/v1/registry/versions/{version['id']}/review", json={"approve": True}, headers=as_staff
    )
    assert no_document.status_code == 409 and no_document.get_json()["code"] == "document_required"
    done = client.post(
        f"/api/v1/registry/versions/{version['id']}/review",
        json={"approve": True, "document": "ΓΕΜΗ 2026"},
        headers=as_staff,
    )
    assert done.status_code == 200 and done.get_json()["status"] == "verified"
    assert client.get(f"/api/v1/registry/entries/{entry_id}").get_json()["name"] == ENTRY["name"]

    change = client.post(
        f"/api/v1/registry/entries/{entry_id}/versions", json={**BODY, "name": "Άλλο όνομα"}, headers=as_admin
    )
    assert change.status_code == 201
    assert change.get_json()["diff"] == [{"field": "name", "before": ENTRY["name"], "after": "Άλλο όνομα"}]
    assert client.get(f"/api/v1/registry/entries/{entry_id}").get_json()["name"] == ENTRY["name"]

    figures = client.put(
        f"/api/v1/registry/entries/{entry_id}/figures/{LAST_YEAR}",
        json={"staff_paid": 3, "people_served": 50, "public_funding_pct": 40.5},
        headers=as_admin,
    )
    assert figures.status_code == 200 and figures.get_json()["public_funding_pct"] == 40.5
    listed = client.get(f"/api/v1/registry/entries/{entry_id}/figures").get_json()
    assert [(f["year"], f["people_served"]) for f in listed] == [(LAST_YEAR, 50)]
    totals = client.get(f"/api/v1/registry/totals?year={LAST_YEAR}").get_json()
    assert totals["total"]["entries"] == 1 and totals["sector"]["56"]["people_served"] == 50


def test_problem_documents(app, town, account_factory, tenant_client, access_token):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    entry_id = make_entry(app, town, staff)
    client = tenant_client(town)
    schema = client.post(
        "/api/v1/registry/entries", json={"name": "x"}, headers=bearer(access_token, member, town)
    )
    assert schema.status_code == 422 and "kind" in schema.get_json()["errors"]["json"]
    not_admin = client.post(
        "/api/v1/registry/entries",
        json={**BODY, "organisation_id": 1},
        headers=bearer(access_token, member, town),
    )
    assert not_admin.status_code == 403
    rule = client.put(
        f"/api/v1/registry/entries/{entry_id}/figures/{LAST_YEAR}",
        json={"staff_paid": 1, "staff_women": 2},
        headers=bearer(access_token, staff, town),
    )
    assert rule.status_code == 409 and rule.get_json()["errors"] == {
        "staff_women": [rule.get_json()["detail"]]
    }
    assert rule.headers["Content-Type"].startswith("application/problem+json")
    cookie_only = client.post("/api/v1/registry/entries", json=BODY)
    assert cookie_only.status_code == 401


def test_campaign_consent_and_pacts_through_the_api(app, town, account_factory, tenant_client, access_token):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    as_staff, as_member = bearer(access_token, staff, town), bearer(access_token, member, town)
    body = {"year": LAST_YEAR, "due_on": f"{LAST_YEAR + 1}-03-31"}
    assert client.post("/api/v1/registry/reporting-years", json=body, headers=as_member).status_code == 403
    assert client.post("/api/v1/registry/reporting-years", json=body, headers=as_staff).status_code == 201
    again = client.post("/api/v1/registry/reporting-years", json=body, headers=as_staff)
    assert again.status_code == 409 and again.get_json()["code"] == "year_open"
    assert client.get("/api/v1/registry/reporting-years").get_json() == [body]
    assert client.get("/api/v1/registry/consent").get_json() == {"opted_in": False}
    assert (
        client.put("/api/v1/registry/consent", json={"opted_in": True}, headers=as_staff).status_code == 200
    )
    assert client.get("/api/v1/registry/consent").get_json() == {"opted_in": True}
    assert client.get("/api/v1/registry/pacts").get_json() == []


def test_consent_takes_a_json_boolean_only(town, client_for, access_token, account_factory):
    """schemathesis: ``{"opted_in": 0}`` was taken as false (marshmallow reads 0, "no", "off");
    the document says boolean, so anything else is a 422."""
    admin = account_factory(memberships={town: "admin"})
    auth = {"Authorization": f"Bearer {access_token(admin, town)}"}
    client = client_for(town.primary_host)
    for value in (0, 1, "false", "yes", None):
        answer = client.put("/api/v1/registry/consent", json={"opted_in": value}, headers=auth)
        assert answer.status_code == 422, (value, answer.get_data(as_text=True)[:200])
    assert client.put("/api/v1/registry/consent", json={"opted_in": False}, headers=auth).status_code == 200
