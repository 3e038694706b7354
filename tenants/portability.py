"""A municipality's data, whole: export to a zip, import into another database (issue 12 §4).

The operator is the municipalities' processor: at any time, and at the end of a contract, a
municipality gets ALL its data back, and the same file moves it to another instance (issue 13).

What is exported: every tenant-owned table (a ``tenant_id`` column), discovered from the models'
metadata of every loaded plugin and from the database itself (a plugin installed but not loaded
here still has its tables), in foreign-key order; the municipality's own row; the global rows
its rows point at (accounts, as the municipality knows them: address, name, language, never a
password; organisations); and the audit entries about it. Each table is one JSON file (the
authority, read back by the import) and one CSV file (for people and spreadsheets); binary
columns (attachments, the logo) are files of their own under ``files/``.

Values are written as the database holds them (below any column type decorator), so that an
import gives back exactly the rows that were exported: export → import into an empty database
→ export yields the same rows. Into an instance that already has data, accounts are matched by
address, organisations by id and name, and ids that are taken are given anew (the foreign keys
that point at them follow).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import mimetypes
import os
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant, invalidate_tenant_cache, platform_subdomain, utcnow

FORMAT = "sympraxis-tenant-export/1"
#: Global tables whose rows the tenant's rows point at, and what of them is exported.
ACCOUNT_COLUMNS = ("id", "email", "display_name", "locale", "email_verified_at", "created_at", "erased_at")
ORGANISATION_COLUMNS = ("id", "name", "kind", "website", "created_at")
GLOBAL_TARGETS = {"accounts": "accounts", "organisations": "organisations", "tenants": "tenants"}


class PortabilityError(ValueError):
    """The file cannot be imported here (``problems`` lists why, in English for the operator)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- the tables -----------------------------------------------------------------------------------


def _plain_type(column: sa.Column, dialect: Any) -> Any:
    """The column's type as the database driver sees it (variants resolved, decorators unwrapped)."""
    kind = column.type.dialect_impl(dialect)
    while isinstance(kind, sa.types.TypeDecorator):
        kind = kind.load_dialect_impl(dialect)
    return kind


def tenant_tables(bind: sa.Connection | sa.Engine) -> list[sa.Table]:
    """Every table of the database with a ``tenant_id`` column, parents before children.

    From the models' metadata (every loaded plugin) where a table is mapped, reflected from the
    database where it is not (a plugin installed but not loaded by this instance): never a list
    written by hand, so a new plugin's tables are in the export (and the deletion) by themselves.
    """
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    mapped = {t.name: t for t in db.metadata.tables.values() if "tenant_id" in t.c and t.name in present}
    unmapped = [
        name
        for name in sorted(present - set(mapped))
        if "tenant_id" in {c["name"] for c in inspector.get_columns(name)}
    ]
    tables = sa.sql.util.sort_tables(mapped.values())
    if unmapped:
        reflected = sa.MetaData()
        reflected.reflect(bind, only=unmapped)
        tables += sa.sql.util.sort_tables([reflected.tables[n] for n in unmapped])
    return tables


def _global_refs(table: sa.Table) -> dict[str, str]:
    """Columns of ``table`` pointing at a global table (accounts, organisations, tenants)."""
    refs = {}
    for column in table.c:
        for fk in column.foreign_keys:
            target = fk.target_fullname.split(".")[0]
            if (
                target in GLOBAL_TARGETS
                and fk.target_fullname.endswith(".id")
                and len(fk.constraint.columns) == 1
            ):
                refs[column.name] = GLOBAL_TARGETS[target]
    return refs


def _self_refs(table: sa.Table) -> list[str]:
    """Columns pointing at another row of the same table (a reply's parent): import order matters."""
    found = []
    for constraint in table.foreign_key_constraints:
        if constraint.referred_table is table:
            found += [c.name for c in constraint.columns if c.name != "tenant_id"]
    return found


# --- values ---------------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _from_json(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat(value)
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(value) if kind.as_uuid else value
    if isinstance(kind, sa.Interval):
        return dt.timedelta(seconds=value)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.asdecimal:
        return decimal.Decimal(value)
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas


def _file_name(table: str, row: dict[str, Any], column: str) -> str:
    key = (
        row.get("id")
        or hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]
    )
    ext = ""
    filename = row.get("filename")
    if isinstance(filename, str) and "." in filename:
        ext = os.path.splitext(filename)[1][:10].lower()
    elif isinstance(row.get("mimetype"), str):
        ext = mimetypes.guess_extension(row["mimetype"]) or ""
    return f"files/{table}/{key}-{column}{ext}"


# --- export ---------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    path: str
    tables: dict[str, int]
    files: int


def _rows(conn: sa.Connection, table: sa.Table, where: Any, order: list[str]) -> list[dict[str, Any]]:
    dialect = conn.dialect
    columns = [sa.type_coerce(c, _plain_type(c, dialect)).label(c.name) for c in table.c]
    q = sa.select(*columns).select_from(table).where(where)
    q = q.order_by(*[table.c[n] for n in order if n in table.c])
    return [dict(r._mapping) for r in conn.execute(q)]


def _write_table(archive: zipfile.ZipFile, folder: str, name: str, columns: list[str], rows: list[dict[str, Any]],
                 binary: set[str]) -> int:  # fmt: skip
    """One table as JSON (the import's source) and CSV; binary values as files. Returns files."""
    files = 0
    records = []
    for row in rows:
        record = {}
        for column in columns:
            value = row[column]
            if column in binary and value is not None:
                path = _file_name(name, {k: _to_json(v) for k, v in row.items() if k not in binary}, column)
                data = bytes(value)
                archive.writestr(path, data)
                record[column] = {
                    "$file": path,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
                files += 1
            else:
                record[column] = _to_json(value)
        records.append(record)
    document = {"table": name, "columns": columns, "rows": records}
    archive.writestr(
        f"{folder}/{name}.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for record in records:
        writer.writerow(
            [
                _csv_cell(
                    record[c]["$file"] if isinstance(record[c], dict) and "$file" in record[c] else record[c]
                )
                for c in columns
            ]  # fmt: skip
        )
    archive.writestr(f"{folder}/{name}.csv", out.getvalue())
    return files


def export_tenant(tenant_id: int, path: str) -> ExportResult:
    """Write the municipality's data to the zip at ``path``. Reads inside the municipality's
    context (row-level security admits its rows only) and the global rows its rows point at."""
    from core.migrate import applied_revisions
    from tenants.models import AuditEvent

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise PortabilityError([f"no municipality with id {tenant_id}"])
    counts: dict[str, int] = {}
    files = 0
    refs: dict[str, set[int]] = defaultdict(set)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, tenant_context(tenant_id):
        conn = db.session.connection()
        for table in tenant_tables(conn):
            rows = _rows(conn, table, table.c.tenant_id == tenant_id, ["id"])
            binary = {c.name for c in table.c if isinstance(_plain_type(c, conn.dialect), sa.LargeBinary)}
            files += _write_table(archive, "tables", table.name, [c.name for c in table.c], rows, binary)
            counts[table.name] = len(rows)
            for column, target in _global_refs(table).items():
                refs[target].update(r[column] for r in rows if r[column] is not None)
        audit_table = AuditEvent.__table__
        audit_rows = _rows(conn, audit_table, audit_table.c.subject_tenant_id == tenant_id, ["id"])
        refs["accounts"].update(r["actor_id"] for r in audit_rows if r["actor_id"] is not None)
        tenant_table = Tenant.__table__
        globals_ = {
            "tenants": (tenant_table, [c.name for c in tenant_table.c], _rows(conn, tenant_table, tenant_table.c.id == tenant_id, [])),
            "accounts": (None, list(ACCOUNT_COLUMNS), []),
            "organisations": (None, list(ORGANISATION_COLUMNS), []),
            "audit_events": (audit_table, [c.name for c in audit_table.c], audit_rows),
        }  # fmt: skip
        for name, columns in (("accounts", ACCOUNT_COLUMNS), ("organisations", ORGANISATION_COLUMNS)):
            table = db.metadata.tables[name]
            ids = sorted(refs[name])
            rows = _rows(conn, table, table.c.id.in_(ids), ["id"]) if ids else []
            globals_[name] = (table, list(columns), [{c: r[c] for c in columns} for r in rows])
        for name, (_table, columns, rows) in globals_.items():
            _write_table(archive, "globals", name, columns, rows, set())
        manifest = {
            "format": FORMAT,
            "exported_at": utcnow().isoformat() + "Z",
            "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
            "revisions": sorted(applied_revisions(current_app._get_current_object())),
            "tables": counts,
            "globals": {name: len(rows) for name, (_t, _c, rows) in globals_.items()},
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    db.session.rollback()  # read only
    return ExportResult(path=path, tables=counts, files=files)


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    tenant_id: int
    slug: str
    tables: dict[str, int]
    accounts_matched: int = 0
    accounts_created: int = 0
    remapped: dict[str, int] = field(default_factory=dict)


def _read(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        return json.loads(archive.read(name))
    except KeyError:
        raise PortabilityError([f"{name} is missing from the file"]) from None


def _decode(
    archive: zipfile.ZipFile, record: dict[str, Any], table: sa.Table, dialect: Any
) -> dict[str, Any]:
    row = {}
    for name, value in record.items():
        kind = _plain_type(table.c[name], dialect)
        if isinstance(value, dict) and "$file" in value and isinstance(kind, sa.LargeBinary):
            data = archive.read(value["$file"])
            if hashlib.sha256(data).hexdigest() != value.get("sha256"):
                raise PortabilityError([f"{value['$file']} does not match its checksum"])
            row[name] = data
        else:
            row[name] = _from_json(value, kind)
    return row


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert at the driver's level (no column type decorator runs twice)."""
    if not rows:
        return
    columns = list(rows[0])
    statement = sa.insert(table).values(
        {c: sa.bindparam(f"p_{c}", type_=_plain_type(table.c[c], conn.dialect)) for c in columns}
    )
    conn.execute(statement, [{f"p_{c}": r[c] for c in columns} for r in rows])


def _parents_first(rows: list[dict[str, Any]], self_refs: list[str]) -> list[dict[str, Any]]:
    if not self_refs:
        return rows
    done: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = list(rows)
    while waiting:
        ready = [
            r for r in waiting if all(r[c] is None or r[c] in done or r[c] == r.get("id") for c in self_refs)
        ]
        if not ready:  # a cycle: insert the rest as they are (the database will say if it minds)
            ordered += waiting
            break
        ordered += ready
        done.update(r.get("id") for r in ready)
        waiting = [r for r in waiting if r not in ready]
    return ordered


def _owner_engine() -> sa.Engine:
    """The owner's connection: only it may move the id sequences past the ids imported."""
    url = current_app.config.get("MIGRATIONS_DATABASE_URI") or current_app.config["SQLALCHEMY_DATABASE_URI"]
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _free_id(conn: sa.Connection, table: sa.Table, wanted: Any) -> bool:
    return conn.execute(sa.select(table.c.id).where(table.c.id == wanted)).first() is None


def import_tenant(path: str) -> ImportResult:
    """Create the municipality of the zip at ``path`` with all its rows, in one transaction.

    Refused (:class:`PortabilityError`, nothing written) when the file is not an export, when a
    table or column of it does not exist here (migrate first), or when its slug is taken.
    """
    with zipfile.ZipFile(path) as archive:
        manifest = _read(archive, "manifest.json")
        if manifest.get("format") != FORMAT:
            raise PortabilityError([f"not a {FORMAT} file"])
        engine = _owner_engine()
        try:
            with engine.begin() as conn:
                result = _import(archive, manifest, conn)
        except sa.exc.IntegrityError as exc:  # a verified custom domain served here already, say
            raise PortabilityError([f"the rows conflict with this instance's: {exc.orig}"]) from exc
        finally:
            engine.dispose()
    invalidate_tenant_cache()
    return result


def _import(archive: zipfile.ZipFile, manifest: dict[str, Any], conn: sa.Connection) -> ImportResult:
    dialect = conn.dialect
    here = {t.name: t for t in tenant_tables(conn)}
    problems = []
    documents = {}
    for name in manifest["tables"]:
        document = _read(archive, f"tables/{name}.json")
        documents[name] = document
        if name not in here:
            problems.append(
                f"table {name} does not exist here (install its plugin and run sympraxis db upgrade)"
            )
            continue
        missing = [c for c in document["columns"] if c not in here[name].c]
        if missing:
            problems.append(f"table {name} has no column {', '.join(missing)} here (sympraxis db upgrade?)")
    globals_ = {name: _read(archive, f"globals/{name}.json") for name in manifest["globals"]}
    (tenant_record,) = globals_["tenants"]["rows"]
    tenants_table = Tenant.__table__
    if conn.execute(
        sa.select(tenants_table.c.id).where(tenants_table.c.slug == tenant_record["slug"])
    ).first():
        problems.append(f"a municipality with the slug {tenant_record['slug']!r} exists here already")
    if problems:
        raise PortabilityError(problems)

    maps: dict[str, dict[Any, Any]] = defaultdict(dict)
    remapped: dict[str, int] = defaultdict(int)

    def take(table: sa.Table, row: dict[str, Any], target: str) -> Any:
        """Insert a global row, keeping its id if free; return the id it has here."""
        old = row["id"]
        if not _free_id(conn, table, old):
            row = {k: v for k, v in row.items() if k != "id"}
            remapped[target] += 1
        new = conn.execute(sa.insert(table).values(**row).returning(table.c.id)).scalar_one()
        maps[target][old] = new
        return new

    # the municipality
    tenant_row = _decode(archive, tenant_record, tenants_table, dialect)
    new_tenant_id = take(tenants_table, tenant_row, "tenants")
    # accounts: the same address is the same person; otherwise a new account with no password
    accounts = db.metadata.tables["accounts"]
    matched = created = 0
    for record in globals_["accounts"]["rows"]:
        row = _decode(archive, record, accounts, dialect)
        existing = None
        if row.get("email"):
            existing = conn.execute(
                sa.select(accounts.c.id).where(sa.func.lower(accounts.c.email) == row["email"].lower())
            ).scalar_one_or_none()
        if existing is not None:
            maps["accounts"][row["id"]] = existing
            matched += 1
            continue
        row.update(session_generation=0, is_operator=False)
        take(accounts, row, "accounts")
        created += 1
    organisations = db.metadata.tables["organisations"]
    for record in globals_["organisations"]["rows"]:
        row = _decode(archive, record, organisations, dialect)
        same = conn.execute(
            sa.select(organisations.c.id).where(
                organisations.c.id == row["id"], organisations.c.name == row["name"]
            )
        ).scalar_one_or_none()
        if same is None:
            named = conn.execute(
                sa.select(organisations.c.id).where(organisations.c.name == row["name"])
            ).all()
            same = named[0][0] if len(named) == 1 else None
        if same is not None:
            maps["organisations"][row["id"]] = same
        else:
            take(organisations, row, "organisations")

    def mapped(target: str, value: Any) -> Any:
        return None if value is None else maps[target].get(value, value)

    # the tenant-owned rows, inside the new municipality (forced row-level security applies)
    if dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT set_config('app.tenant_id', %(t)s, true)", {"t": str(int(new_tenant_id))}
        )
    counts: dict[str, int] = {}
    platform_host = platform_subdomain(tenant_row["slug"])
    for name, table in here.items():
        if name not in documents:
            continue
        refs = _global_refs(table)
        rows = []
        for record in documents[name]["rows"]:
            row = _decode(archive, record, table, dialect)
            for column, target in refs.items():
                if column in row:
                    row[column] = mapped(target, row[column])
            row["tenant_id"] = new_tenant_id
            if name == "tenant_domains" and row.get("kind") == "platform":
                row["host"] = platform_host  # this instance's address for it
            rows.append(row)
        rows = _parents_first(rows, _self_refs(table))
        for start in range(0, len(rows), 500):
            _insert(conn, table, rows[start : start + 500])
        counts[name] = len(rows)
    # the audit entries about it (appended: the log admits inserts)
    from tenants.models import AuditEvent

    audit_table = AuditEvent.__table__
    for record in globals_.get("audit_events", {"rows": []})["rows"]:
        row = _decode(archive, record, audit_table, dialect)
        row["actor_id"] = mapped("accounts", row["actor_id"])
        row["subject_tenant_id"] = new_tenant_id
        take(audit_table, row, "audit_events")
    if dialect.name == "postgresql":
        for table in ("tenants", "accounts", "organisations", "audit_events"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )
    return ImportResult(
        tenant_id=new_tenant_id,
        slug=tenant_row["slug"],
        tables=counts,
        accounts_matched=matched,
        accounts_created=created,
        remapped=dict(remapped),
    )
