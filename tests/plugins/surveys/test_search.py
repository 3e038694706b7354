"""The surveys in the municipality's search: ranked by PostgreSQL full-text search, the words
marked in an escaped snippet, Greek words found whatever their accents and endings, drafts
found by staff only."""

import re

from plugins.surveys.models import Kind
from tests.plugins.surveys.conftest import make_survey


def _results(client, q: str) -> str:
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if 'class="search-results"' not in html:
        return ""
    return html.split('class="search-results"', 1)[1].split("</ol>", 1)[0]


def _titles(results: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<a href="[^"]*">(.*?)</a>', results)]


ONE = [(Kind.RATING5, "Πόσο ικανοποιημένοι είστε;", {})]


def test_surveys_are_found_ranked_and_highlighted(app, town, tenant_client, account_factory, sign_in):
    make_survey(
        app,
        town,
        title="Ανάγκες των συλλόγων",
        introduction="Ερωτήσεις για τις παιδικές χαρές: 2 < 3 & <b>έντονα</b>.",
        questions=ONE,
    )
    make_survey(
        app,
        town,
        title="Παιδικές χαρές της παλιάς πόλης",
        introduction="Οι παιδικές χαρές, οι παιδικές χαρές και πάλι οι παιδικές χαρές.",
        questions=ONE,
    )
    make_survey(app, town, title="Σχέδιο για παιδικές χαρές", published=False, questions=ONE)
    public = tenant_client(town)
    results = _results(public, "παιδικη χαρα")
    # the survey that is about playgrounds throughout comes first; the draft is not found
    assert _titles(results)[:2] == ["Παιδικές χαρές της παλιάς πόλης", "Ανάγκες των συλλόγων"]
    assert "Σχέδιο για παιδικές χαρές" not in results
    assert "<mark>παιδικές</mark>" in results
    assert "<b>" not in results and "2 &lt; 3 &amp;" in results
    assert _results(public, "πισίνα") == ""

    staff = tenant_client(town)
    sign_in(staff, account_factory(memberships={town: "staff"}))
    assert "Σχέδιο για παιδικές χαρές" in _titles(_results(staff, "ΠΑΙΔΙΚΕΣ"))
