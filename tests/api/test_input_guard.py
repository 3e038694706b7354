"""Text PostgreSQL cannot store (NUL) is refused with a clear error before any view runs, never a 500."""

from __future__ import annotations


def test_nul_in_a_json_body_is_a_422_problem_and_nothing_is_saved(
    tenant_factory, account_factory, access_token, client_for
):
    tenant = tenant_factory(plugins=["testplugin"])
    staff = account_factory(memberships={tenant: "staff"})
    client = client_for(tenant.primary_host)
    auth = {"Authorization": f"Bearer {access_token(staff, tenant)}"}

    response = client.post("/api/v1/testplugin/notes", json={"title": "bad\x00title"}, headers=auth)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == {"json": ["Text cannot contain NUL characters."]}
    assert client.get("/api/v1/testplugin/notes").json == []

    # nested values and keys too
    response = client.post("/api/v1/testplugin/notes", json={"title": "ok", "x\x00": ["a"]}, headers=auth)
    assert response.status_code == 422
    # and the same note without the NUL goes through
    response = client.post("/api/v1/testplugin/notes", json={"title": "good title"}, headers=auth)
    assert response.status_code == 201
    assert [n["title"] for n in client.get("/api/v1/testplugin/notes").json] == ["good title"]


def test_nul_in_a_query_string_or_form_is_refused(apex_client):
    response = apex_client.get("/api/v1/me?x=%00")
    assert response.status_code == 422
    assert response.json["errors"] == {"query": ["Text cannot contain NUL characters."]}

    page = apex_client.post(
        "/auth/signup", data={"display_name": "Nul\x00Name", "email": "nul@example.org", "password": "x" * 20}
    )
    assert page.status_code == 400
    assert "Text cannot contain NUL characters." in page.get_data(as_text=True)
    assert apex_client.get("/?q=%00").status_code == 400


def test_ordinary_text_passes(apex_client):
    assert apex_client.get("/?lang=el").status_code == 200
    assert apex_client.get("/api/v1/me").status_code == 401
