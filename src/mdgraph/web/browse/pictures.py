"""Pictures of the programmes: a choropleth map of programmes per country (SVG drawn on the
server from world-atlas, so it needs no script and no tile server) and a timeline of
programmes by start and end. Both follow the programme list's filters."""

from __future__ import annotations

from collections.abc import Sequence

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...config import PROJECT_ROOT
from ...views import FacetValue
from ..deps import TemplatesDep
from .common import href_for, query_string, render
from .deps import FiltersDep, ViewsDep
from .geo import Shape, WorldMap, load_world
from .programmes import FACET_SHOWN, facet_view
from .text import heat_level, span
from .timeline import layout

router = APIRouter(tags=["Browse"])

#: Natural Earth country shapes installed by `npm install` (package.json); the detailed file
#: only adds the small countries the coarse one leaves out.
WORLD_ATLAS = PROJECT_ROOT / "node_modules" / "world-atlas"
COARSE, DETAILED = WORLD_ATLAS / "countries-110m.json", WORLD_ATLAS / "countries-50m.json"
LEVELS = 6


def numeric_code(alpha2: str) -> str | None:
    """The ISO 3166 numeric code of an alpha-2 key (None for codes ISO has not assigned, like xk)."""
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    return country.numeric if country else None


def shape_for(shapes: Sequence[Shape], value: FacetValue) -> Shape | None:
    """A country's shape: by ISO numeric code, else by name (Kosovo has no ISO code)."""
    numeric = numeric_code(value.key)
    for shape in shapes:
        if (numeric and shape.numeric == numeric) or (shape.numeric is None and shape.name == value.label):
            return shape
    return None


def choropleth(world: WorldMap, values: Sequence[FacetValue], href) -> dict:
    """Every shape with the colour level, count and link of its country; markers for small
    countries that have programmes; the countries no shape was found for."""
    highest = max((v.count for v in values), default=0)
    placed: dict[int, tuple[FacetValue, int]] = {}
    unplaced = []
    for value in values:
        shape = shape_for(world.shapes, value)
        if shape is None:
            unplaced.append(value)
        else:
            placed[id(shape)] = (value, heat_level(value.count, highest, LEVELS))
    shapes = []
    for shape in world.shapes:
        value, level = placed.get(id(shape), (None, 0))
        shapes.append({
            "path": shape.path, "level": level, "marker": shape.marker if value and value.count else None,
            "label": f"{value.label}: {value.count} programme{'s' if value.count != 1 else ''}" if value else shape.name,
            "href": href(value.iri) if value and value.iri else None,
        })
    return {"width": world.width, "height": world.height, "shapes": shapes, "unplaced": unplaced,
            "legend": legend(highest, LEVELS)}


def legend(highest: int, levels: int) -> list[tuple[int, str]]:
    """(level, range of counts) for each colour step used up to `highest`."""
    bounds: dict[int, list[int]] = {}
    for count in range(1, highest + 1):
        bounds.setdefault(heat_level(count, highest, levels), []).append(count)
    return [(level, f"{c[0]}" if c[0] == c[-1] else f"{c[0]}–{c[-1]}") for level, c in sorted(bounds.items())]


@router.get("/map", summary="Programmes per country on a world map (HTML, SVG)")
def programme_map(request: Request, views: ViewsDep, filters: FiltersDep, templates: TemplatesDep) -> Response:
    root = request.scope.get("root_path", "")
    facets = views.facets(filters)
    values = [v for v in facets["country"] if v.count]
    world = load_world(COARSE, DETAILED)
    href = href_for(request)
    return render(request, templates, "browse/map.html", {
        "filters": filters,
        "map": choropleth(world, values, href) if world and world.shapes else None,
        "countries": [{"text": v.label, "href": href(v.iri) if v.iri else "#", "count": v.count,
                       "list": root + "/programmes" + query_string(filters.without("country").toggle("country", v.key))}
                      for v in values],
        "facets": [f for f in facet_view(filters, facets, root + "/map") if f["facet"] != "country"],
        "programmes_href": root + "/programmes" + query_string(filters),
        "shown": FACET_SHOWN,
    })


@router.get("/timeline", summary="Programmes by start and end (HTML)")
def programme_timeline(request: Request, views: ViewsDep, filters: FiltersDep, templates: TemplatesDep) -> Response:
    root = request.scope.get("root_path", "")
    timeline = layout(views.programmes(filters))
    href = href_for(request)
    return render(request, templates, "browse/timeline.html", {
        "filters": filters,
        "timeline": timeline,
        "bars": [{"text": b.row.label, "href": href(b.row.iri), "dates": span(b.row.start, b.row.end),
                  "left": b.left, "width": b.width, "open": b.open_ended} for b in timeline.bars],
        "undated": [{"text": r.label, "href": href(r.iri)} for r in timeline.undated],
        "facets": facet_view(filters, views.facets(filters), root + "/timeline"),
        "programmes_href": root + "/programmes" + query_string(filters),
        "shown": FACET_SHOWN,
    })
