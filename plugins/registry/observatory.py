"""The observatory on the apex, at ``/observatory/``: the aggregates of the latest run by level,
area and year, with a server-rendered SVG chart and CSV/JSON downloads. It reads only the global
aggregate tables (never a municipality's rows); the periodic job fills them."""

import json

from flask import Response

from core.toolkit import Blueprint, abort, render_template, request
from core.toolkit import lazy_gettext as _l
from plugins.registry import aggregates, services, taxonomy

apex_ui = Blueprint("registry_observatory", __name__, template_folder="templates")

LEVEL_LABELS = {
    "country": _l("Country"),
    "nuts2": _l("Region (NUTS 2)"),
    "nuts3": _l("Regional unit (NUTS 3)"),
    "municipality": _l("Municipality"),
}


def _choice():
    run = aggregates.latest_run()
    if run is None:
        return None, None, None, None, [], []
    level = request.args.get("level", "country")
    if level not in aggregates.LEVELS:
        abort(404)
    areas = aggregates.areas(run.id, level)
    area = request.args.get("area") or (areas[0][0] if areas else "")
    if areas and area not in {a for a, _n in areas}:
        abort(404)
    years = aggregates.years(run.id)
    try:
        year = int(request.args.get("year") or (years[0] if years else 0))
    except ValueError:
        abort(404)
    return run, level, area, year, areas, years


def _table():
    run, level, area, year, areas, years = _choice()
    if run is None:
        return None
    cells = aggregates.area_cells(run.id, level, area, year)
    return {
        "run": run,
        "level": level,
        "area": area,
        "year": year,
        "areas": areas,
        "years": years,
        "total": next((c for c in cells if c.dimension == "total"), None),
        "sectors": [c for c in cells if c.dimension == "sector"],
        "groups": [c for c in cells if c.dimension == "group"],
        "children": aggregates.child_cells(run.id, level, area, year),
    }


@apex_ui.get("/")
def index():
    data = _table()
    return render_template(
        "registry/observatory.html",
        data=data,
        levels=LEVEL_LABELS,
        sectors=taxonomy.SECTORS,
        groups=taxonomy.POPULATION_GROUPS,
        label=taxonomy.label,
        chart=_chart(data["sectors"]) if data else None,
    )


def _chart(cells) -> list[dict]:
    """Bars for the SVG chart: entries by sector, suppressed cells shown as such."""
    shown = [c for c in cells if not c.suppressed]
    top = max((c.entries for c in shown), default=0) or 1
    return [
        {
            "code": c.code,
            "entries": c.entries,
            "suppressed": c.suppressed,
            "width": 0 if c.suppressed else round(300 * c.entries / top),
        }
        for c in cells
    ]


def _rows(data) -> list[dict]:
    cells = ([data["total"]] if data["total"] else []) + data["sectors"] + data["groups"] + data["children"]
    return [aggregates.cell_dict(c) for c in cells]


@apex_ui.get("/data.json")
def data_json():
    data = _table()
    rows = _rows(data) if data else []
    return Response(json.dumps({"cells": rows}, ensure_ascii=False), mimetype="application/json")


@apex_ui.get("/data.csv")
def data_csv():
    data = _table()
    rows = _rows(data) if data else []
    columns = ("level", "area", "area_name", "year", "dimension", "code", "suppressed", *aggregates.MEASURES)
    return Response(
        services.to_csv(rows, columns),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=observatory.csv"},
    )
