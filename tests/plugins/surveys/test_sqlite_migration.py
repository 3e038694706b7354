"""The demo runs on SQLite: migrated from scratch, its questions table takes a file question (the
migration that allows them rebuilds the table there, and must leave one CHECK, not two)."""

import sqlalchemy as sa

from core.migrate import upgrade

SQLITE = {"MIGRATIONS_DATABASE_URI": None, "APP_DB_ROLE": None, "SQLALCHEMY_ENGINE_OPTIONS": {}}


def test_a_fresh_sqlite_database_takes_a_file_question(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(make_app(SQLALCHEMY_DATABASE_URI=url, **SQLITE))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            ddl = conn.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'surveys_questions'")
            ).scalar()
            assert ddl.count("CHECK (kind IN") == 1 and "'file'" in ddl
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
            conn.execute(
                sa.text(
                    "INSERT INTO surveys_questions (tenant_id, id, survey_id, position, kind, prompt, help, "
                    "required, options, rows, allow_other, show_if_value) VALUES (1, 'a', 'b', 1, 'file', "
                    "'Upload', '', 0, '[]', '[]', 0, '')"
                )
            )
    finally:
        engine.dispose()
