"""The hearings' answer to the municipality's search (hook ``sympraxis_search``): consultations,
the articles of their current drafts, comments, meetings and programmes, ranked and highlighted
by the toolkit's ``TextQuery`` (PostgreSQL full-text search; a plain match on SQLite).

What a reader may not see is not found: draft consultations (staff excepted), hidden or withdrawn
comments, unpublished minutes. Each kind is one statement, at most ``limit`` rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.toolkit import SearchHit, TextQuery, db, has_permission, url_for
from core.toolkit import gettext as _
from plugins.hearings.models import Article, Comment, Consultation, Meeting, Programme, Status


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
    public = sa.true() if has_permission("hearings.manage") else Consultation.status != Status.DRAFT.value
    hits: list[SearchHit] = []

    document = q.document(Consultation.title, Consultation.summary, Consultation.tags)
    for c, headline, rank in _ranked(
        q, sa.select(Consultation, q.headline(Consultation.summary)).where(public), document, limit
    ):
        hits.append(
            SearchHit(
                title=c.title,
                url=url_for("hearings.consultation", cid=c.id),
                snippet=q.snippet(headline),
                rank=float(rank),
                kind=_("Consultation"),
            )
        )

    document = q.document(Article.title, Article.body)
    stmt = (
        sa.select(Article, Consultation.title, q.headline(Article.body))
        .join(
            Consultation,
            sa.and_(Consultation.tenant_id == Article.tenant_id, Consultation.id == Article.consultation_id),
        )
        .where(public, Article.version == Consultation.version)
    )
    for a, consultation_title, headline, rank in _ranked(q, stmt, document, limit):
        hits.append(
            SearchHit(
                title=f"{a.number}. {a.title} · {consultation_title}",
                url=url_for("hearings.consultation", cid=a.consultation_id, _anchor=f"article-{a.id}"),
                snippet=q.snippet(headline),
                rank=float(rank),
                kind=_("Article"),
            )
        )

    document = q.document(Comment.body)
    stmt = (
        sa.select(Comment, Consultation.title, q.headline(Comment.body))
        .join(
            Consultation,
            sa.and_(Consultation.tenant_id == Comment.tenant_id, Consultation.id == Comment.consultation_id),
        )
        .where(public, Comment.hidden_at.is_(None), Comment.withdrawn_at.is_(None))
    )
    for cm, consultation_title, headline, rank in _ranked(q, stmt, document, limit):
        hits.append(
            SearchHit(
                title=_(
                    "%(author)s on “%(consultation)s”", author=cm.author_name, consultation=consultation_title
                ),
                url=url_for("hearings.comment_link", cid=cm.consultation_id, cmid=cm.id),
                snippet=q.snippet(headline),
                rank=float(rank),
                kind=_("Comment"),
            )
        )

    minutes = sa.case((Meeting.minutes_published_at.is_not(None), Meeting.minutes), else_="")
    document = q.document(Meeting.title, Meeting.description, Meeting.place, Meeting.agenda, minutes)
    stmt = sa.select(Meeting, q.headline(Meeting.description.op("||")(" ").op("||")(Meeting.agenda)))
    for m, headline, rank in _ranked(q, stmt, document, limit):
        hits.append(
            SearchHit(
                title=m.title,
                url=url_for("hearings.meeting", mid=m.id),
                snippet=q.snippet(headline),
                rank=float(rank),
                kind=_("Meeting"),
            )
        )

    document = q.document(Programme.title, Programme.description)
    for p, headline, rank in _ranked(
        q, sa.select(Programme, q.headline(Programme.description)), document, limit
    ):
        hits.append(
            SearchHit(
                title=p.title,
                url=url_for("hearings.programme", pid=p.id),
                snippet=q.snippet(headline),
                rank=float(rank),
                kind=_("Programme"),
            )
        )
    hits.sort(key=lambda h: -h.rank)
    return hits[:limit]
