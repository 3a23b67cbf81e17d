"""The 3W matrix (who does what where): organisation × sector × country. Two of the three are
the table's rows and columns, the third (and role and year) a filter; each cell counts the
programmes behind it and links to the programme list filtered to exactly them.

Cells are counted from the filtered programme rows rather than the views' precomputed cube:
the cube holds only programmes known in all three dimensions, so an organisation × sector
cell would miss programmes without a country that its drill-down list shows.

The cube itself is the 3W table as people share it, a spreadsheet of who works in which
sector in which country with which programmes: /3w.csv and /3w.json, under the page's filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...views import Cell, Filters, Ref
from ...views.filters import PARAMETERS
from ..deps import TemplatesDep
from .common import csv_download, href_for, json_download, query_string, render, safe_cell
from .deps import FiltersDep, PageError, ViewsDep
from .programmes import FACET_SHOWN, facet_view
from .text import heat_level

router = APIRouter(tags=["Browse"])

AXES = ("organisation", "sector", "country")
AXIS_TITLES = {"organisation": "Organisation", "sector": "Sector", "country": "Country"}
ROW_LIMIT = 30
CUBE_COLUMNS = ("organisation", "organisation_label", "sector", "sector_label", "country", "country_label",
                "programmes", "programme_iris")
Axis = Literal["organisation", "sector", "country"]


def drill_query(filters: Filters, rows_axis: str, columns_axis: str) -> Callable[[str, str], str]:
    """(row key, column key) -> the query string of the programme list of one cell: the page's
    filters narrowed to its row and column, as query_string writes them. Made from pieces
    encoded once: a page has up to a few thousand cells, and making Filters for each took
    half of its time."""
    narrowed = filters.without(rows_axis, columns_axis).to_query()
    pieces = [name if name in (rows_axis, columns_axis) else urlencode({name: narrowed[name]}, doseq=True)
              for name in PARAMETERS if name in (rows_axis, columns_axis) or name in narrowed]

    def query(row: str, column: str) -> str:
        chosen = {rows_axis: f"{rows_axis}={quote_plus(row)}", columns_axis: f"{columns_axis}={quote_plus(column)}"}
        return "?" + "&".join(chosen.get(piece, piece) for piece in pieces)
    return query


@router.get("/3w", summary="Who does what where: organisation × sector × country, with drill-down (HTML)")
def three_w(request: Request, views: ViewsDep, filters: FiltersDep, templates: TemplatesDep,
            rows: Annotated[Axis, Query(description="the axis down the side")] = "organisation",
            columns: Annotated[Axis, Query(description="the axis across the top")] = "sector",
            all: Annotated[bool, Query(description="every row, not only the largest")] = False) -> Response:
    if rows == columns:
        raise PageError(400, f"rows and columns are both {rows!r}: choose two different axes of {', '.join(AXES)}")
    table = views.matrix(filters, rows, columns)
    root = request.scope.get("root_path", "")
    highest = table.highest
    shown_rows = table.rows if all else table.rows[:ROW_LIMIT]
    href = href_for(request)
    drilled = drill_query(filters, rows, columns)
    body = [{
        "ref": {"text": row.label, "href": href(row.iri), "kind": row.kind},
        "total": table.row_totals[row.key],
        "total_href": root + "/programmes" + query_string(filters.without(rows).toggle(rows, row.key)),
        "cells": [_cell(table.counts.count(row.key, column.key), row, column, highest, root, drilled)
                  for column in table.columns],
    } for row in shown_rows]
    third = next(axis for axis in AXES if axis not in (rows, columns))
    return render(request, templates, "browse/threew.html", {
        "filters": filters, "rows_axis": rows, "columns_axis": columns, "third": third, "axes": AXES,
        "titles": AXIS_TITLES,
        "columns": [{"text": c.label, "href": href(c.iri), "kind": c.kind, "total": table.column_totals[c.key]}
                    for c in table.columns],
        "body": body, "hidden_rows": len(table.rows) - len(shown_rows), "total": table.total,
        "all_href": root + "/3w" + query_string(filters, rows=rows, columns=columns, all="true"),
        "swap_href": root + "/3w" + query_string(filters, rows=columns, columns=rows),
        "facets": facet_view(filters, views.facets(filters), root + "/3w", rows=rows, columns=columns),
        "programmes_href": root + "/programmes" + query_string(filters),
        "cube_csv": root + "/3w.csv" + query_string(filters),
        "cube_json": root + "/3w.json" + query_string(filters),
        "shown": FACET_SHOWN,
    })


def _cell(count: int, row: Ref, column: Ref, highest: int, root: str, drilled: Callable[[str, str], str]) -> dict:
    return {
        "count": count,
        "level": heat_level(count, highest),
        "label": f"{count} programme{'s' if count != 1 else ''}: {row.label} × {column.label}",
        "href": root + "/programmes" + drilled(row.key, column.key) if count else None,
    }


@router.get("/3w.csv", summary="The 3W cube under the filters, as CSV: one line per organisation × sector × "
            "country, with its programmes (those known in all three)")
def three_w_csv(views: ViewsDep, filters: FiltersDep) -> Response:
    return csv_download("3w", filters, CUBE_COLUMNS, map(cube_row, views.three_w(filters)))


@router.get("/3w.json", summary="The 3W cube under the filters, as JSON: organisation × sector × country cells, "
            "largest first, with their programmes")
def three_w_json(views: ViewsDep, filters: FiltersDep) -> Response:
    return json_download("3w", filters, "cells", views.three_w(filters), cell_record)


def cube_row(cell: Cell) -> list:
    """A cell for CSV: keys and names of the three, the number of programmes and their IRIs
    (separated by spaces)."""
    return [*(value for ref in cell[:3] for value in (ref.key, safe_cell(ref.label))), cell.count,
            " ".join(cell.programmes)]


def cell_record(cell: Cell) -> dict:
    """A cell for JSON: each of the three as IRI, key and label, and its programmes' IRIs."""
    return {**{axis: {"iri": ref.iri, "key": ref.key, "label": ref.label} for axis, ref in zip(AXES, cell[:3])},
            "count": cell.count, "programmes": list(cell.programmes)}
