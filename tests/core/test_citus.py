"""Citus readiness, read from the migrated schema's catalog (issue 13 §3)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core import citus
from core.extensions import db
from core.testing.citus_joins import JoinChecker

#: The global tables: few, each a Citus reference table (copied to every node). A new one is a
#: design decision (DESIGN §3), made here on purpose, not by accident in a migration.
REFERENCE_TABLES = {
    "account_sessions",  # one row per signed-in browser of a (global) account
    "accounts",
    "api_idempotency_keys",  # per account and host, written once per API write: see the note below
    "audit_events",
    "billing_catalog",
    "core_cross_tenant_readers",  # the roles the cross-tenant policies admit (written by migrations)
    "core_notification_preferences",  # a person's choices per kind, global like the account
    "core_outbox",  # jobs and mail waiting for the broker: see the note below
    "form_submissions",  # one row per posted HTML form (core.form_once): see the note below
    "handoff_codes",
    "organisation_members",
    "organisations",
    "personal_access_tokens",
    "stripe_events",
    "tenants",
    "tenant_deletions",  # end-of-contract deletion certificates: they outlive the municipality's rows
    "tenant_domains",  # tenant-owned, but the host lookup needs it whole on every node
    # the registry's observatory: aggregates across municipalities, computed by its daily job from
    # the consenting ones, and each municipality's statistical area codes, set by the operator
    "registry_aggregate_runs",
    "registry_aggregates",
    "registry_statistical_areas",
}
# Note: core_outbox, api_idempotency_keys and form_submissions are write-heavy queues; on a real Citus cluster they are
# better kept as coordinator-local tables (citus_add_local_table_to_metadata) than replicated as
# reference tables. The plan prints them as reference tables until that is measured.


def _schema(app):
    with app.app_context(), db.engine.connect() as conn:
        return citus.read_schema(conn)


def test_every_tenant_owned_key_includes_tenant_id(app):
    """Every tenant-owned table's primary key, unique keys and foreign keys to other tenant-owned
    tables carry tenant_id, so the schema can be distributed on it without rewriting a key."""
    schema = _schema(app)
    assert len(schema.tenant_tables) >= 20
    assert citus.problems(schema) == []


def test_global_tables_are_few_and_listed_as_reference_tables(app):
    """The tables without tenant_id are exactly the listed reference tables (plugins add
    tenant-owned tables only)."""
    assert _schema(app).global_tables == REFERENCE_TABLES


def test_the_check_finds_a_key_without_tenant_id():
    """The check is not blind: a unique key or a foreign key that leaves tenant_id out is named."""
    schema = citus.Schema(
        tenant_tables={"notes", "comments"},
        global_tables={"accounts"},
        constraints=[
            citus.Constraint("notes", "pk_notes", "p", ["tenant_id", "id"]),
            citus.Constraint("notes", "uq_notes_slug", "u", ["slug"]),
            citus.Constraint("comments", "pk_comments", "p", ["tenant_id", "id"]),
            citus.Constraint("comments", "fk_comments_note", "f", ["note_id"], "notes", ["id"]),
            citus.Constraint("comments", "fk_comments_author", "f", ["author_id"], "accounts", ["id"]),
        ],
        references={"notes": set(), "comments": {"notes", "accounts"}, "accounts": set()},
    )
    found = citus.problems(schema)
    assert any("uq_notes_slug" in p for p in found)
    assert any("fk_comments_note" in p for p in found)
    assert not any("fk_comments_author" in p for p in found)  # to a reference table: fine


def test_citus_plan_command_prints_reference_then_colocated_distributed_tables(app):
    """`sympraxis db citus-plan` prints a reference-table call per global table, then one
    create_distributed_table on tenant_id per tenant-owned table, colocated with the first."""
    result = app.test_cli_runner().invoke(args=["db", "citus-plan"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "CREATE EXTENSION IF NOT EXISTS citus;"
    reference = [re.search(r"'(\w+)'", ln).group(1) for ln in lines if "create_reference_table" in ln]
    distributed = [ln for ln in lines if "create_distributed_table" in ln]
    assert set(reference) == REFERENCE_TABLES
    assert reference.index("tenants") < reference.index("accounts") or "accounts" in reference
    schema = _schema(app)
    assert len(distributed) == len(schema.tenant_tables)
    assert "colocate_with => 'none'" in distributed[0]
    anchor = re.search(r"create_distributed_table\('(\w+)'", distributed[0]).group(1)
    assert all(f"colocate_with => '{anchor}'" in ln for ln in distributed[1:])
    assert all("'tenant_id'" in ln for ln in distributed)
    # a table comes after every table it references
    order = reference + [re.search(r"\('(\w+)'", ln).group(1) for ln in distributed]
    for table in order:
        for dep in schema.references[table]:
            assert order.index(dep) < order.index(table), (table, dep)


_BAD_JOINS = [
    "SELECT * FROM notes JOIN comments ON comments.note_id = notes.id",
    "SELECT * FROM notes, comments WHERE comments.note_id = notes.id",
    # filtered to two different municipalities: two nodes
    "SELECT * FROM notes JOIN comments ON comments.note_id = notes.id "
    "WHERE notes.tenant_id = %(a)s AND comments.tenant_id = %(b)s",
    # an equality under OR does not hold for every row
    "SELECT * FROM notes JOIN comments ON comments.note_id = notes.id "
    "WHERE notes.tenant_id = 1 OR comments.tenant_id = notes.tenant_id",
    # the third table is joined to the others on its id only
    "SELECT * FROM notes JOIN comments ON comments.tenant_id = notes.tenant_id "
    "JOIN votes ON votes.comment_id = comments.id",
    "SELECT * FROM notes AS n1 JOIN notes AS n2 ON n2.parent_id = n1.id",
    "SELECT * FROM notes WHERE EXISTS (SELECT 1 FROM comments WHERE comments.note_id = notes.id)",
    "SELECT * FROM notes JOIN (SELECT comments.note_id FROM comments) AS c ON c.note_id = notes.id",
    "WITH c AS (SELECT tenant_id, note_id FROM comments) SELECT * FROM notes JOIN c ON c.note_id = notes.id",
    "SELECT * FROM notes JOIN comments ON (((",  # cannot be read: not passed
    "SELECT * FROM tenants JOIN notes ON notes.tenant_id = tenants.id JOIN comments ON comments.x = tenants.id",
]
_GOOD_JOINS = [
    "SELECT * FROM notes JOIN comments ON comments.tenant_id = notes.tenant_id AND comments.note_id = notes.id",
    "SELECT * FROM notes JOIN comments ON comments.note_id = notes.id "
    "WHERE notes.tenant_id = %(a)s AND comments.tenant_id = %(b)s",  # one municipality: one node
    "SELECT * FROM notes JOIN accounts ON accounts.id = notes.author_id",  # a reference table
    "SELECT * FROM notes WHERE EXISTS (SELECT 1 FROM comments WHERE comments.note_id = notes.id "
    "AND comments.tenant_id = notes.tenant_id)",
    "SELECT * FROM notes JOIN (SELECT comments.tenant_id, comments.note_id FROM comments) AS c "
    "ON c.note_id = notes.id AND c.tenant_id = notes.tenant_id",
    "SELECT * FROM notes JOIN comments ON (comments.tenant_id = notes.tenant_id) "
    "JOIN votes ON votes.tenant_id = comments.tenant_id AND votes.comment_id = comments.id",
    "CREATE TABLE x (id int)",
    # linked through the reference table's column (PostgreSQL's equivalence classes, Citus too)
    "SELECT * FROM tenants JOIN notes ON notes.tenant_id = tenants.id "
    "JOIN comments ON comments.tenant_id = tenants.id",
]


@pytest.mark.parametrize("sql", _BAD_JOINS)
def test_the_join_check_finds_a_join_citus_could_not_run_on_one_node(sql):
    checker = JoinChecker({"notes", "comments", "votes"})
    assert checker.check(sql, {"a": 1, "b": 2}), sql


@pytest.mark.parametrize("sql", _GOOD_JOINS)
def test_the_join_check_passes_joins_on_tenant_id(sql):
    checker = JoinChecker({"notes", "comments", "votes"})
    assert checker.check(sql, {"a": 7, "b": 7}) == [], sql


@pytest.mark.citus_joins_exempt
def test_the_suite_wide_check_sees_the_sql_the_orm_sends(app, tenant_factory):
    """The statements the ORM really sends, as tests/conftest.py captures them for every test: a
    cross-municipality read joining comments to consultations on the consultation's id alone is
    found, the same join with tenant_id is not, and neither is the tenant wall's ordinary
    query (each table filtered to the active municipality)."""
    from core.extensions import db
    from core.testing.citus_joins import tenant_tables
    from core.toolkit import cross_tenant_read, tenant_context
    from plugins.hearings.models import Comment, Consultation

    tenant = tenant_factory(plugins=["hearings"])
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    def run(query, **options):
        captured.clear()
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
        try:
            db.session.execute(query.execution_options(**options)).all()
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
        checker = JoinChecker(tenant_tables(db.metadata))
        return [p for sql, params in captured for p in checker.check(sql, params)]

    bare = sa.select(Comment.id).join(Consultation, Consultation.id == Comment.consultation_id)
    keyed = sa.select(Comment.id).join(
        Consultation,
        sa.and_(Consultation.tenant_id == Comment.tenant_id, Consultation.id == Comment.consultation_id),
    )
    with app.app_context():
        with cross_tenant_read():
            assert run(bare, all_tenants=True) == [
                "a join of hearings_comments, hearings_consultations without tenant_id equality between them"
            ]
            assert run(keyed, all_tenants=True) == []
        with tenant_context(tenant.id):
            assert run(bare) == []  # the wall filters both tables to this municipality: one node
        db.session.rollback()
