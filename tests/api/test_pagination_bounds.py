"""A list's ``page`` beyond a 64-bit integer is refused (422, a problem document), as the document's
``integer`` says; schemathesis found ``/api/v1/councils/opinions?page=9223372036854775808``
answered with an empty 200. The largest 64-bit page is a page past the end: an empty list."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("page", ["9223372036854775808", "1" * 30, "1" * 5000, "-9223372036854775809"])
def test_a_page_beyond_64_bits_is_a_422(tenant_factory, client_for, page):
    town = tenant_factory(plugins=["volunteers"])
    answer = client_for(town.primary_host).get("/api/v1/volunteers/tasks", query_string={"page": page})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "application/problem+json"
    assert "page" in answer.json["errors"]["query"], answer.json


def test_the_largest_page_is_past_the_end(tenant_factory, client_for):
    town = tenant_factory(plugins=["volunteers"])
    answer = client_for(town.primary_host).get(
        "/api/v1/volunteers/tasks", query_string={"page": str(2**63 - 1)}
    )
    assert answer.status_code == 200 and answer.json == []
