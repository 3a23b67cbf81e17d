"""The 3W matrix (who does what where): organisation × sector × country. Two of the three are
the table's rows and columns, the third (and role and year) a filter; each cell counts the
programmes behind it and links to the programme list filtered to exactly them.

Cells are counted from the filtered programme rows rather than the views' precomputed cube:
the cube holds only programmes known in all three dimensions, so an organisation × sector
cell would miss programmes without a country that its drill-down list shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...errors import InputError
from ...views import ROLES, Filters, ProgrammeRow, Ref
from ..deps import TemplatesDep
from .common import href_for, query_string, render
from .deps import FiltersDep, PageError, ViewsDep
from .programmes import FACET_SHOWN, facet_view
from .text import heat_level

router = APIRouter(tags=["Browse"])

AXES = ("organisation", "sector", "country")
AXIS_TITLES = {"organisation": "Organisation", "sector": "Sector", "country": "Country"}
ROW_LIMIT = 30
ROLE_FIELDS = {"implementer": "implementers", "funder": "funders", "partner": "partners"}
Axis = Literal["organisation", "sector", "country"]


@lru_cache(maxsize=4096)
def filterable(key: str) -> bool:
    """Whether the programme list can filter by this key (not so for a resource outside
    mdgraph's IRIs): only such values get a row or column, so every cell can drill down."""
    try:
        return Filters(countries=(key,)).countries == (key,)
    except InputError:
        return False


def axis_values(row: ProgrammeRow, axis: str, filters: Filters) -> set[Ref]:
    """The values of one axis for a programme, as the filters see them: only the selected
    values of a filtered axis, organisations only in the selected roles, and only values the
    programme list can filter by."""
    if axis == "organisation":
        roles = filters.roles or ROLES
        refs = {ref for role in roles for ref in getattr(row, ROLE_FIELDS[role])}
        selected = filters.organisations
    else:
        refs = set(row.countries if axis == "country" else row.sectors)
        selected = filters.countries if axis == "country" else filters.sectors
    return {ref for ref in refs if (ref.key in selected if selected else filterable(ref.key))}


def matrix(rows: Iterable[ProgrammeRow], filters: Filters, rows_axis: str, columns_axis: str) -> dict:
    """For each (row, column) value pair the programmes that have both, among the programmes
    the filters keep: exactly the programmes the programme list shows for that cell. Rows and
    columns are ordered by how many programmes they hold, then by name."""
    if rows_axis == columns_axis or {rows_axis, columns_axis} - set(AXES):
        raise ValueError(f"rows and columns must be two different axes of {AXES}")
    counts: Counter[tuple[str, str]] = Counter()
    row_totals: Counter[Ref] = Counter()
    column_totals: Counter[Ref] = Counter()
    total = 0
    for programme in rows:
        down, across = axis_values(programme, rows_axis, filters), axis_values(programme, columns_axis, filters)
        row_totals.update(down)
        column_totals.update(across)
        counts.update((r.key, c.key) for r in down for c in across)
        total += bool(down and across)

    def order(totals: Counter[Ref]) -> list[Ref]:
        return sorted(totals, key=lambda ref: (-totals[ref], ref.label.casefold(), ref.key))

    return {
        "rows": order(row_totals), "columns": order(column_totals), "counts": dict(counts),
        "row_totals": {ref.key: n for ref, n in row_totals.items()},
        "column_totals": {ref.key: n for ref, n in column_totals.items()},
        "total": total,
    }


def drill_filters(filters: Filters, rows_axis: str, row: str, columns_axis: str, column: str) -> Filters:
    """The programme-list filters of one cell: the page's filters narrowed to its row and column."""
    narrowed = filters.without(rows_axis, columns_axis)
    return narrowed.toggle(rows_axis, row).toggle(columns_axis, column)


@router.get("/3w", summary="Who does what where: organisation × sector × country, with drill-down (HTML)")
def three_w(request: Request, views: ViewsDep, filters: FiltersDep, templates: TemplatesDep,
            rows: Annotated[Axis, Query(description="the axis down the side")] = "organisation",
            columns: Annotated[Axis, Query(description="the axis across the top")] = "sector",
            all: Annotated[bool, Query(description="every row, not only the largest")] = False) -> Response:
    if rows == columns:
        raise PageError(400, f"rows and columns are both {rows!r}: choose two different axes of {', '.join(AXES)}")
    table = matrix(views.programmes(filters), filters, rows, columns)
    root = request.scope.get("root_path", "")
    highest = max(table["counts"].values(), default=0)
    shown_rows = table["rows"] if all else table["rows"][:ROW_LIMIT]
    href = href_for(request)
    body = [{
        "ref": {"text": row.label, "href": href(row.iri), "kind": row.kind},
        "total": table["row_totals"][row.key],
        "total_href": root + "/programmes" + query_string(filters.without(rows).toggle(rows, row.key)),
        "cells": [_cell(table, filters, rows, row, columns, column, highest, root) for column in table["columns"]],
    } for row in shown_rows]
    third = next(axis for axis in AXES if axis not in (rows, columns))
    return render(request, templates, "browse/threew.html", {
        "filters": filters, "rows_axis": rows, "columns_axis": columns, "third": third, "axes": AXES,
        "titles": AXIS_TITLES,
        "columns": [{"text": c.label, "href": href(c.iri), "kind": c.kind, "total": table["column_totals"][c.key]}
                    for c in table["columns"]],
        "body": body, "hidden_rows": len(table["rows"]) - len(shown_rows), "total": table["total"],
        "all_href": root + "/3w" + query_string(filters, rows=rows, columns=columns, all="true"),
        "swap_href": root + "/3w" + query_string(filters, rows=columns, columns=rows),
        "facets": facet_view(filters, views.facets(filters), root + "/3w", rows=rows, columns=columns),
        "programmes_href": root + "/programmes" + query_string(filters),
        "shown": FACET_SHOWN,
    })


def _cell(table: dict, filters: Filters, rows_axis: str, row: Ref, columns_axis: str, column: Ref,
          highest: int, root: str) -> dict:
    count = table["counts"].get((row.key, column.key), 0)
    return {
        "count": count,
        "level": heat_level(count, highest),
        "label": f"{count} programme{'s' if count != 1 else ''}: {row.label} × {column.label}",
        "href": root + "/programmes" + query_string(drill_filters(filters, rows_axis, row.key, columns_axis, column.key))
        if count else None,
    }
