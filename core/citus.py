"""Readiness for Citus: the schema read from the catalog, what blocks distribution, and the plan.

Citus distributes a table by one column and requires that column in every primary key, unique
constraint and foreign key between distributed tables (colocated on it). Here the column is
``tenant_id`` (DESIGN §3): tenant-owned tables become distributed tables colocated on it, the few
global tables (accounts, organisations, the tenants themselves…) become reference tables, copied
to every node. :func:`problems` lists what would stop that; ``sympraxis db citus-plan`` prints
the calls (:func:`plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

DISTRIBUTION_COLUMN = "tenant_id"
#: Tables of the tooling, not of the application: never distributed, never copied.
IGNORED_TABLES = frozenset({"alembic_version"})
#: Tenant-owned, yet reference tables: the host → municipality lookup runs before any tenant is
#: known and needs hosts unique across municipalities; small, read on every node, locally.
REFERENCE_TENANT_TABLES = frozenset({"tenant_domains"})


@dataclass
class Constraint:
    table: str
    name: str
    kind: str  # "p" primary key, "u" unique, "f" foreign key, "i" unique index
    columns: list[str]
    ref_table: str | None = None
    ref_columns: list[str] = field(default_factory=list)


@dataclass
class Schema:
    tenant_tables: set[str]
    global_tables: set[str]
    constraints: list[Constraint]
    references: dict[str, set[str]]  # table -> tables it references


_TABLES = sa.text(
    """
    SELECT c.relname,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = :col
                   AND NOT a.attisdropped) AS tenant_owned
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    """
)
_CONSTRAINTS = sa.text(
    """
    SELECT rel.relname, con.conname, con.contype,
           ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
           ref.relname,
           ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = rel.relnamespace
    LEFT JOIN pg_class ref ON ref.oid = con.confrelid
    WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f')
    """
)
_UNIQUE_INDEXES = sa.text(
    """
    SELECT t.relname, i.relname,
           ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o)
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND x.indisunique
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    """
)


def read_schema(conn: sa.Connection) -> Schema:
    """The current schema's tables and keys, from PostgreSQL's catalog."""
    tenant_tables, global_tables = set(), set()
    for name, owned in conn.execute(_TABLES, {"col": DISTRIBUTION_COLUMN}):
        if name in IGNORED_TABLES:
            continue
        (tenant_tables if owned and name not in REFERENCE_TENANT_TABLES else global_tables).add(name)
    constraints = [
        Constraint(table, name, kind, list(cols), ref, list(ref_cols or []))
        for table, name, kind, cols, ref, ref_cols in conn.execute(_CONSTRAINTS)
        if table not in IGNORED_TABLES
    ]
    constraints += [
        Constraint(table, name, "i", list(cols))
        for table, name, cols in conn.execute(_UNIQUE_INDEXES)
        if table not in IGNORED_TABLES
    ]
    references: dict[str, set[str]] = {t: set() for t in tenant_tables | global_tables}
    for c in constraints:
        if c.kind == "f" and c.ref_table and c.ref_table != c.table:
            references[c.table].add(c.ref_table)
    return Schema(tenant_tables, global_tables, constraints, references)


def problems(schema: Schema) -> list[str]:
    """What Citus would refuse: keys of tenant-owned tables without ``tenant_id``, foreign keys
    between tenant-owned tables not joined on it, and global tables pointing at tenant rows."""
    col = DISTRIBUTION_COLUMN
    found = []
    for c in schema.constraints:
        if c.table not in schema.tenant_tables:
            if c.kind == "f" and c.ref_table in schema.tenant_tables:
                found.append(f"{c.table}.{c.name}: a global table references tenant-owned {c.ref_table}")
            continue
        if c.kind in ("p", "u", "i") and col not in c.columns:
            found.append(f"{c.table}.{c.name}: {c.kind} key ({', '.join(c.columns)}) lacks {col}")
        if c.kind == "f" and c.ref_table in schema.tenant_tables:
            pairs = dict(zip(c.columns, c.ref_columns, strict=False))
            if pairs.get(col) != col:
                found.append(
                    f"{c.table}.{c.name}: foreign key to {c.ref_table} ({', '.join(c.columns)}) "
                    f"does not match {col} with {col}"
                )
    for table in sorted(schema.tenant_tables):
        if not any(c.table == table and c.kind == "p" for c in schema.constraints):
            found.append(f"{table}: no primary key")
    return found


def _ordered(tables: set[str], references: dict[str, set[str]]) -> list[str]:
    """Referenced tables first (Citus needs a reference table before the tables pointing at it)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(t: str) -> None:
        if t in seen:
            return
        seen.add(t)
        for dep in sorted(references.get(t, ())):
            if dep in tables:
                visit(dep)
        done.append(t)

    for t in sorted(tables):
        visit(t)
    return done


def plan(schema: Schema) -> list[str]:
    """The statements that turn this schema into a Citus cluster's: reference tables, then the
    tenant-owned tables distributed by ``tenant_id``, all colocated with the first."""
    statements = ["CREATE EXTENSION IF NOT EXISTS citus;"]
    for t in _ordered(schema.global_tables, schema.references):
        statements.append(f"SELECT create_reference_table('{t}');")
    anchor: str | None = None
    for t in _ordered(schema.tenant_tables, schema.references):
        colocate = "none" if anchor is None else anchor
        statements.append(
            f"SELECT create_distributed_table('{t}', '{DISTRIBUTION_COLUMN}', colocate_with => '{colocate}');"
        )
        anchor = anchor or t
    return statements


def report(conn: sa.Connection) -> dict[str, Any]:
    schema = read_schema(conn)
    return {"schema": schema, "problems": problems(schema), "plan": plan(schema)}
