def test_tenant_api_answers_on_tenant_host(tenant_factory, tenant_client):
    tenant = tenant_factory(locale="el", locales=["el", "en"])
    response = tenant_client(tenant).get("/api/v1/tenant")
    assert response.status_code == 200
    assert response.json["slug"] == tenant.slug
    assert response.json["locales"] == ["el", "en"]
