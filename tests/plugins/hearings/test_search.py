"""Issue 16 §4: search that finds things, in the municipality's language, on PostgreSQL.

Accents and case do not matter («σχεδιο», «ΣΧΕΔΙΟ», «σχέδιο»), inflected forms find each other
(stems in Greek and Romanian, whole-word prefixes in Bulgarian), what a reader may not see is not
found, matches are highlighted (and the text escaped), results are ranked and paginated.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.comments.services import post_comment
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation, make_meeting


def _titles(client, q: str, **args) -> list[str]:
    page = client.get("/search", query_string={"q": q, **args})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    if 'class="search-results"' not in html:
        return []
    results = html.split('class="search-results"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<a href="[^"]*">(.*?)</a>', results)]


def _comment(app, tenant, cid, body: str, account) -> None:
    with app.app_context(), tenant_context(tenant.id):
        from core.accounts.models import Account
        from plugins.hearings.consultations.services import get_consultation

        post_comment(get_consultation(cid), db.session.get(Account, account.id), body=body)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def greek(tenant_factory):
    return tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], country="GR")


def test_greek_words_match_whatever_their_accents_case_and_ending(app, greek, tenant_client):
    make_consultation(app, greek, title="Τοπικό Σχέδιο Δράσης για την Κοινωνική Ένταξη")
    make_consultation(app, greek, title="Αναβάθμιση σχολικών κτιρίων")
    client = tenant_client(greek)
    for query in ("σχεδιο", "ΣΧΕΔΙΟ", "σχέδιο", "Σχέδια", "κοινωνικη ενταξη"):
        titles = _titles(client, query)
        assert "Τοπικό Σχέδιο Δράσης για την Κοινωνική Ένταξη" in titles, query
        assert "Αναβάθμιση σχολικών κτιρίων" not in titles, query
    assert _titles(client, "σχολικα") == ["Αναβάθμιση σχολικών κτιρίων"]
    assert _titles(client, "πισίνα") == []


def test_bulgarian_and_romanian_content_is_found_in_its_own_language(
    app, tenant_factory, tenant_client, account_factory
):
    haskovo = tenant_factory(plugins=["hearings"], locale="bg", locales=["bg", "en"], country="BG")
    sector3 = tenant_factory(plugins=["hearings"], locale="ro", locales=["ro", "en"], country="RO")
    bg = make_consultation(app, haskovo, title="Проект на Наредба за социалните услуги")
    ro = make_consultation(app, sector3, title="Regulamentul bugetării participative")
    person = account_factory(memberships={haskovo: "member", sector3: "member"})
    _comment(app, haskovo, bg["id"], "Предлагам детските градини да работят до 19 часа.", person)
    _comment(app, sector3, ro["id"], "Propun ca acțiunile sociale să fie votate de cetățeni.", person)

    client = tenant_client(haskovo)
    assert "Проект на Наредба за социалните услуги" in _titles(client, "ПРОЕКТ наредба")
    found = _titles(client, "детски градини")
    assert len(found) == 1 and "Проект на Наредба" in found[0]  # the comment, named by its consultation
    client = tenant_client(sector3)
    assert "Regulamentul bugetării participative" in _titles(client, "bugetarii")  # no diacritics
    found = _titles(client, "actiunea sociala cetateni")
    assert len(found) == 1 and "Regulamentul" in found[0]
    # and neither municipality finds the other's
    assert _titles(tenant_client(haskovo), "bugetarii") == []


def test_what_a_reader_may_not_see_is_not_found(app, greek, tenant_client, account_factory, sign_in):
    shown = make_consultation(app, greek, title="Κυκλοφοριακή μελέτη κέντρου")
    make_consultation(app, greek, title="Κυκλοφοριακή μελέτη λιμανιού", status="draft")
    person = account_factory(memberships={greek: "member"})
    _comment(app, greek, shown["id"], "Χρειάζονται ποδηλατόδρομοι στην πλατεία.", person)
    _comment(app, greek, shown["id"], "Ποδηλατόδρομοι ναι, αλλά και πεζόδρομοι.", person)
    with app.app_context(), tenant_context(greek.id):
        hidden = db.session.execute(sa.select(Comment).where(Comment.body.like("Χρειάζονται%"))).scalar_one()
        hidden.hidden_at = hidden.created_at
        db.session.commit()
        db.session.remove()

    public = tenant_client(greek)
    assert _titles(public, "κυκλοφοριακη") == ["Κυκλοφοριακή μελέτη κέντρου"]
    assert len(_titles(public, "ποδηλατοδρομοι")) == 1  # the hidden comment is not found
    assert "πλατεία" not in public.get("/search", query_string={"q": "πλατεια"}).get_data(as_text=True)
    staff = sign_in(tenant_client(greek), account_factory(memberships={greek: "staff"}))
    assert set(_titles(staff, "κυκλοφοριακη")) == {
        "Κυκλοφοριακή μελέτη κέντρου",
        "Κυκλοφοριακή μελέτη λιμανιού",
    }


def test_matches_are_marked_and_the_text_escaped(app, greek, tenant_client, account_factory):
    c = make_consultation(app, greek, title="Πάρκο γειτονιάς")
    person = account_factory(memberships={greek: "member"})
    _comment(app, greek, c["id"], "Παγκάκια: 2 < 3 & <script>alert(1)</script> σκιά.", person)
    html = tenant_client(greek).get("/search", query_string={"q": "παγκακια"}).get_data(as_text=True)
    results = html.split('class="search-results"', 1)[1].split("</ol>", 1)[0]
    assert "<mark>Παγκάκια</mark>" in results
    assert "<script" not in results and "2 &lt; 3 &amp;" in results, results


def test_results_are_ranked_and_paginated(app, greek, tenant_client, account_factory):
    c = make_consultation(app, greek, title="Δημοτικός προϋπολογισμός")
    person = account_factory(memberships={greek: "member"})
    with app.app_context(), tenant_context(greek.id):
        from core.accounts.models import Account
        from plugins.hearings.consultations.services import get_consultation

        consultation, account = get_consultation(c["id"]), db.session.get(Account, person.id)
        now = utcnow()
        for n in range(24):  # 20 an hour per person at most: spread over the last two hours
            post_comment(
                consultation,
                account,
                body=f"Σχόλιο {n}: λιγότερα χρήματα για φωτισμό.",
                now=now - dt.timedelta(minutes=5 * (24 - n)),
            )
        post_comment(consultation, account, body="Φωτισμός, φωτισμός, φωτισμός: ο φωτισμός πρώτα.")
        db.session.commit()
        db.session.remove()
    make_meeting(app, greek, title="Ενημέρωση για τον φωτισμό", description="Ο νέος φωτισμός LED.")
    client = tenant_client(greek)
    first = client.get("/search", query_string={"q": "φωτισμος"}).get_data(as_text=True)
    assert first.count('<li><span class="meta search-kind">') == 20
    assert 'rel="next"' in first and 'rel="prev"' not in first
    # the comment that says it four times comes before those that say it once
    assert first.index("ο <mark>φωτισμός</mark> πρώτα") < first.index("λιγότερα χρήματα")
    second = client.get("/search", query_string={"q": "φωτισμος", "page": 2}).get_data(as_text=True)
    assert second.count('<li><span class="meta search-kind">') == 6  # 25 comments and the meeting
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'start="21"' in second
    for bad in ("0", "11", "x", "99999999999999999999"):
        refused = client.get("/search", query_string={"q": "φωτισμος", "page": bad})
        assert refused.status_code == 400, bad


def test_the_search_reads_one_municipalitys_rows_by_its_key(app, greek, tenant_factory):
    """Row-level security keeps PostgreSQL from using a full-text index (``@@`` is not leakproof),
    so the statement must reach the municipality's rows by the tenant key the ORM adds, never by
    reading every municipality's comments."""
    from core.search import TextQuery

    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "to_tsvector" in statement:
            captured.append((statement, parameters))

    with app.test_request_context(), tenant_context(greek.id):
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            q = TextQuery("φωτισμός", locale="el")
            db.session.execute(sa.select(Comment.id).where(q.matches(q.document(Comment.body)))).all()
            statement, parameters = captured[0]
            connection = db.session.connection().connection.driver_connection
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
            db.session.rollback()
    assert "Seq Scan on hearings_comments" not in plan, plan
    assert "tenant_id" in plan.split("Index", 1)[-1], plan
