"""The consultation page and its API lists use a number of SQL queries that does not grow with
the number of comments (no query per comment, per reply or per author)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import event

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation


def _add_comments(app, tenant, c, n: int, account_id: int) -> None:
    """``n`` comments spread over the articles, every third one a reply, some hidden or withdrawn."""
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow() - dt.timedelta(hours=2)
        tops: list = []
        for i in range(n):
            parent = tops[-1] if i % 3 == 2 and tops else None
            cm = Comment(
                consultation_id=c["id"],
                article_id=parent.article_id if parent else c["articles"][i % len(c["articles"])],
                parent_id=parent.id if parent else None,
                account_id=account_id,
                author_name=f"Person {i}",
                organisation_name="NGO" if i % 5 == 0 else None,
                body=f"Comment number {i}",
                created_at=now + dt.timedelta(seconds=i),
                hidden_at=now if i % 11 == 0 else None,
                hidden_reason="spam" if i % 11 == 0 else None,
                withdrawn_at=now if i % 13 == 0 else None,
            )
            db.session.add(cm)
            if parent is None:
                tops.append(cm)
        db.session.commit()
        db.session.remove()


@contextlib.contextmanager
def counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _count(app, client, path: str) -> int:
    client.get(path)  # warm caches (tenant lookup, plugin states) the same way for both sizes
    with counting(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize("role", ["anonymous", "moderator"])
def test_query_count_does_not_grow_with_comments(app, world, tenant_client, sign_in, role):
    small = make_consultation(app, world.tenant, title="Small")
    large = make_consultation(app, world.tenant, title="Large")
    _add_comments(app, world.tenant, small, 10, world.member.id)
    _add_comments(app, world.tenant, large, 200, world.member.id)
    client = tenant_client(world.tenant)
    if role != "anonymous":
        sign_in(client, world.moderator)
    for template in (
        "/hearings/consultations/{id}",
        "/api/v1/hearings/consultations/{id}/comments",
        "/api/v1/hearings/consultations/{id}",
        "/hearings/consultations/{id}/register.csv",
    ):
        few = _count(app, client, template.format(id=small["id"]))
        many = _count(app, client, template.format(id=large["id"]))
        print(f"{role} {template}: {few} queries with 10 comments, {many} with 200")
        assert few == many, f"{template}: {few} queries with 10 comments, {many} with 200"
        assert few <= 15, f"{template}: {few} queries"
    page = client.get(f"/hearings/consultations/{large['id']}").get_data(as_text=True)
    assert "Comment number 1<" in page  # the first page of threads per article
    assert "Comment number 199" not in page  # later ones on the next pages
    assert f"/hearings/consultations/{large['id']}/articles/" in page and "More comments" in page
    second = client.get(f"/hearings/consultations/{large['id']}/articles/{large['articles'][0]}/comments")
    assert second.status_code == 200
    # hidden: moderators only (on the first article's page of threads)
    assert ("Comment number 11<" in second.get_data(as_text=True)) == (role == "moderator")


def test_api_comment_list_is_paginated_with_the_hidden_ones_left_out(app, world, tenant_client):
    import json

    c = make_consultation(app, world.tenant)
    _add_comments(app, world.tenant, c, 150, world.member.id)
    visible = 150 - len(range(0, 150, 11))  # every eleventh is hidden: the public never sees it
    api = tenant_client(world.tenant)
    url = f"/api/v1/hearings/consultations/{c['id']}/comments"

    first = api.get(url)
    assert first.status_code == 200 and len(first.json) == 100
    assert json.loads(first.headers["X-Pagination"])["total"] == visible
    second = api.get(url, query_string={"page": 2})
    assert len(second.json) == visible - 100
    assert {x["id"] for x in first.json}.isdisjoint({x["id"] for x in second.json})
    assert all(x["status"] != "hidden" for x in first.json + second.json)
    too_big = api.get(url, query_string={"page_size": 501})
    assert too_big.status_code == 422 and too_big.mimetype == "application/problem+json"
