"""The faceted programme list: filters by country, sector, organisation, role and year
(values of one facet OR-ed, facets AND-ed), counts per value, every state a URL, and the
same list as CSV or JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...errors import InputError
from ...views import FACETS, Filters, ProgrammeRow
from ..deps import TemplatesDep
from .common import csv_download, href_for, json_download, query_string, render, safe_cell
from .deps import FiltersDep, ViewsDep
from .text import span

router = APIRouter(tags=["Browse"])

PAGE_SIZE = 50
#: How many values a facet shows before "more".
FACET_SHOWN = 12
FACET_TITLES = {"country": "Country", "sector": "Sector", "organisation": "Organisation", "role": "Role", "year": "Year"}
CSV_COLUMNS = ("programme", "title", "start", "end", "countries", "sectors", "implementers", "funders", "partners")
LINKS = ("countries", "sectors", "implementers", "funders", "partners")


def facet_view(filters: Filters, facets: dict, base: str, **extra: str) -> list[dict]:
    """Each facet's values with their counts and the URL that toggles them (keeping `extra`
    parameters, such as the 3W axes). A value whose key cannot be a filter (a resource from
    outside mdgraph's IRIs) is left out rather than failing the page."""
    shown = []
    for facet in FACETS:
        values = []
        for value in facets.get(facet, []):
            try:
                toggled = filters.toggle(facet, value.key)
            except InputError:
                continue
            values.append({"key": value.key, "label": value.label, "count": value.count, "selected": value.selected,
                           "href": base + query_string(toggled, **extra)})
        if facet == "year":
            values.sort(key=lambda v: v["key"])
        selected = [v for v in values if v["selected"]]
        shown.append({"facet": facet, "title": FACET_TITLES[facet], "options": values, "selected": selected,
                      "clear_href": base + query_string(filters.without(facet), **extra) if selected else None})
    return shown


def row_record(row: ProgrammeRow) -> dict:
    """A programme row for JSON: IRIs and labels of everything it links to."""
    record = {"programme": row.iri, "key": row.key, "title": row.label, "start": row.start, "end": row.end}
    for name in LINKS:
        record[name] = [{"iri": ref.iri, "key": ref.key, "label": ref.label} for ref in getattr(row, name)]
    return record


def csv_row(row: ProgrammeRow) -> list[str]:
    """A programme row for CSV: several values joined with '; '."""
    return [row.iri, safe_cell(row.label), row.start or "", row.end or "",
            *("; ".join(safe_cell(ref.label) for ref in getattr(row, name)) for name in LINKS)]


Page = Annotated[int, Query(ge=1, le=100000, description="page of the list, from 1")]


@router.get("/programmes", summary="Programmes filtered by country, sector, organisation, role and year (HTML)")
def programme_list(request: Request, views: ViewsDep, filters: FiltersDep, templates: TemplatesDep,
                   page: Page = 1) -> Response:
    base = request.scope.get("root_path", "") + "/programmes"
    total = views.count(filters)
    rows = views.programmes(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    href = href_for(request)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, templates, "browse/programmes.html", {
        "filters": filters,
        "facets": facet_view(filters, views.facets(filters), base),
        "total": total,
        "page": page,
        "pages": pages,
        "previous": base + query_string(filters, page=str(page - 1) if page > 2 else None) if page > 1 else None,
        "next": base + query_string(filters, page=str(page + 1)) if page < pages else None,
        "clear": base if filters else None,
        "csv": base + ".csv" + query_string(filters),
        "json": base + ".json" + query_string(filters),
        "three_w": request.scope.get("root_path", "") + "/3w" + query_string(filters),
        "timeline": request.scope.get("root_path", "") + "/timeline" + query_string(filters),
        "map": request.scope.get("root_path", "") + "/map" + query_string(filters),
        "rows": [{"text": row.label, "href": href(row.iri), "dates": span(row.start, row.end),
                  **{name: [{"text": r.label, "href": href(r.iri), "kind": r.kind} for r in getattr(row, name)]
                     for name in LINKS}} for row in rows],
        "shown": FACET_SHOWN,
    })


@router.get("/programmes.csv", summary="The filtered programme list as CSV")
def programme_csv(views: ViewsDep, filters: FiltersDep) -> Response:
    return csv_download("programmes", filters, CSV_COLUMNS, map(csv_row, views.programmes(filters)))


@router.get("/programmes.json", summary="The filtered programme list as JSON")
def programme_json(views: ViewsDep, filters: FiltersDep) -> Response:
    return json_download("programmes", filters, "programmes", views.programmes(filters), row_record)
