"""The consultation page shows a first page of threads per article; the next pages are page URLs
(no JavaScript needed) and an API list per article; the page's cost does not grow with the number
of comments (issue 16 §6)."""

from __future__ import annotations

import datetime as dt
import json
import re

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.comments.services import PREVIEW_REPLIES, PREVIEW_THREADS, THREADS_PER_PAGE
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation
from tests.plugins.hearings.test_queries import counting

N = THREADS_PER_PAGE
P = PREVIEW_THREADS


def _thread(app, tenant, c, article, n_threads: int, replies: int = 1, start: int = 0, **extra) -> list:
    """``n_threads`` first comments on ``article`` (index in the draft; None: the whole draft),
    each with ``replies`` replies; bodies «Thread <i>» and «Reply <i>.<j>»."""
    ids = []
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow() - dt.timedelta(hours=3)
        article_id = c["articles"][article] if article is not None else None
        for i in range(start, start + n_threads):
            top = Comment(
                consultation_id=c["id"],
                article_id=article_id,
                author_name=f"Person {i}",
                body=f"Thread {i}",
                created_at=now + dt.timedelta(seconds=10 * i),
                **extra,
            )
            db.session.add(top)
            db.session.flush()
            ids.append(top.id)
            for j in range(replies):
                db.session.add(
                    Comment(
                        consultation_id=c["id"],
                        article_id=article_id,
                        parent_id=top.id,
                        author_name=f"Replier {i}.{j}",
                        body=f"Reply {i}.{j}",
                        created_at=now + dt.timedelta(seconds=10 * i + j + 1),
                    )
                )
        db.session.commit()
        db.session.remove()
    return ids


def _bodies(html: str, word: str = "Thread") -> list[str]:
    return re.findall(rf"{word} [\d.]+(?=<)", html)


def test_same_queries_at_5_and_60_comments(app, world, tenant_client):
    small = make_consultation(app, world.tenant, title="Small")
    large = make_consultation(app, world.tenant, title="Large")
    _thread(app, world.tenant, small, 0, 3, replies=0)
    _thread(app, world.tenant, small, 1, 1, replies=1)  # 5 comments
    _thread(app, world.tenant, large, 0, 20, replies=1)
    _thread(app, world.tenant, large, 1, 10, replies=2)  # 60 comments
    client = tenant_client(world.tenant)
    counts = {}
    for name, c in (("small", small), ("large", large)):
        path = f"/hearings/consultations/{c['id']}"
        client.get(path)
        with counting(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts[name] = len(statements)
        if name == "large":
            html = response.get_data(as_text=True)
            assert len(_bodies(html)) == 2 * P  # a first page per article, not all 30 threads
            assert len(_bodies(html, "Reply")) <= 2 * P * PREVIEW_REPLIES
            assert "Thread 19<" not in html
    assert counts["small"] == counts["large"], counts


def test_first_page_per_article_then_page_urls(app, world, tenant_client):
    c = make_consultation(app, world.tenant)
    _thread(app, world.tenant, c, 0, 2 * N + 2, replies=3)
    _thread(app, world.tenant, c, 1, P, replies=0, start=100)
    client = tenant_client(world.tenant)
    html = client.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    first = c["articles"][0]
    assert _bodies(html) == [f"Thread {i}" for i in range(P)] + [f"Thread {100 + i}" for i in range(P)]
    # the previewed threads show their first replies, and say how many more there are
    assert _bodies(html, "Reply") == [f"Reply {i}.{j}" for i in range(P) for j in range(PREVIEW_REPLIES)]
    assert (f"{3 - PREVIEW_REPLIES} more replies" if PREVIEW_REPLIES else "3 replies<") in html
    assert f"{(2 * N + 2) * 4} comments on this article" in html  # the count is of all of them
    more = f"/hearings/consultations/{c['id']}/articles/{first}/comments"
    assert f'href="{more}"' in html
    assert html.count("More comments") == 1  # the second article is shown whole

    page1 = client.get(more).get_data(as_text=True)
    assert _bodies(page1) == [f"Thread {i}" for i in range(N)]
    assert _bodies(page1, "Reply")[:3] == ["Reply 0.0", "Reply 0.1", "Reply 0.2"]  # every reply
    page2 = client.get(more + "?page=2").get_data(as_text=True)
    assert _bodies(page2) == [f"Thread {i}" for i in range(N, 2 * N)]
    page3 = client.get(more + "?page=3").get_data(as_text=True)
    assert _bodies(page3) == [f"Thread {2 * N}", f"Thread {2 * N + 1}"]
    assert "page=4" not in page3
    assert client.get(more + "?page=4").status_code == 404
    assert client.get(more + "?page=abc").status_code == 200  # the first page
    assert client.get(more + "?page=99999999999999999999").status_code == 404


def test_a_comment_link_opens_the_page_that_shows_it(app, world, tenant_client):
    c = make_consultation(app, world.tenant)
    ids = _thread(app, world.tenant, c, 0, N + 1, replies=0)
    general = _thread(app, world.tenant, c, None, N + 1, replies=0, start=50)
    client = tenant_client(world.tenant)
    base = f"/hearings/consultations/{c['id']}"
    first = client.get(f"{base}/comments/{ids[0]}")
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"{base}#comment-{ids[0]}")  # in the preview
    second = client.get(f"{base}/comments/{ids[P]}")
    assert second.headers["Location"].endswith(
        f"/articles/{c['articles'][0]}/comments?page=1#comment-{ids[P]}"
    )
    last = client.get(f"{base}/comments/{ids[-1]}")
    assert last.headers["Location"].endswith(
        f"/articles/{c['articles'][0]}/comments?page=2#comment-{ids[-1]}"
    )
    assert f"Thread {N}<" in client.get(last.headers["Location"]).get_data(as_text=True)
    late = client.get(f"{base}/comments/{general[-1]}")
    assert late.headers["Location"].endswith(f"/general-comments?page=2#comment-{general[-1]}")
    assert f"Thread {50 + N}<" in client.get(late.headers["Location"]).get_data(as_text=True)


def test_hidden_comments_stay_hidden_on_every_page_and_link(app, world, tenant_client):
    c = make_consultation(app, world.tenant)
    (hidden,) = _thread(
        app, world.tenant, c, 0, 1, replies=0, hidden_at=utcnow(), hidden_reason="spam", start=7
    )
    client = tenant_client(world.tenant)
    assert "Thread 7<" not in client.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert client.get(f"/hearings/consultations/{c['id']}/comments/{hidden}").status_code == 404
    api = client.get(
        f"/api/v1/hearings/consultations/{c['id']}/threads", query_string={"article_id": c["articles"][0]}
    )
    assert api.status_code == 200 and api.json == []


def test_api_threads_per_article_a_page_at_a_time(app, world, tenant_client):
    c = make_consultation(app, world.tenant)
    _thread(app, world.tenant, c, 0, N + 2, replies=2)
    _thread(app, world.tenant, c, None, 1, replies=0, start=90)
    client = tenant_client(world.tenant)
    url = f"/api/v1/hearings/consultations/{c['id']}/threads"
    first = client.get(url, query_string={"article_id": c["articles"][0]})
    assert first.status_code == 200
    assert [t["body"] for t in first.json] == [f"Thread {i}" for i in range(N)]
    assert [r["body"] for r in first.json[0]["replies"]] == ["Reply 0.0", "Reply 0.1"]
    assert first.json[0]["register_number"] >= 1
    assert json.loads(first.headers["X-Pagination"])["total"] == N + 2
    second = client.get(url, query_string={"article_id": c["articles"][0], "page": 2})
    assert [t["body"] for t in second.json] == [f"Thread {N}", f"Thread {N + 1}"]
    whole = client.get(url)
    assert [t["body"] for t in whole.json] == ["Thread 90"]
    unknown = client.get(url, query_string={"article_id": "018f0000-0000-7000-8000-000000000000"})
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    bad = client.get(url, query_string={"article_id": "not-a-uuid"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    too_big = client.get(url, query_string={"page_size": 101})
    assert too_big.status_code == 422


def test_the_list_and_the_home_page_do_not_grow_with_comments(app, world, tenant_client):
    """The consultations list counts comments in one grouped query, not per consultation or per
    comment; the municipality home page neither."""
    few = make_consultation(app, world.tenant, title="Few")
    many = make_consultation(app, world.tenant, title="Many")
    _thread(app, world.tenant, few, 0, 5, replies=0)
    client = tenant_client(world.tenant)
    before = {}
    for path in ("/hearings/", "/"):
        client.get(path)
        with counting(app) as statements:
            assert client.get(path).status_code == 200
        before[path] = len(statements)
    _thread(app, world.tenant, many, 0, 30, replies=1, start=10)
    for path in ("/hearings/", "/"):
        client.get(path)
        with counting(app) as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == before[path], (path, before[path], len(statements))
    assert "60 comments" in client.get("/hearings/").get_data(as_text=True)
