"""Aggregates from municipality to nation, computed by a periodic job into global tables.

The job is the one reviewed place that reads across municipalities (``cross_tenant_read``, the
SELECT-only reader role): it reads the verified entries and figures of the municipalities that
have the plugin on, have statistical codes recorded by the operator and have opted in (their
latest consent), and writes one run of cells. The observatory on the apex reads only those
cells, never a municipality's tables.

Small numbers are suppressed: a cell of fewer than ``THRESHOLD`` entries keeps no figures
(primary), and wherever a published total is the sum of cells (the breakdowns of an area, the
areas within their parent) a lone suppressed cell is joined by the smallest other one, or its
total is suppressed, until no relation has exactly one suppressed cell (secondary): no
suppressed value can be recovered by subtraction.
"""

import dataclasses
import decimal
import gc
from collections import defaultdict, deque
from typing import Any

import sqlalchemy as sa

from core.toolkit import cross_tenant_read, db, tenant_infos, tenants_with_plugin
from plugins.registry.models import (
    AggregateCell,
    AggregateConsent,
    AggregateRun,
    Entry,
    Figures,
    StatisticalArea,
)
from plugins.registry.taxonomy import AREA_NAMES

THRESHOLD = 5
LEVELS = ("municipality", "nuts3", "nuts2", "country")
MEASURES = (
    "entries",
    "staff_paid",
    "staff_volunteers",
    "staff_vulnerable",
    "people_served",
    "budget",
    "revenue",
)
DIMENSIONS = ("total", "sector", "group")

Key = tuple[str, str, int, str, str]  # level, area, year, dimension, code


@dataclasses.dataclass(slots=True)
class Cell:
    area_name: str = ""
    parent: str = ""
    entries: int = 0
    staff_paid: int = 0
    staff_volunteers: int = 0
    staff_vulnerable: int = 0
    people_served: int = 0
    budget: decimal.Decimal = decimal.Decimal(0)
    revenue: decimal.Decimal = decimal.Decimal(0)
    suppressed: bool = False


def participating() -> dict[int, StatisticalArea]:
    """Municipalities whose figures go into the next run: plugin on, codes recorded, opted in."""
    enabled = set(tenants_with_plugin("registry"))
    areas = {a.municipality_id: a for a in db.session.execute(sa.select(StatisticalArea)).scalars()}
    latest: dict[int, tuple] = {}
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(
                AggregateConsent.tenant_id,
                AggregateConsent.opted_in,
                AggregateConsent.recorded_at,
                AggregateConsent.id,
            ).execution_options(all_tenants=True)
        ).all()
    for tenant_id, opted_in, recorded_at, row_id in rows:
        if tenant_id not in latest or (recorded_at, row_id) > latest[tenant_id][:2]:
            latest[tenant_id] = (recorded_at, row_id, opted_in)
    return {t: areas[t] for t in enabled if t in areas and t in latest and latest[t][2]}


def compute(municipalities: dict[int, StatisticalArea]) -> dict[Key, Cell]:
    """The cells of every level, before suppression: the municipalities' cells from the streamed
    rows, then each level above as the sum of the cells below it."""
    infos = tenant_infos(municipalities)
    names = {t: (infos[t].slug, infos[t].name) if t in infos else (str(t), str(t)) for t in municipalities}
    query = (
        sa.select(
            Entry.tenant_id,
            Entry.sectors,
            Entry.population_groups,
            Figures.year,
            Figures.staff_paid,
            Figures.staff_volunteers,
            Figures.staff_vulnerable,
            Figures.people_served,
            Figures.budget,
            Figures.revenue,
        )
        .join(Figures, sa.and_(Figures.tenant_id == Entry.tenant_id, Figures.entry_id == Entry.id))
        .where(Entry.verified_at.is_not(None))
        .execution_options(all_tenants=True, yield_per=5000)
    )
    cells: dict[Key, Cell] = defaultdict(Cell)
    with cross_tenant_read():
        add_rows(cells, db.session.execute(query), municipalities, names)
    return dict(cells)


def add_rows(cells: dict[Key, Cell], rows, municipalities: dict, names: dict) -> None:
    """Add each (tenant, sectors, groups, year, figures...) row to its municipality's cells (one
    pass over the rows), then roll the municipalities up to their regional unit, region and
    country (one pass over the cells): memory in the number of cells, not of rows."""
    codes = {t: (a.nuts3, a.nuts2, a.country) for t, a in municipalities.items()}
    local: dict[Key, Cell] = {}
    for tenant_id, sectors, groups, year, paid, vols, vuln, served, budget, revenue in rows:
        area = codes.get(tenant_id)
        if area is None:
            continue
        slug = names[tenant_id][0]
        breakdowns = [("total", "")]
        if sectors:
            breakdowns.append(("sector", sectors[0]))  # the main sector: a partition of the total
        breakdowns += [("group", g) for g in dict.fromkeys(groups or [])]
        for dimension, value in breakdowns:
            key = ("municipality", slug, year, dimension, value)
            cell = local.get(key)
            if cell is None:
                cell = local[key] = Cell(area_name=names[tenant_id][1], parent=area[0])
            cell.entries += 1
            cell.staff_paid += paid
            cell.staff_volunteers += vols
            cell.staff_vulnerable += vuln
            cell.people_served += served
            cell.budget += budget or 0
            cell.revenue += revenue or 0
    parents = {names[t][0]: codes[t] for t in codes if t in names}
    for (_level, slug, year, dimension, value), cell in local.items():
        cells[("municipality", slug, year, dimension, value)] = cell
        nuts3, nuts2, country = parents[slug]
        for level, code, parent in (
            ("nuts3", nuts3, nuts2),
            ("nuts2", nuts2, country),
            ("country", country, ""),
        ):
            up = cells[(level, code, year, dimension, value)]
            if not up.area_name:
                up.area_name, up.parent = AREA_NAMES.get(code, code), parent
            up.entries += cell.entries
            up.staff_paid += cell.staff_paid
            up.staff_volunteers += cell.staff_volunteers
            up.staff_vulnerable += cell.staff_vulnerable
            up.people_served += cell.people_served
            up.budget += cell.budget
            up.revenue += cell.revenue


def relations(cells: dict[Key, Cell]) -> list[tuple[Key, list[Key]]]:
    """Every published total with the cells it is the sum of (or bounds, for groups)."""
    found: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for key, cell in cells.items():
        level, area, year, dimension, code = key
        if dimension != "total":
            found[((level, area, year, "total", ""), dimension)].append(key)  # an area's breakdown
        index = LEVELS.index(level)
        if index + 1 < len(LEVELS):
            parent = (LEVELS[index + 1], cell.parent, year, dimension, code)
            found[(parent, "areas")].append(key)  # the areas within their parent
    return [(parent, children) for (parent, _how), children in found.items() if parent in cells]


def suppress(cells: dict[Key, Cell], threshold: int = THRESHOLD) -> int:
    """Primary then secondary suppression, in place; returns how many cells are suppressed.

    A work list: a relation is looked at again only when one of its cells has just been hidden,
    so the cost grows with the number of relations, not with their number times the passes."""
    for cell in cells.values():
        cell.suppressed = cell.entries < threshold
    links = relations(cells)
    touching: dict[Key, list[int]] = defaultdict(list)
    for i, (parent, children) in enumerate(links):
        touching[parent].append(i)
        for child in children:
            touching[child].append(i)
    hidden = [sum(cells[c].suppressed for c in children) for _parent, children in links]
    queue = deque(i for i, n in enumerate(hidden) if n == 1)
    while queue:
        i = queue.popleft()
        parent, children = links[i]
        if cells[parent].suppressed or hidden[i] != 1:
            continue
        shown = min(
            (c for c in children if not cells[c].suppressed),
            key=lambda k: (cells[k].entries, k),
            default=None,
        )
        key = parent if shown is None else shown
        cells[key].suppressed = True
        for j in touching[key]:
            if links[j][0] != key:
                hidden[j] += 1
            queue.append(j)
    return sum(c.suppressed for c in cells.values())


COLUMNS = (
    "run_id",
    "level",
    "area",
    "area_name",
    "parent",
    "year",
    "dimension",
    "code",
    "suppressed",
    *MEASURES,
)


def _write_cells(run_id: int, cells: dict[Key, Cell]) -> None:
    """The run's cells: streamed with COPY on PostgreSQL (a million rows at 10,000
    municipalities), batched INSERTs elsewhere (the demo's SQLite)."""

    def tuples():
        for (level, area, year, dimension, code), cell in cells.items():
            figures = (
                (None,) * len(MEASURES) if cell.suppressed else tuple(getattr(cell, m) for m in MEASURES)
            )
            yield (
                run_id,
                level,
                area,
                cell.area_name,
                cell.parent,
                year,
                dimension,
                code,
                cell.suppressed,
                *figures,
            )

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        statement = f"COPY {AggregateCell.__tablename__} ({', '.join(COLUMNS)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in tuples():
                copy.write_row(row)
        return
    batch: list[dict[str, Any]] = []
    for row in tuples():
        batch.append(dict(zip(COLUMNS, row, strict=True)))
        if len(batch) == 5000:
            connection.execute(sa.insert(AggregateCell.__table__), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(AggregateCell.__table__), batch)


def run() -> AggregateRun:
    """One run: compute, suppress, and replace the previous run's cells (in the caller's
    transaction: the observatory sees the old run until it commits)."""
    municipalities = participating()
    # a million small objects that live until the end: the cyclic collector would walk them over
    # and over as they are made (time growing faster than the data); none of them form cycles
    collecting = gc.isenabled()
    gc.disable()
    try:
        cells = compute(municipalities)
        suppress(cells)
    finally:
        if collecting:
            gc.enable()
    db.session.execute(sa.delete(AggregateRun))
    new = AggregateRun(municipalities=len(municipalities), cells=len(cells))
    db.session.add(new)
    db.session.flush()
    _write_cells(new.id, cells)
    db.session.flush()
    return new


# --- reading (the observatory) ------------------------------------------------------------------


def latest_run() -> AggregateRun | None:
    return db.session.execute(sa.select(AggregateRun).order_by(AggregateRun.id.desc()).limit(1)).scalar()


def years(run_id: int) -> list[int]:
    """The run's years: those of its country cells (every figure is in its country's)."""
    rows = db.session.execute(
        sa.select(AggregateCell.year)
        .where(AggregateCell.run_id == run_id, AggregateCell.level == "country")
        .distinct()
    ).scalars()
    return sorted(set(rows), reverse=True)


def areas(run_id: int, level: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(AggregateCell.area, AggregateCell.area_name)
        .where(
            AggregateCell.run_id == run_id, AggregateCell.level == level, AggregateCell.dimension == "total"
        )
        .distinct()
    ).all()
    return sorted({(a, n) for a, n in rows}, key=lambda r: r[1].casefold())


def area_cells(run_id: int, level: str, area: str, year: int) -> list[AggregateCell]:
    return list(
        db.session.execute(
            sa.select(AggregateCell)
            .where(
                AggregateCell.run_id == run_id,
                AggregateCell.level == level,
                AggregateCell.area == area,
                AggregateCell.year == year,
            )
            .order_by(AggregateCell.dimension, AggregateCell.code)
        ).scalars()
    )


def child_cells(run_id: int, level: str, area: str, year: int) -> list[AggregateCell]:
    index = LEVELS.index(level)
    if index == 0:
        return []
    return list(
        db.session.execute(
            sa.select(AggregateCell)
            .where(
                AggregateCell.run_id == run_id,
                AggregateCell.level == LEVELS[index - 1],
                AggregateCell.parent == area,
                AggregateCell.year == year,
                AggregateCell.dimension == "total",
            )
            .order_by(AggregateCell.area_name)
        ).scalars()
    )


def cell_dict(cell: AggregateCell) -> dict[str, Any]:
    data = {
        "level": cell.level,
        "area": cell.area,
        "area_name": cell.area_name,
        "year": cell.year,
        "dimension": cell.dimension,
        "code": cell.code,
        "suppressed": cell.suppressed,
    }
    for measure in MEASURES:
        value = getattr(cell, measure)
        data[measure] = float(value) if isinstance(value, decimal.Decimal) else value
    return data


# --- the observatory API ------------------------------------------------------------------------


def area_rows(run_id: int, level: str) -> list[dict[str, str]]:
    rows = db.session.execute(
        sa.select(AggregateCell.area, AggregateCell.area_name, AggregateCell.parent)
        .where(
            AggregateCell.run_id == run_id, AggregateCell.level == level, AggregateCell.dimension == "total"
        )
        .distinct()
    ).all()
    found = sorted({tuple(r) for r in rows}, key=lambda r: (r[1].casefold(), r[0]))
    return [{"level": level, "area": a, "area_name": n, "parent": p} for a, n, p in found]


def _cells_query(
    run_id: int,
    *,
    level: str,
    area: str | None = None,
    parent: str | None = None,
    year: int | None = None,
    dimension: str | None = None,
    code: str | None = None,
):
    query = sa.select(AggregateCell).where(AggregateCell.run_id == run_id, AggregateCell.level == level)
    for column, value in (
        (AggregateCell.area, area),
        (AggregateCell.parent, parent),
        (AggregateCell.year, year),
        (AggregateCell.dimension, dimension),
        (AggregateCell.code, code),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def count_cells(run_id: int, **filters) -> int:
    subquery = _cells_query(run_id, **filters).with_only_columns(AggregateCell.id).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(subquery)).scalar_one()


def _ordered(query):
    return query.order_by(
        AggregateCell.area, AggregateCell.year.desc(), AggregateCell.dimension, AggregateCell.code
    )


def find_cells(run_id: int, *, offset: int = 0, limit: int = 100, **filters) -> list[AggregateCell]:
    query = _ordered(_cells_query(run_id, **filters)).offset(offset).limit(limit)
    return list(db.session.execute(query).scalars())


def iter_cells(run_id: int, chunk: int = 2000, **filters):
    """Every matching cell, in chunks (the CSV download streams them)."""
    query = _ordered(_cells_query(run_id, **filters)).execution_options(yield_per=chunk)
    yield from db.session.execute(query).scalars().partitions(chunk)
