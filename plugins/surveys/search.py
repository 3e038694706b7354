"""The surveys' answer to the municipality's search (hook ``sympraxis_search``): surveys by their
title and introduction, ranked and highlighted by the toolkit's ``TextQuery`` (PostgreSQL
full-text search; a plain match on SQLite). Drafts are found by staff only."""

from __future__ import annotations

import sqlalchemy as sa

from core.toolkit import SearchHit, TextQuery, db, has_permission, url_for
from core.toolkit import gettext as _
from plugins.surveys.models import Survey

MANAGE = "surveys.manage"


def search(query: str, limit: int) -> list[SearchHit]:
    q = TextQuery(query)
    if not q.words:
        return []
    document = q.document(Survey.title, Survey.introduction)
    rank = q.rank(document).label("rank")
    stmt = sa.select(Survey, q.headline(Survey.introduction), rank).where(q.matches(document))
    if not has_permission(MANAGE):
        stmt = stmt.where(Survey.published.is_(True))
    rows = db.session.execute(stmt.order_by(rank.desc(), Survey.closes_at.desc()).limit(limit))
    return [
        SearchHit(
            title=s.title,
            url=url_for("surveys.survey", survey_id=s.id),
            snippet=q.snippet(headline),
            rank=float(r),
            kind=_("Survey"),
        )
        for s, headline, r in rows
    ]
