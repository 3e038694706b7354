"""Migrations that are safe while the old code serves (issue 13 §2, upgrades without downtime)."""

from __future__ import annotations

import subprocess

from core import migration_safety

DROP = """
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.add_column("notes", sa.Column("summary", sa.Text()))
    op.drop_column("notes", "body")
    with op.batch_alter_table("comments") as batch:
        batch.alter_column("text", new_column_name="content")

def downgrade():
    op.add_column("notes", sa.Column("body", sa.Text()))
"""
OLD_MODEL = """
class Note(db.Model):
    __tablename__ = "notes"
    body = mapped_column(sa.Text)

class Comment(db.Model):
    __tablename__ = "comments"
    text = mapped_column(sa.Text)
"""
NEW_MODEL = OLD_MODEL.replace("body = mapped_column(sa.Text)", "summary = mapped_column(sa.Text)")


def test_drop_or_rename_of_a_column_the_old_release_uses_is_flagged():
    """A migration that drops a column (or renames one, in a batch block too) which the code now in
    production still reads is flagged: the old servers would fail between migrate and roll."""
    problems = migration_safety.check({"x/migrations/versions/0002.py": DROP}, {"x/models.py": OLD_MODEL})
    assert len(problems) == 2
    assert "drop_column notes.body" in problems[0]
    assert "rename_column comments.text" in problems[1]


def test_drop_of_a_column_no_running_code_uses_passes():
    """Dropping a column one release after the code stopped using it passes (expand, then contract);
    adding columns never counts."""
    without_body = NEW_MODEL
    only_drop = DROP.replace(
        '        batch.alter_column("text", new_column_name="content")\n', "        pass\n"
    )
    assert (
        migration_safety.check({"x/migrations/versions/0003.py": only_drop}, {"x/models.py": without_body})
        == []
    )


def test_check_migrations_command_on_a_repository(tmp_path):
    """`sympraxis db check-migrations --base REF` reads the migrations added since REF and REF's
    own code from git, and exits 1 naming the unsafe drop."""
    from click.testing import CliRunner

    from core.cli import db_check_migrations

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (tmp_path / "x" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "x" / "models.py").write_text(OLD_MODEL)
    git("add", "-A")
    git("commit", "-qm", "release 1")
    git("tag", "r1")
    (tmp_path / "x" / "models.py").write_text(NEW_MODEL)
    (tmp_path / "x" / "migrations" / "versions" / "0002.py").write_text(DROP)
    git("add", "-A")
    git("commit", "-qm", "release 2")
    result = CliRunner().invoke(db_check_migrations, ["--base", "r1", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "drop_column notes.body" in result.output


def test_this_repository_s_new_migrations_are_safe():
    """The migrations on this branch since main are safe to run while main serves."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    base = subprocess.run(
        ["git", "-C", root, "merge-base", "HEAD", "main"], capture_output=True, text=True
    ).stdout.strip()
    if not base:
        import pytest

        pytest.skip("no main branch to compare with")
    assert migration_safety.check_repository(root, base) == []
