def test_tenant_api_answers_on_tenant_host(tenant_factory, tenant_client):
    tenant = tenant_factory(locale="el", locales=["el", "en"])
    response = tenant_client(tenant).get("/api/v1/tenant")
    assert response.status_code == 200
    assert response.json["slug"] == tenant.slug
    assert response.json["locales"] == ["el", "en"]


def test_security_headers_on_every_response(tenant_factory, tenant_client, apex_client):
    """Pages, API answers and errors carry the default security headers, each exactly once."""
    tenant = tenant_factory()
    responses = [
        tenant_client(tenant).get("/api/v1/tenant"),
        tenant_client(tenant).get("/"),
        tenant_client(tenant).get("/no-such-page"),
        apex_client.get("/"),
    ]
    for response in responses:
        assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"], response.request.path
        assert response.headers.getlist("Referrer-Policy") == ["same-origin"]
        assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]


def test_no_session_cookie_for_a_visitor_who_has_none(tenant_factory, tenant_client):
    """An anonymous read sets no cookie (the session stays empty), so pages stay cacheable."""
    tenant = tenant_factory()
    response = tenant_client(tenant).get("/api/v1/tenant")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
