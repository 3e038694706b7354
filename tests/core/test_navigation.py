"""Navigation comes from enabled plugins; a plugin that fails there does not take pages down."""

from core.plugins import registry


def test_failing_navigation_hook_keeps_the_page_up(app, tenant_factory, tenant_client, enable_plugin):
    tenant = tenant_factory()
    enable_plugin(tenant, "testplugin", {"broken_navigation": True})
    errors_before = len(registry(app).errors)

    response = tenant_client(tenant).get("/")

    assert response.status_code == 200
    assert b"Test notes</a>" not in response.data  # its entry is gone, the page is not
    recorded = registry(app).errors[errors_before:]
    assert any(e["plugin"] == "testplugin" and e["hook"] == "sympraxis_navigation" for e in recorded)


def test_navigation_lists_an_enabled_plugin_once(tenant_factory, tenant_client, enable_plugin):
    tenant = tenant_factory()
    enable_plugin(tenant, "testplugin")

    page = tenant_client(tenant).get("/").get_data(as_text=True)
    menu = page[page.index('<nav class="main-nav') :]
    menu = menu[: menu.index("</nav>")]

    assert menu.count('href="/testplugin/"') == 1  # the home page's module tiles link it again
