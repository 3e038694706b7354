"""Search on a municipality's host: enabled plugins answer for their own content, nothing else."""

from tests.plugins.hearings.conftest import make_consultation


def test_search_finds_this_municipalitys_content_only(app, tenant_factory, tenant_client):
    here = tenant_factory(plugins=["hearings"])
    there = tenant_factory(plugins=["hearings"])
    make_consultation(app, here, title="Plan for green spaces")
    make_consultation(app, there, title="Green budget of the other town")

    page = tenant_client(here).get("/search", query_string={"q": "green"}).get_data(as_text=True)

    assert "Plan for green spaces" in page
    assert "Green budget of the other town" not in page


def test_search_only_asks_enabled_plugins(app, tenant_factory, tenant_client, disable_plugin):
    tenant = tenant_factory(plugins=["hearings"])
    make_consultation(app, tenant, title="Water supply plan")
    disable_plugin(tenant, "hearings")

    page = tenant_client(tenant).get("/search", query_string={"q": "water"}).get_data(as_text=True)

    assert "Water supply plan" not in page and "Nothing found." in page


def test_search_query_length_boundary(tenant_factory, tenant_client):
    client = tenant_client(tenant_factory())
    assert client.get("/search", query_string={"q": "x" * 200}).status_code == 200
    too_long = client.get("/search", query_string={"q": "x" * 201})
    assert too_long.status_code == 422
    assert "Use at most 200 characters." in too_long.get_data(as_text=True)


def test_search_is_not_on_the_apex(apex_client):
    assert apex_client.get("/search", query_string={"q": "x"}).status_code == 404
