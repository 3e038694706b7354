"""Usage per municipality and day, for the operator (issue 13 §2): collected, listed, exported.

The ``tenants.usage_collect`` job (every ``USAGE_COLLECT_EVERY`` seconds under celery beat)
writes one :class:`~tenants.models.TenantUsageDay` per municipality for today and brings
yesterday's counters up to date: requests, API calls, mail sent and distinct signed-in accounts
from :mod:`core.usage`; members; and, measured now, the rows and bytes of every tenant-owned table
(attached files among them). Each municipality is measured inside its own ``tenant_context``, one
transaction each. The console reads the rows across municipalities inside ``cross_tenant_read()``
(a reviewed operator report, DESIGN §3).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core import usage
from core.accounts.models import Membership
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.jobs import job
from core.tenancy import Tenant, utcnow
from tenants.models import TenantUsageDay

#: What the list can be sorted by: column name -> label key (the template translates).
SORTS = ("requests", "api_requests", "mail_sent", "active_accounts", "members", "storage_bytes", "slug")
PERIODS = (1, 7, 30, 90)
PAGE_SIZE = 50


# --- collecting ---------------------------------------------------------------------------------


def _measured_tables() -> list[sa.Table]:
    """Every tenant-owned table of the loaded models (tenant_id column) that this database holds,
    by name. The models' metadata is the process's: a plugin whose models were imported but which
    this instance does not load (so never migrated here) has no table to measure."""
    present = set(sa.inspect(db.session.connection()).get_table_names())
    return sorted(
        (t for t in db.metadata.tables.values() if "tenant_id" in t.c and t.name in present),
        key=lambda t: t.name,
    )


def _storage_query(tenant_id: int, dialect: str) -> sa.Select | sa.CompoundSelect:
    """One statement measuring every tenant-owned table of the municipality: rows, bytes (the
    rows' stored size, TOAST included, on PostgreSQL), and the bytes of binary columns (files)."""
    parts = []
    for table in _measured_tables():
        binary = [c for c in table.c if isinstance(c.type, sa.LargeBinary)]
        if dialect == "postgresql":
            size = sa.func.coalesce(
                sa.func.sum(sa.func.pg_column_size(sa.literal_column(f'"{table.name}".*'))), 0
            )
            files = sum(
                (sa.func.coalesce(sa.func.sum(sa.func.octet_length(c)), 0) for c in binary), sa.literal(0)
            )
        else:  # SQLite (the demo): the length of every value
            size = sa.func.coalesce(
                sa.func.sum(
                    sum(
                        (sa.func.coalesce(sa.func.length(sa.cast(c, sa.LargeBinary)), 0) for c in table.c),
                        sa.literal(0),
                    )
                ),
                0,
            )
            files = sum((sa.func.coalesce(sa.func.sum(sa.func.length(c)), 0) for c in binary), sa.literal(0))
        parts.append(
            sa.select(
                sa.literal(table.name).label("name"),
                sa.func.count().label("rows"),
                size.label("bytes"),
                files.label("files"),
            )
            .select_from(table)
            .where(table.c.tenant_id == tenant_id)
        )
    return sa.union_all(*parts) if len(parts) > 1 else parts[0]


def measure_storage(tenant_id: int) -> tuple[dict[str, dict[str, int]], int, int]:
    """``({table: {"rows", "bytes"}}, total bytes, file bytes)`` of one municipality (inside its
    tenant context: RLS admits its rows only)."""
    dialect = db.session.get_bind().dialect.name
    tables: dict[str, dict[str, int]] = {}
    total = files = 0
    for name, rows, size, binary in db.session.execute(_storage_query(tenant_id, dialect)):
        if rows:
            tables[name] = {"rows": int(rows), "bytes": int(size or 0)}
        total += int(size or 0)
        files += int(binary or 0)
    return tables, total, files


def _upsert(tenant_id: int, day: dt.date, counted: dict[str, int], storage: Any = None) -> TenantUsageDay:
    row = db.session.execute(sa.select(TenantUsageDay).where(TenantUsageDay.day == day)).scalar_one_or_none()
    if row is None:
        row = TenantUsageDay(day=day, tables={})
        db.session.add(row)
    row.requests = counted.get("requests", 0)
    row.api_requests = counted.get("api_requests", 0)
    row.mail_sent = counted.get("mail_sent", 0)
    row.active_accounts = counted.get("active_accounts", 0)
    row.members = db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one()
    if storage is not None:
        row.tables, row.storage_bytes, row.attachment_bytes = storage
    row.computed_at = utcnow()
    return row


def collect(today: dt.date | None = None) -> int:
    """Write today's row (and yesterday's counters) for every municipality; how many rows."""
    today = today or usage.utc_day()
    yesterday = today - dt.timedelta(days=1)
    store = usage.counters()
    counted = {day: store.read_day(day) for day in (yesterday, today)}
    tenant_ids = list(db.session.execute(sa.select(Tenant.id).order_by(Tenant.id)).scalars())
    db.session.commit()
    written = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            if tenant_id in counted[yesterday]:
                _upsert(tenant_id, yesterday, counted[yesterday][tenant_id])
                written += 1
            _upsert(tenant_id, today, counted[today].get(tenant_id, {}), measure_storage(tenant_id))
            written += 1
            db.session.commit()
    return written


@job("tenants.usage_collect")
def _collect_job(_payload: dict[str, Any]) -> None:
    collect()


# --- reading ------------------------------------------------------------------------------------


@dataclass
class UsageRow:
    tenant_id: int
    slug: str
    name: str
    status: str
    requests: int
    api_requests: int
    mail_sent: int
    active_accounts: int
    members: int | None
    storage_bytes: int | None
    attachment_bytes: int | None
    last_day: dt.date | None


def overview(
    days: int = 30,
    sort: str = "requests",
    descending: bool = True,
    page: int = 1,
    today: dt.date | None = None,
) -> tuple[list[UsageRow], int]:
    """Every municipality with its usage over the last ``days`` days (sums of the counters, the
    busiest day's active accounts, the latest storage and members), sorted; one page, and the
    count of municipalities."""
    since = (today or usage.utc_day()) - dt.timedelta(days=max(1, days) - 1)
    u = TenantUsageDay
    agg = (
        sa.select(
            u.tenant_id.label("tenant_id"),
            sa.func.sum(u.requests).label("requests"),
            sa.func.sum(u.api_requests).label("api_requests"),
            sa.func.sum(u.mail_sent).label("mail_sent"),
            sa.func.max(u.active_accounts).label("active_accounts"),
            sa.func.max(u.day).label("last_day"),
        )
        .where(u.day >= since)
        .group_by(u.tenant_id)
        .subquery("agg")
    )
    latest = aliased(u, name="latest")
    columns = {
        "requests": sa.func.coalesce(agg.c.requests, 0),
        "api_requests": sa.func.coalesce(agg.c.api_requests, 0),
        "mail_sent": sa.func.coalesce(agg.c.mail_sent, 0),
        "active_accounts": sa.func.coalesce(agg.c.active_accounts, 0),
        "members": latest.members,
        "storage_bytes": latest.storage_bytes,
        "slug": Tenant.slug,
    }
    key = columns.get(sort, columns["requests"])
    order = key.desc().nulls_last() if descending else key.asc().nulls_first()
    query = (
        sa.select(
            Tenant.id,
            Tenant.slug,
            Tenant.name,
            Tenant.status,
            columns["requests"],
            columns["api_requests"],
            columns["mail_sent"],
            columns["active_accounts"],
            latest.members,
            latest.storage_bytes,
            latest.attachment_bytes,
            agg.c.last_day,
        )
        .select_from(Tenant)
        .outerjoin(agg, agg.c.tenant_id == Tenant.id)
        .outerjoin(
            latest,
            sa.and_(
                latest.tenant_id == Tenant.id,
                latest.tenant_id == agg.c.tenant_id,
                latest.day == agg.c.last_day,
            ),
        )
        .order_by(order, Tenant.slug)
        .execution_options(all_tenants=True)
    )
    with cross_tenant_read():
        total = db.session.execute(sa.select(sa.func.count()).select_from(Tenant)).scalar_one()
        rows = db.session.execute(query.limit(PAGE_SIZE).offset((max(1, page) - 1) * PAGE_SIZE)).all()
    return [UsageRow(*row) for row in rows], total


def tenant_days(tenant_id: int, days: int = 30, today: dt.date | None = None) -> list[TenantUsageDay]:
    """One municipality's daily rows, newest first."""
    since = (today or usage.utc_day()) - dt.timedelta(days=max(1, days) - 1)
    with tenant_context(tenant_id):
        rows = list(
            db.session.execute(
                sa.select(TenantUsageDay)
                .where(TenantUsageDay.day >= since)
                .order_by(TenantUsageDay.day.desc())
            ).scalars()
        )
        for row in rows:
            db.session.expunge(row)  # read after the tenant context is left
    return rows


def all_rows(days: int, sort: str, descending: bool, today: dt.date | None = None) -> list[UsageRow]:
    rows: list[UsageRow] = []
    page = 1
    while True:
        chunk, total = overview(days, sort, descending, page, today)
        rows += chunk
        if not chunk or len(rows) >= total:
            return rows
        page += 1


def format_bytes(n: int | None) -> str:
    """Bytes in the reader's language (CLDR units: 1,2 GB, 3,0 kB, 900 B)."""
    from babel.units import format_unit
    from flask_babel import get_locale

    if n is None:
        return "—"
    locale = get_locale() or "en"
    for unit, size in (
        ("digital-gigabyte", 1024**3),
        ("digital-megabyte", 1024**2),
        ("digital-kilobyte", 1024),
    ):
        if n >= size:
            return format_unit(n / size, unit, length="short", locale=locale, format="#,##0.0")
    return format_unit(n, "digital-byte", length="short", locale=locale)


# --- CSV ----------------------------------------------------------------------------------------

OVERVIEW_COLUMNS = (
    "slug", "name", "status", "requests", "api_requests", "mail_sent", "active_accounts_peak",
    "members", "storage_bytes", "attachment_bytes", "last_day",
)  # fmt: skip
DAY_COLUMNS = (
    "day", "requests", "api_requests", "mail_sent", "active_accounts", "members", "storage_bytes",
    "attachment_bytes", "computed_at",
)  # fmt: skip


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (names are typed by people)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def overview_csv(rows: list[UsageRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OVERVIEW_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                _safe(v)
                for v in (
                    r.slug, r.name, r.status, r.requests, r.api_requests, r.mail_sent, r.active_accounts,
                    r.members, r.storage_bytes, r.attachment_bytes, r.last_day.isoformat() if r.last_day else None,
                )
            ]
        )  # fmt: skip
    return out.getvalue()


def days_csv(rows: list[TenantUsageDay]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DAY_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                _safe(v)
                for v in (
                    r.day.isoformat(), r.requests, r.api_requests, r.mail_sent, r.active_accounts, r.members,
                    r.storage_bytes, r.attachment_bytes, r.computed_at.isoformat(timespec="seconds"),
                )
            ]
        )  # fmt: skip
    return out.getvalue()
