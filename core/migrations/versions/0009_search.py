"""core: full-text search configurations (unaccent; the stemmers of el, ro, en; simple for bg)

Revision ID: core_search
Revises: core_privacy
Create Date: 2026-12-01 16:00:00

Issue 16 §4: ``core.search.TextQuery`` matches documents as ``sympraxis_simple`` vectors (lower
case, accents removed) against the stems of the query in the municipality's language, as
prefixes. ``unaccent`` is a trusted extension (PostgreSQL 13+): the database's owner, who runs
the migrations, may create it. Nothing on SQLite (the demo's search folds text in Python).
"""

from alembic import op

revision = "core_search"
down_revision = "core_privacy"
branch_labels = None
depends_on = None

#: configuration -> the stemmer (dictionary) after unaccent, for the word token types
CONFIGS = {
    "sympraxis_simple": ("simple", "simple"),
    "sympraxis_greek": ("greek", "greek_stem"),
    "sympraxis_romanian": ("romanian", "romanian_stem"),
    "sympraxis_english": ("english", "english_stem"),
}
TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, (parent, dictionary) in CONFIGS.items():
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{parent})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {TOKENS} WITH unaccent, {dictionary}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in CONFIGS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    # the extension stays: another schema object may use it, and dropping it gains nothing
