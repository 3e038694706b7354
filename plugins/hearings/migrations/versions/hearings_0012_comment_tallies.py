"""hearings: per-article comment tallies kept by triggers (issue 16 §6)

The consultation page counted and ranked every comment of the consultation on each request (two
statements that read all 5,000 rows of a busy one). ``hearings_comment_tallies`` keeps, per
article (and per consultation for comments on the whole draft), what the public sees: the
published comments, the threads shown and the first of them. PostgreSQL keeps it, for every
write whoever makes it (the app, a job, an erasure, a migration), by statement-level triggers on
``hearings_comments`` that recount the touched articles from their rows (an index on the article
makes that the article's rows only). A writer locks the tally rows it recounts before counting,
and each statement of the function takes a new snapshot (READ COMMITTED), so two comments posted
at once on one article are both counted. SQLite (the demo) gets the table and no trigger: the
plugin counts there instead.

Revision ID: hearings_comment_tallies
Revises: hearings_on_behalf
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "hearings_comment_tallies"
down_revision = "hearings_on_behalf"
branch_labels = None
depends_on = None

#: the threads the public sees: first comments, published, not withdrawn unless a published reply
#: hangs on them (the consultation page's ``_thread_clause`` for a reader without an account)
PUBLIC_THREAD = """m.parent_id IS NULL AND m.hidden_at IS NULL AND (m.withdrawn_at IS NULL OR EXISTS (
      SELECT 1 FROM hearings_comments r
      WHERE r.tenant_id = m.tenant_id AND r.parent_id = m.id AND r.hidden_at IS NULL))"""

RECOUNT = f"""
CREATE OR REPLACE FUNCTION hearings_comment_tallies_recount(t bigint[], c uuid[], a uuid[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  one record;
BEGIN
  -- a row per key (the consultation may be going: its comments are deleted by its cascade)
  INSERT INTO hearings_comment_tallies
    (tenant_id, id, consultation_id, article_id, article_key, threads, comments)
  SELECT k.t, gen_random_uuid(), k.c, k.a, COALESCE(k.a, k.c), 0, 0
  FROM (SELECT DISTINCT u.t, u.c, u.a FROM unnest(t, c, a) AS u(t, c, a)) k
  WHERE EXISTS (SELECT 1 FROM hearings_consultations x WHERE x.tenant_id = k.t AND x.id = k.c)
  ON CONFLICT (tenant_id, consultation_id, article_key) DO NOTHING;
  -- locked in one order, so that concurrent writers recount one after the other, each in a
  -- snapshot taken after the lock (the statements below see what the other committed)
  PERFORM 1 FROM hearings_comment_tallies y
  WHERE (y.tenant_id, y.consultation_id, y.article_key) IN (
    SELECT k.t, k.c, COALESCE(k.a, k.c) FROM unnest(t, c, a) AS k(t, c, a))
  ORDER BY y.tenant_id, y.consultation_id, y.article_key
  FOR UPDATE;
  FOR one IN SELECT DISTINCT u.t, u.c, u.a FROM unnest(t, c, a) AS u(t, c, a) LOOP
    UPDATE hearings_comment_tallies y SET
      comments = s.comments, threads = s.threads, first_thread_id = s.first_id, first_thread_at = s.first_at
    FROM (
      SELECT
        count(*) FILTER (WHERE m.hidden_at IS NULL AND m.withdrawn_at IS NULL) AS comments,
        count(*) FILTER (WHERE {PUBLIC_THREAD}) AS threads,
        (array_agg(m.id ORDER BY m.created_at, m.id) FILTER (WHERE {PUBLIC_THREAD}))[1] AS first_id,
        min(m.created_at) FILTER (WHERE {PUBLIC_THREAD}) AS first_at
      FROM hearings_comments m
      WHERE m.tenant_id = one.t AND m.consultation_id = one.c
        AND (m.article_id = one.a OR (one.a IS NULL AND m.article_id IS NULL))
    ) s
    WHERE y.tenant_id = one.t AND y.consultation_id = one.c AND y.article_key = COALESCE(one.a, one.c);
  END LOOP;
END $fn$;
"""

#: the keys a statement touched: each changed comment's article, and its thread's (a reply hidden
#: or withdrawn changes whether a withdrawn first comment is still shown)
TOUCHED = """
  SELECT n.tenant_id, n.consultation_id, n.article_id FROM {rows} n
  UNION
  SELECT p.tenant_id, p.consultation_id, p.article_id
  FROM {rows} n JOIN hearings_comments p ON p.tenant_id = n.tenant_id AND p.id = n.parent_id
"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION hearings_comment_tallies_refresh() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  t bigint[]; c uuid[]; a uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.tenant_id), array_agg(k.consultation_id), array_agg(k.article_id) INTO t, c, a
    FROM ({TOUCHED.format(rows="new_rows")}) k;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(k.tenant_id), array_agg(k.consultation_id), array_agg(k.article_id) INTO t, c, a
    FROM ({TOUCHED.format(rows="old_rows")}) k;
  ELSE
    SELECT array_agg(k.tenant_id), array_agg(k.consultation_id), array_agg(k.article_id) INTO t, c, a
    FROM ({TOUCHED.format(rows="new_rows")} UNION {TOUCHED.format(rows="old_rows")}) k;
  END IF;
  IF t IS NOT NULL THEN
    PERFORM hearings_comment_tallies_recount(t, c, a);
  END IF;
  RETURN NULL;
END $fn$;
"""

TRIGGERS = {
    "insert": "AFTER INSERT ON hearings_comments REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON hearings_comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON hearings_comments REFERENCING OLD TABLE AS old_rows",
}


def upgrade() -> None:
    op.create_index(
        "ix_hearings_comments_article",
        "hearings_comments",
        ["tenant_id", "consultation_id", "article_id", "created_at"],
    )
    op.create_index(
        "ix_hearings_comments_parent", "hearings_comments", ["tenant_id", "parent_id", "created_at"]
    )
    create_tenant_table(
        op,
        "hearings_comment_tallies",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=True),
        sa.Column("article_key", sa.Uuid(), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("first_thread_id", sa.Uuid(), nullable=True),
        sa.Column("first_thread_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "consultation_id",
            "article_key",
            name=op.f("uq_hearings_comment_tallies_tenant_id_consultation_id_article_key"),
        ),
        references={"consultation_id": ("hearings_consultations", "CASCADE")},
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(sa.text(RECOUNT))
    bind.execute(sa.text(REFRESH))
    for event, when in TRIGGERS.items():
        bind.execute(
            sa.text(
                f"CREATE TRIGGER hearings_comment_tallies_{event} {when} "
                "FOR EACH STATEMENT EXECUTE FUNCTION hearings_comment_tallies_refresh()"
            )
        )
    # the comments there are, municipality by municipality (forced row-level security)
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).all():
        bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        bind.execute(
            sa.text(
                "SELECT hearings_comment_tallies_recount(array_agg(tenant_id), array_agg(consultation_id), "
                "array_agg(article_id)) FROM (SELECT DISTINCT tenant_id, consultation_id, article_id "
                "FROM hearings_comments) k HAVING count(*) > 0"
            )
        )
    bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for event in TRIGGERS:
            bind.execute(
                sa.text(f"DROP TRIGGER IF EXISTS hearings_comment_tallies_{event} ON hearings_comments")
            )
        bind.execute(sa.text("DROP FUNCTION IF EXISTS hearings_comment_tallies_refresh()"))
        bind.execute(
            sa.text("DROP FUNCTION IF EXISTS hearings_comment_tallies_recount(bigint[], uuid[], uuid[])")
        )
    drop_tenant_table(op, "hearings_comment_tallies")
    op.drop_index("ix_hearings_comments_parent", "hearings_comments")
    op.drop_index("ix_hearings_comments_article", "hearings_comments")
