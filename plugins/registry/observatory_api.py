"""The observatory's API on the apex, at ``/api/v1/observatory/``: for the regional and central
unions of municipalities and the ministries. The latest aggregate run by level, area and year,
with the breakdowns by sector (NACE Rev. 2, main sector) and population group; a suppressed cell
says so and carries no figures. Reads only the global aggregate tables, like the page."""

from flask import Response, stream_with_context
from flask.views import MethodView

from core.toolkit import ApiBlueprint, abort, gettext
from plugins.registry import aggregates, schemas, services, taxonomy

api = ApiBlueprint(
    "registry_observatory_api",
    __name__,
    description="The social economy observatory (platform host only): aggregates of the consenting "
    "municipalities by level (municipality, NUTS 3, NUTS 2, country), year, sector and population "
    "group, with small numbers suppressed (fewer than 5 entries, and secondary suppression).",
)

CSV_COLUMNS = (
    "level",
    "area",
    "area_name",
    "parent",
    "year",
    "dimension",
    "code",
    "label",
    "suppressed",
    *aggregates.MEASURES,
)


def _run():
    run = aggregates.latest_run()
    if run is None:
        abort(404, gettext("No figures have been aggregated yet."))
    return run


def _label(dimension: str, code: str) -> str:
    table = {"sector": taxonomy.SECTORS, "group": taxonomy.POPULATION_GROUPS}.get(dimension)
    return str(taxonomy.label(table, code)) if table and code else ""


def _row(cell) -> dict:
    return {**aggregates.cell_dict(cell), "parent": cell.parent, "label": _label(cell.dimension, cell.code)}


@api.route("/")
class Summary(MethodView):
    @api.response(200, schemas.ObservatorySchema)
    def get(self):
        """The latest run: when, how many municipalities, and the levels and years it covers."""
        run = _run()
        return {
            "finished_at": run.finished_at,
            "municipalities": run.municipalities,
            "cells": run.cells,
            "threshold": aggregates.THRESHOLD,
            "levels": list(aggregates.LEVELS),
            "years": aggregates.years(run.id),
        }


@api.route("/areas")
class Areas(MethodView):
    @api.arguments(schemas.AreaQuerySchema, location="query")
    @api.response(200, schemas.ObservatoryAreaSchema(many=True))
    def get(self, args):
        """The areas of a level in the latest run (code, name, and the area one level up)."""
        run = _run()
        return aggregates.area_rows(run.id, args["level"])


@api.route("/cells")
class Cells(MethodView):
    @api.arguments(schemas.CellQuerySchema, location="query")
    @api.response(200, schemas.CellSchema(many=True))
    @api.paginate(page=1, page_size=100, max_page_size=1000)
    def get(self, args, pagination_parameters):
        """Cells of the latest run, filtered by level, area (or parent area), year and breakdown."""
        run = _run()
        pagination_parameters.item_count = aggregates.count_cells(run.id, **args)
        rows = aggregates.find_cells(
            run.id, **args, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return [_row(c) for c in rows]


@api.route("/cells.csv")
class CellsCsv(MethodView):
    @api.arguments(schemas.CellQuerySchema, location="query")
    @api.response(
        200,
        description="The same cells as CSV (UTF-8, one header row), unpaginated.",
        content_type="text/csv",
    )
    def get(self, args):
        """The cells as CSV, for a spreadsheet: every cell that matches, suppressed ones empty."""
        run_id = _run().id

        def lines():
            for chunk in aggregates.iter_cells(run_id, **args):
                yield services.to_csv([_row(c) for c in chunk], CSV_COLUMNS)

        body = stream_with_context(_strip_repeated_headers(lines()))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=observatory-cells.csv"},
        )


def _strip_repeated_headers(chunks):
    """``to_csv`` writes a header per chunk: keep the first only (and one even with no rows)."""
    first = True
    header = ",".join(CSV_COLUMNS) + "\r\n"
    for chunk in chunks:
        if first:
            first = False
            yield chunk
        else:
            yield chunk[len(header) :]
    if first:
        yield header
