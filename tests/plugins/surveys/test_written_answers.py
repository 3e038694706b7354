"""Every written answer of a question, not only the first the results page lists: a page per
question, 50 a page in the order they came, where staff publish or hide each one and the public
reads the published ones; the same through the API; one statement per page on PostgreSQL, the
same answers as the Python reading (the demo's SQLite)."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from core.toolkit import db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Kind, Response
from tests.plugins.surveys.conftest import bearer, make_survey

QUESTIONS = [
    (Kind.SHORT_TEXT, "An idea?", {}),
    (Kind.SINGLE, "Where do you live?", {"options": ["Centre", "Village"], "allow_other": True}),
    (Kind.RATING5, "How satisfied are you?", {}),
]


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _answer(app, town, ids, n: int, start: int = 0) -> list[str]:
    """``n`` responses, one a second, "Idea <i>" each (every third lives "Up the hill <i>")."""
    idea, place, rating = (str(i) for i in ids["questions"])
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with app.app_context(), tenant_context(town.id):
        rows = [
            Response(
                survey_id=ids["survey"],
                answers={
                    idea: f"Idea {i}",
                    place: f"Up the hill {i}" if i % 3 == 0 else "Centre",
                    rating: 4,
                },
                submitted_at=base + dt.timedelta(seconds=i),
            )
            for i in range(start, start + n)
        ]
        db.session.add_all(rows)
        db.session.commit()
        made = [str(r.id) for r in rows]
        db.session.remove()
    return made


@pytest.fixture
def world(app, town, account_factory):
    ids = make_survey(app, town, questions=QUESTIONS, results_public=True)
    responses = _answer(app, town, ids, 250)
    return {
        "ids": ids,
        "responses": responses,
        "url": f"/surveys/{ids['survey']}/results/questions/{ids['questions'][0]}/answers",
        "staff": account_factory(memberships={town: "staff"}),
        "member": account_factory(memberships={town: "member"}),
    }


def _staff(tenant_client, sign_in, town, world):
    client = tenant_client(town)
    sign_in(client, world["staff"])
    return client


def test_staff_read_every_written_answer_a_page_at_a_time(world, town, tenant_client, sign_in):
    client = _staff(tenant_client, sign_in, town, world)
    results = client.get(f"/surveys/{world['ids']['survey']}/results?lang=en").get_data(as_text=True)
    assert "All 250 written answers" in results and world["url"] in results  # the short list links on
    first = client.get(world["url"] + "?lang=en").get_data(as_text=True)
    assert "Page 1 of 5" in first and "Idea 0<" in first and "Idea 49<" in first and "Idea 50<" not in first
    last = client.get(world["url"] + "?lang=en&page=5")
    assert last.status_code == 200
    html = last.get_data(as_text=True)
    assert "Page 5 of 5" in html and 'start="201"' in html
    assert "Idea 200<" in html and "Idea 249<" in html and "Idea 199<" not in html
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert html.count("Show in the public results") == 50
    # the "other" of a choice has its page too (every third of 250: 84)
    other = client.get(
        world["url"].replace(str(world["ids"]["questions"][0]), str(world["ids"]["questions"][1]))
    )
    assert "Up the hill 0<" in other.get_data(as_text=True) and "Centre<" not in other.get_data(as_text=True)
    # a rating takes no written answers
    rating = world["url"].replace(str(world["ids"]["questions"][0]), str(world["ids"]["questions"][2]))
    assert client.get(rating).status_code == 404


def test_publishing_answer_230_on_its_page_shows_it_to_the_public(world, town, tenant_client, sign_in):
    client = _staff(tenant_client, sign_in, town, world)
    page = client.get(world["url"] + "?page=5")
    chosen = world["responses"][229]
    sent = client.post(
        world["url"] + "?page=5",
        data={"csrf_token": _csrf(page), "response_id": chosen, "publish": "y"},
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("?page=5#answers")  # back to the same page
    again = client.get(world["url"] + "?page=5&lang=en").get_data(as_text=True)
    assert re.search(r"Idea 229</span>\s*<span class=\"survey-state\">public</span>", again)
    public = tenant_client(town).get(world["url"] + "?lang=en").get_data(as_text=True)
    assert "Idea 229<" in public and "Idea 228<" not in public and "Idea 0<" not in public
    assert "Show in the public results" not in public and "Page 1 of" not in public  # one page: no pages
    assert "1 published written answer" in public
    # the staff's filter: published ones, then those not published (keeping the page number)
    published = client.get(world["url"] + "?show=published&lang=en").get_data(as_text=True)
    assert "Idea 229<" in published and "Idea 0<" not in published
    hidden = client.get(world["url"] + "?show=unpublished&page=5&lang=en").get_data(as_text=True)
    assert (
        "Idea 229<" not in hidden and "Idea 249<" in hidden and "249 written answers not published" in hidden
    )
    # hiding it again, from the filtered page
    page = client.get(world["url"] + "?show=published")
    hid = client.post(
        world["url"] + "?show=published",
        data={"csrf_token": _csrf(page), "response_id": chosen, "publish": ""},
    )
    assert hid.status_code == 302 and "show=published" in hid.headers["Location"]
    assert "Idea 229<" not in tenant_client(town).get(world["url"]).get_data(as_text=True)


def test_the_public_never_sees_an_unpublished_answer(world, town, tenant_client, sign_in, app):
    visitor = tenant_client(town)
    for query in ("", "?show=all", "?show=unpublished", "?view=staff", "?page=1"):
        html = visitor.get(world["url"] + query).get_data(as_text=True)
        assert "Idea " not in html, query
    member = tenant_client(town)
    sign_in(member, world["member"])
    assert "Idea " not in member.get(world["url"]).get_data(as_text=True)
    page = member.get(f"/surveys/{world['ids']['survey']}/answer")
    refused = member.post(
        world["url"], data={"csrf_token": _csrf(page), "response_id": world["responses"][3], "publish": "y"}
    )
    assert refused.status_code == 403
    with app.app_context(), tenant_context(town.id):
        assert not services.published_texts(services.get_survey(world["ids"]["survey"]))
        db.session.remove()
    # results not public: not found, for the public
    closed = make_survey(app, town, questions=QUESTIONS)
    url = f"/surveys/{closed['survey']}/results/questions/{closed['questions'][0]}/answers"
    assert visitor.get(url).status_code == 404
    assert _staff(tenant_client, sign_in, town, world).get(url).status_code == 200


def test_another_municipalitys_survey_and_a_bad_page(world, town, tenant_client, sign_in, tenant_factory):
    other = tenant_factory(plugins=["surveys"])
    assert tenant_client(other).get(world["url"]).status_code == 404
    api = f"/api/v1/surveys/surveys/{world['ids']['survey']}/questions/{world['ids']['questions'][0]}/answers"
    assert tenant_client(other).get(api).status_code == 404
    client = _staff(tenant_client, sign_in, town, world)
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999"):
        refused = client.get(world["url"] + f"?page={bad}")
        assert refused.status_code == 400, bad
    assert client.get(world["url"] + "?show=everything").status_code == 400
    greek = client.get(world["url"] + "?page=abc&lang=el")
    assert greek.status_code == 400 and 'lang="el"' in greek.get_data(as_text=True)
    past = client.get(world["url"] + "?page=9")
    assert past.status_code == 302 and past.headers["Location"].endswith("page=5")  # the last page
    assert client.get(world["url"].replace(str(world["ids"]["questions"][0]), "0" * 32)).status_code == 404


def test_the_api_lists_and_publishes_the_same(world, town, tenant_client, access_token, account_factory):
    ids = world["ids"]
    url = f"/api/v1/surveys/surveys/{ids['survey']}/questions/{ids['questions'][0]}/answers"
    client = tenant_client(town)
    staff = bearer(access_token, world["staff"], town)
    member = bearer(access_token, world["member"], town)
    got = client.get(url + "?page=5", headers=staff)
    assert got.status_code == 200
    body = got.get_json()
    assert [a["position"] for a in body] == list(range(201, 251))
    assert body[-1]["text"] == "Idea 249" and not body[-1]["published"]
    assert '"total": 250' in got.headers["X-Pagination"] and '"total_pages": 5' in got.headers["X-Pagination"]
    assert client.get(url + "?page=9", headers=staff).get_json() == []
    chosen = world["responses"][229]
    assert client.put(f"{url}/{chosen}/published", headers=member).status_code == 403
    assert client.put(f"{url}/{chosen}/published").status_code == 401
    assert client.put(f"{url}/{chosen}/published", headers=staff).status_code == 204
    assert client.put(f"{url}/{chosen}/published", headers=staff).status_code == 204  # again: the same
    assert client.put(f"{url}/{'0' * 32}/published", headers=staff).status_code == 404
    public = client.get(url).get_json()
    assert public == [{"position": 1, "response_id": chosen, "text": "Idea 229", "published": True}]
    assert client.get(url + "?show=unpublished", headers=member).get_json() == public  # the public: published
    staff_view = client.get(url + "?show=unpublished&page=5", headers=staff).get_json()
    assert "Idea 229" not in [a["text"] for a in staff_view] and len(staff_view) == 49
    assert client.delete(f"{url}/{chosen}/published", headers=staff).status_code == 204
    assert client.get(url).get_json() == []
    assert client.get(url + "?page=abc", headers=staff).status_code == 422
    assert client.get(url + "?show=no", headers=staff).status_code == 422
    document = client.get("/api/v1/openapi.json").json
    path = "/api/v1/surveys/surveys/{survey_id}/questions/{question_id}/answers"
    assert "get" in document["paths"][path]
    assert {"put", "delete"} <= set(document["paths"][path + "/{response_id}/published"])


def _statements(app, client, path: str, headers=None) -> int:
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    client.get(path, headers=headers)  # warm the caches the same way for both sizes
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_a_page_takes_the_same_statements_for_few_or_many_answers(
    app, town, world, tenant_client, sign_in, access_token
):
    small = make_survey(app, town, questions=QUESTIONS, results_public=True)
    _answer(app, town, small, 12)
    client = _staff(tenant_client, sign_in, town, world)
    staff = bearer(access_token, world["staff"], town)
    counts = []
    for ids in (small, world["ids"]):
        page = f"/surveys/{ids['survey']}/results/questions/{ids['questions'][0]}/answers"
        api = f"/api/v1/surveys/surveys/{ids['survey']}/questions/{ids['questions'][0]}/answers"
        counts.append(
            (
                _statements(app, client, page),
                _statements(app, tenant_client(town), page),
                _statements(app, tenant_client(town), api, headers=staff),
            )
        )
    assert counts[0] == counts[1], counts


def test_the_database_reads_the_same_pages_as_python(app, town, world):
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(world["ids"]["survey"])
        idea, place = (services.get_question(survey, q) for q in world["ids"]["questions"][:2])
        for i in (5, 6, 229):
            services.publish_text(survey, world["responses"][i], idea.id, publish=True)
        services.publish_text(survey, world["responses"][9], place.id, publish=True)
        plain = lambda listed: (listed[0], [(t.response_id, t.text, t.published) for t in listed[1]])  # noqa: E731
        for question in (idea, place):
            for show in services.SHOW:
                for offset, limit in ((0, 50), (200, 50), (40, 7), (400, 50)):
                    by_sql = services._written_sql(survey, question, show, offset, limit)
                    by_python = services._written_python(survey, question, show, offset, limit)
                    assert plain(by_sql) == plain(by_python), (question.prompt, show, offset)
        assert services.written_answers(survey, idea, public=True).total == 3
        assert services.written_answers(survey, place, public=False).total == 84
        assert services.written_answers(survey, idea, public=False, show="unpublished", page=5).total == 247
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        db.session.remove()
