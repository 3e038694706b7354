"""Citus readiness, read from the migrated schema's catalog (issue 13 §3)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core import citus
from core.extensions import db

#: The global tables: few, each a Citus reference table (copied to every node). A new one is a
#: design decision (DESIGN §3), made here on purpose, not by accident in a migration.
REFERENCE_TABLES = {
    "account_sessions",  # one row per signed-in browser of a (global) account
    "accounts",
    "api_idempotency_keys",  # per account and host, written once per API write: see the note below
    "audit_events",
    "billing_catalog",
    "core_cross_tenant_readers",  # the roles the cross-tenant policies admit (written by migrations)
    "core_outbox",  # jobs and mail waiting for the broker: see the note below
    "handoff_codes",
    "organisation_members",
    "organisations",
    "personal_access_tokens",
    "stripe_events",
    "tenants",
    "tenant_deletions",  # end-of-contract deletion certificates: they outlive the municipality's rows
    "tenant_domains",  # tenant-owned, but the host lookup needs it whole on every node
}
# Note: core_outbox and api_idempotency_keys are write-heavy queues; on a real Citus cluster they are
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


_JOIN = re.compile(
    r"\bJOIN\s+(\w+)(?:\s+AS\s+(\w+))?\s+ON\s+(.*?)(?=\s+(?:LEFT\s+OUTER\s+JOIN|LEFT\s+JOIN|JOIN|WHERE|GROUP\s+BY|ORDER\s+BY|LIMIT|FOR\s+UPDATE|\))|$)",
    re.S | re.I,
)


def test_joins_between_tenant_owned_tables_match_tenant_id(
    app, tenant_factory, account_factory, client_for, sign_in
):
    """Every JOIN between two tenant-owned tables that the pages of a busy municipality run
    matches tenant_id on both sides (Citus routes such a join to one node; without it, it is a
    cross-node join or an error)."""
    from tests.plugins.hearings.conftest import make_consultation, make_meeting

    schema = _schema(app)
    t = tenant_factory(plugins=["hearings"])
    staff = account_factory(memberships={t: "admin"})
    make_consultation(app, t)
    make_meeting(app, t)
    client = sign_in(client_for(f"{t.slug}.localhost"), staff)
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        for path in ("/", "/hearings/", "/hearings/meetings", "/admin/", "/admin/members", "/search?q=home"):
            client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    joins = 0
    for sql in statements:
        for table, alias, on in _JOIN.findall(sql):
            if table not in schema.tenant_tables:
                continue
            if not any(
                other in sql.split("JOIN")[0] or other in on for other in schema.tenant_tables - {table}
            ):
                continue
            joins += 1
            assert re.search(rf"\b{alias or table}\.tenant_id\b", on), (
                f"join on {table} without tenant_id:\n{sql}"
            )
    assert statements
