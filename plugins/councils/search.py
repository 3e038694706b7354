"""The councils' answer to the municipality's search (hook ``sympraxis_search``): councils by
name and remit, published calls, opinions, and meetings with published minutes; ranked and
highlighted by the toolkit's ``TextQuery`` (PostgreSQL full-text search; a plain match on SQLite).

Remits, criteria, opinions and minutes are Markdown: the snippet shows their text, not the marks.
What a reader may not see is not found (draft calls, unpublished minutes).
"""

import re

import sqlalchemy as sa

from core.toolkit import SearchHit, TextQuery, db, url_for
from core.toolkit import gettext as _
from plugins.councils.models import Call, CallStatus, Council, Meeting, Opinion

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARK = re.compile(r"(^|\n)\s*(?:#{1,6}|>|[-*+]|\d+\.)\s+")
_INLINE = re.compile(r"[*`~]+|(?<!\w)_+|_+(?!\w)")


def plain(markdown_text: str) -> str:
    """Markdown's text without its marks: links keep their words, headings and list bullets go."""
    text = _LINK.sub(r"\1", markdown_text or "")
    text = _LINE_MARK.sub(r"\1", text)
    return _INLINE.sub("", text)


def _ranked(q: TextQuery, stmt: sa.Select, document, limit: int) -> list[sa.Row]:
    rank = q.rank(document).label("rank")
    return list(
        db.session.execute(
            stmt.add_columns(rank).where(q.matches(document)).order_by(rank.desc()).limit(limit)
        )
    )


def search(query: str, limit: int) -> list[SearchHit]:
    q = TextQuery(query)
    if not q.words:
        return []
    hits: list[SearchHit] = []

    def add(title, url, headline, rank, kind):
        hits.append(
            SearchHit(title=title, url=url, snippet=q.snippet(plain(headline)), rank=float(rank), kind=kind)
        )

    document = q.document(Council.name, Council.remit)
    for c, headline, rank in _ranked(q, sa.select(Council, q.headline(Council.remit)), document, limit):
        add(c.name, url_for("councils.council", council_id=c.id), headline, rank, _("Council"))

    document = q.document(Call.title, Call.criteria)
    stmt = sa.select(Call, q.headline(Call.criteria)).where(Call.status != CallStatus.DRAFT)
    for c, headline, rank in _ranked(q, stmt, document, limit):
        add(c.title, url_for("councils.call", call_id=c.id), headline, rank, _("Call for nominations"))

    document = q.document(Opinion.title, Opinion.text)
    for o, headline, rank in _ranked(q, sa.select(Opinion, q.headline(Opinion.text)), document, limit):
        add(o.title, url_for("councils.opinion", opinion_id=o.id), headline, rank, _("Opinion"))

    document = q.document(Meeting.title, Meeting.minutes)
    stmt = sa.select(Meeting, q.headline(Meeting.minutes)).where(Meeting.minutes_published_at.is_not(None))
    for m, headline, rank in _ranked(q, stmt, document, limit):
        add(m.title, url_for("councils.meeting", meeting_id=m.id), headline, rank, _("Minutes"))

    hits.sort(key=lambda h: -h.rank)
    return hits[:limit]
