"""The council page, the meetings list and the opinions register use a number of SQL queries that
does not grow with the council's history (members, meetings, agenda items, votes, opinions)."""

import contextlib
import datetime as dt

import sqlalchemy as sa

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import API, make_council


@contextlib.contextmanager
def counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def _grow(app, tenant, council_id, n):
    """``n`` more members (past terms), meetings with two voted items, and opinions."""
    with app.app_context(), tenant_context(tenant.id):
        council = services.get_council(council_id)
        for i in range(n):
            start = dt.date(2010 + i, 1, 1)
            services.add_member(
                council,
                name=f"Past member {i}",
                category="ngo",
                term_start=start,
                term_end=start + dt.timedelta(days=300),
            )
        sitting = services.composition(council)
        for i in range(n):
            meeting = services.save_meeting(
                council,
                None,
                title=f"Session {i}",
                starts_at=utcnow_aware() - dt.timedelta(hours=i + 1),
                items=["A", "B"],
            )
            services.record_attendance(meeting, {m.id for m in sitting}, by=None)
            for item in services.agenda(meeting):
                for m in sitting:
                    services.cast_vote(item, m, "for", by=None)
            services.issue_opinion(
                council, title=f"Opinion {i}", text="t", item_id=services.agenda(meeting)[0].id
            )
        db.session.commit()
        db.session.remove()


def test_query_counts_do_not_grow_with_the_history(app, town, tenant_client):
    ids = make_council(
        app,
        town,
        seats={"ngo": (40, 0)},
        quorum_rule="number",
        quorum_number=2,
        members=[(f"Sitting {i}", "ngo", "member", None) for i in range(3)],
    )
    client = tenant_client(town)
    paths = [
        f"/councils/{ids['council']}",
        f"{API}/councils/{ids['council']}/meetings",
        "/councils/opinions",
        f"{API}/opinions",
    ]

    def counts():
        found = {}
        for path in paths:
            with counting(app) as statements:
                assert client.get(path).status_code == 200
            found[path] = len(statements)
        return found

    _grow(app, town, ids["council"], 2)
    counts()  # the first requests warm the platform's caches
    small = counts()
    _grow(app, town, ids["council"], 6)
    assert counts() == small
