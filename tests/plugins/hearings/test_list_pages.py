"""The consultations list: filtered by the status a reader sees, a page at a time (issue 16 §1),
the filter kept from page to page."""

from __future__ import annotations

import datetime as dt
import re

from plugins.hearings.consultations.services import PER_PAGE
from tests.plugins.hearings.conftest import make_consultation


def titles(page: str) -> list[str]:
    return re.findall(r'<li class="card" data-consultation="[^"]+">\s*<h3><a href="[^"]+">([^<]+)</a>', page)


def test_the_list_filters_by_status_and_pages(app, world, tenant_client):
    for n in range(PER_PAGE + 2):
        make_consultation(app, world.tenant, title=f"Open plan {n:02d}")
    make_consultation(
        app,
        world.tenant,
        title="Closed plan",
        opens_in=dt.timedelta(days=-9),
        closes_in=dt.timedelta(days=-2),
    )
    client = tenant_client(world.tenant)

    first = client.get("/hearings/?lang=en").get_data(as_text=True)
    assert len(titles(first)) == PER_PAGE
    assert 'aria-current="page">1</a>' in first and 'rel="next"' in first
    second = client.get("/hearings/?page=2&lang=en").get_data(as_text=True)
    assert len(titles(second)) == PER_PAGE + 3 - PER_PAGE  # the rest, none twice
    assert not set(titles(first)) & set(titles(second))

    closed = client.get("/hearings/?status=closed&lang=en").get_data(as_text=True)
    assert titles(closed) == ["Closed plan"]
    assert 'rel="next"' not in closed  # one page: no pages shown
    opened = client.get("/hearings/?status=open&lang=en").get_data(as_text=True)
    assert "Closed plan" not in titles(opened) and len(titles(opened)) == PER_PAGE
    assert re.search(
        r'href="/hearings/\?[^"]*status=open[^"]*page=2|href="/hearings/\?[^"]*page=2[^"]*status=open', opened
    )


def test_a_page_past_the_end_or_nonsense_shows_the_last_or_first(app, world, tenant_client):
    make_consultation(app, world.tenant, title="Only plan")
    client = tenant_client(world.tenant)
    for query in ("page=99", "page=abc", "status=nonsense", "page=-3"):
        response = client.get(f"/hearings/?{query}&lang=en")
        assert response.status_code == 200, query
        assert titles(response.get_data(as_text=True)) == ["Only plan"], query


def test_an_empty_filter_says_so_in_the_readers_language(app, tenant_factory, tenant_client):
    greek = tenant_factory(plugins=["hearings"], locale="el")
    make_consultation(app, greek, title="Open plan")
    page = tenant_client(greek).get("/hearings/?status=outcome_published&lang=el").get_data(as_text=True)
    assert "Δεν υπάρχουν διαβουλεύσεις σε αυτή την κατάσταση." in page
