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


def test_the_demo_on_sqlite_folds_accents_and_case_too(make_app, tmp_path):
    """Issue 16 §4: SQLite (the demo) has no full-text search; the plain fallback still finds
    «σχέδιο» for «ΣΧΕΔΙΟ» and «σχεδιο», and «bugetării» for «BUGETARII», and marks the match."""
    lite = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/search.db",
        MIGRATIONS_DATABASE_URI=None,
        APP_DB_ROLE=None,
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    result = lite.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    client = lite.test_client()
    for query in ("ΣΧΕΔΙΟ δρασης", "σχεδιο ΔΡΆΣΗΣ"):
        page = client.get("/search", query_string={"q": query}, headers={"Host": "orestiada.localhost"})
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Τοπικό Σχέδιο Δράσης για την Κοινωνική Ένταξη 2027–2030" in html, query
    page = client.get("/search", query_string={"q": "BUGETARII"}, headers={"Host": "sector3.localhost"})
    html = page.get_data(as_text=True)
    assert "Regulamentul bugetării participative" in html
    nothing = client.get("/search", query_string={"q": "ζζζζ"}, headers={"Host": "orestiada.localhost"})
    assert "search-results" not in nothing.get_data(as_text=True)


def test_the_fallback_marks_the_words_where_they_are_cut_around_the_first():
    from core.search import _START, _STOP, fold, mark_words

    assert fold("ΣΧΈΔΙΟ Bugetării Ș") == "σχεδιο bugetarii s"
    text = "Αρχή. " + "λόγια " * 60 + "το Σχέδιο και πάλι σχέδιο. " + "τέλος " * 60
    marked = mark_words(text, [fold("σχεδιο")], limit=120)
    assert marked.startswith("… ") and marked.endswith(" …") and len(marked) < 140
    assert (
        marked.count(_START) == 2
        and f"{_START}Σχέδιο{_STOP}" in marked
        and f"{_START}σχέδιο{_STOP}" in marked
    )
    assert mark_words("Straße", ["strasse"]) == "Straße"  # folds to another length: left unmarked
