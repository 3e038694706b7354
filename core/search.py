"""Full-text search for plugins: one way to match, rank and highlight, in the municipality's language.

On PostgreSQL a document is the ``sympraxis_simple`` vector of its text (lower-cased, accents
removed by ``unaccent``: «σχεδιο», «ΣΧΕΔΙΟ» and «σχέδιο» are one word), and a query is the stems
of its words in the municipality's language (``sympraxis_greek``, ``sympraxis_romanian``,
``sympraxis_english``; Bulgarian has no PostgreSQL stemmer, so its words are taken whole), each
matched as a prefix: «σχέδια» finds «σχέδιο», «proiectele» finds «proiect», «проекти» finds
«проектите». The configurations are created by the core migration ``core_search``.
``websearch_to_tsquery`` syntax holds: ``"a phrase"``, ``-word``, ``or``.

No GIN index: under row-level security PostgreSQL evaluates a query's non-leakproof operators
(``@@`` is one) only after the policy, so it cannot use an index for them. The search reads the
municipality's own rows through the tenant key (the ORM adds ``tenant_id = …``, a leakproof
equality) and matches each: its cost grows with one municipality's content, never with the
platform's.

On SQLite (the demo) the same calls fall back to a plain match: every word of the query, folded
the same way, must appear in the text; the rank is 0 and the snippet is cut around the first match.

A plugin's ``sympraxis_search`` hook uses it like this::

    q = TextQuery(query)
    doc = q.document(Meeting.title, Meeting.description)
    rows = db.session.execute(
        sa.select(Meeting, q.rank(doc).label("rank"), q.headline(Meeting.description).label("hl"))
        .where(q.matches(doc)).order_by(sa.desc("rank")).limit(limit)
    )
    hits = [SearchHit(m.title, url, snippet=q.snippet(hl, m.description), rank=r) for m, r, hl in rows]
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql

from core.extensions import db

#: The text search configuration for each language (created by the migration ``core_search``).
LANGUAGE_CONFIGS = {
    "el": "sympraxis_greek",
    "ro": "sympraxis_romanian",
    "en": "sympraxis_english",
    "bg": "sympraxis_simple",  # PostgreSQL has no Bulgarian stemmer: whole words, as prefixes
}
SIMPLE = "sympraxis_simple"
#: Marks around a match inside ts_headline's answer: characters no text contains (private use),
#: so the text can be escaped first and the marks turned into <mark> after.
_START, _STOP = "\ue000", "\ue001"
_HEADLINE_OPTIONS = f'StartSel="{_START}", StopSel="{_STOP}", MaxFragments=2, MaxWords=24, MinWords=8, FragmentDelimiter=" … "'
_LEXEME = re.compile(r"'((?:[^']|'')+)'")


def fold(text: str) -> str:
    """Lower-case without accents (the SQLite fallback's match and the snippet's)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _sqlite_fold(value: Any) -> str | None:
    return None if value is None else fold(str(value))


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """``sympraxis_fold(text)`` on an SQLite connection (called by the app's connect listener)."""
    dbapi_connection.create_function("sympraxis_fold", 1, _sqlite_fold, deterministic=True)


def _config(name: str) -> Any:
    """A configuration as a constant of the statement (ours, never the user's), so the planner
    folds the query's tsquery once rather than per row."""
    assert name in LANGUAGE_CONFIGS.values(), name
    return sa.literal_column(f"'{name}'::regconfig", type_=postgresql.REGCONFIG)


def search_config(locale: str | None) -> str:
    return LANGUAGE_CONFIGS.get((locale or "").split("_")[0], SIMPLE)


class TextQuery:
    """A person's search words, ready to match documents of the current municipality.

    ``locale``: the language whose stems are used (by default the municipality's default language,
    the language its content is written in)."""

    def __init__(self, text: str, locale: str | None = None) -> None:
        self.text = (text or "").strip()
        if locale is None:
            from core.tenancy import current_tenant

            tenant = current_tenant()
            locale = tenant.default_locale if tenant is not None else None
        self.config = search_config(locale)
        self.dialect = db.session.get_bind().dialect.name
        self.words = [w for w in (fold(part) for part in re.findall(r"\w+", self.text)) if w]

    # --- the statement's parts ---------------------------------------------------------------

    def document(self, *columns: Any) -> Any:
        """The searchable text of several columns (None counts as empty)."""
        parts = [sa.func.coalesce(c, "") for c in columns]
        text = parts[0]
        for part in parts[1:]:
            text = text.op("||")(" ").op("||")(part)
        if self.dialect != "postgresql":
            return text
        return sa.func.to_tsvector(_config(SIMPLE), text)

    def _tsquery(self) -> Any:
        stems = sa.cast(
            sa.func.websearch_to_tsquery(_config(self.config), self.text),
            sa.Text,
        )
        whole = sa.cast(
            sa.func.websearch_to_tsquery(_config(SIMPLE), self.text),
            sa.Text,
        )
        # only stop words in the language (e.g. «το»): the words themselves, unstemmed
        text = sa.func.coalesce(sa.func.nullif(stems, ""), whole)
        prefixed = sa.func.regexp_replace(text, _LEXEME.pattern, r"'\1':*", "g")
        return sa.cast(prefixed, postgresql.TSQUERY)

    def matches(self, document: Any) -> Any:
        if not self.words:
            return sa.false()
        if self.dialect == "postgresql":
            return document.op("@@")(self._tsquery())
        folded = sa.func.sympraxis_fold(document)
        return sa.and_(*(folded.contains(word, autoescape=True) for word in self.words))

    def rank(self, document: Any) -> Any:
        if self.dialect != "postgresql" or not self.words:
            return sa.literal(0.0)
        return sa.func.ts_rank_cd(document, self._tsquery())

    def headline(self, column: Any) -> Any:
        """The column's text cut around the matches, the matches marked (see :meth:`snippet`)."""
        if self.dialect != "postgresql" or not self.words:
            return sa.func.coalesce(column, "")
        return sa.func.ts_headline(
            _config(SIMPLE),
            sa.func.coalesce(column, ""),
            self._tsquery(),
            _HEADLINE_OPTIONS,
        )

    # --- in Python ------------------------------------------------------------------------------

    def snippet(self, headline: str | None, limit: int = 240) -> Markup:
        """Safe HTML of a :meth:`headline` answer: the text escaped, each match in ``<mark>``.

        On SQLite (no ts_headline) the text is cut around the first word found and the words are
        marked here."""
        text = (headline or "").replace("**", "").replace("__", "")  # Markdown's emphasis marks
        if _START not in text and self.words:
            text = mark_words(text, self.words, limit)
        elif len(text) > limit + 40:
            text = text[:limit].rsplit(" ", 1)[0] + " …"
        return escape(text).replace(_START, Markup("<mark>")).replace(_STOP, Markup("</mark>"))


def mark_words(text: str, words: list[str], limit: int = 240) -> str:
    """``text`` cut to about ``limit`` characters around the first of the (folded) ``words`` found,
    each occurrence between the match marks: the SQLite fallback's headline."""
    folded = fold(text)
    if len(folded) != len(text):  # a character that folds to several: mark nothing, cut plainly
        return text[:limit] + (" …" if len(text) > limit else "")
    first = min((i for i in (folded.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - limit // 3)
    if start:
        start = text.rfind(" ", 0, start) + 1
    end = min(len(text), start + limit)
    pieces, i = [], start
    spans = sorted((m.start(), m.end()) for w in words for m in re.finditer(re.escape(w), folded[start:end]))
    for s, e in spans:
        s, e = s + start, e + start
        if s < i:
            continue
        pieces += [text[i:s], _START, text[s:e], _STOP]
        i = e
    pieces.append(text[i:end])
    return ("… " if start else "") + "".join(pieces) + (" …" if end < len(text) else "")
