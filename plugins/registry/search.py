"""The registry's answer to the municipality's search (hook ``sympraxis_search``): verified
entries only (what the public directory shows), ranked and highlighted by the toolkit's
``TextQuery`` (PostgreSQL full-text search in the municipality's language; a plain folded match
on SQLite). Descriptions are plain text shown with line breaks; the snippet is escaped."""

from __future__ import annotations

import sqlalchemy as sa

from core.toolkit import SearchHit, TextQuery, db, url_for
from core.toolkit import gettext as _
from plugins.registry import taxonomy
from plugins.registry.models import Entry


def search(query: str, limit: int) -> list[SearchHit]:
    q = TextQuery(query)
    if not q.words:
        return []
    document = q.document(Entry.name, Entry.description, Entry.services_offered, Entry.address, Entry.area)
    text = (
        sa.func.coalesce(Entry.description, "")
        .op("||")(" ")
        .op("||")(sa.func.coalesce(Entry.services_offered, ""))
    )
    rank = q.rank(document).label("rank")
    rows = db.session.execute(
        sa.select(Entry, q.headline(text), rank)
        .where(Entry.verified_at.is_not(None), q.matches(document))
        .order_by(rank.desc(), Entry.name)
        .limit(limit)
    )
    hits = []
    for entry, headline, score in rows:
        snippet = q.snippet(headline if (headline or "").strip() else entry.address)
        hits.append(
            SearchHit(
                title=entry.name,
                url=url_for("registry.entry", entry_id=entry.id),
                snippet=snippet,
                rank=float(score),
                kind=str(taxonomy.KINDS.get(entry.kind, _("Social economy"))),
            )
        )
    return hits
