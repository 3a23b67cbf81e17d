"""The home page (what the graph holds, entry points) and the index of each kind."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...views import Filters
from ..deps import ServiceDep, TemplatesDep
from .common import href_for, render
from .deps import ViewsDep

router = APIRouter(tags=["Browse"])

#: The index pages: URL segment -> (kind of resource, which is also its facet in the views; title).
INDEXES = {"countries": ("country", "Countries"), "organisations": ("organisation", "Organisations"),
           "sectors": ("sector", "Sectors")}
HOME_LIMIT = 12


@router.get("/", summary="Home: what the graph holds, search, entry points", include_in_schema=False)
def home(request: Request, service: ServiceDep, views: ViewsDep, templates: TemplatesDep) -> Response:
    facets = views.facets(Filters())
    documents = service.documents()
    href = href_for(request)
    return render(request, templates, "browse/home.html", {
        "stats": views.stats(),
        "facets": facets,
        "limit": HOME_LIMIT,
        "documents": [{**d, "href": href(d["iri"])} for d in documents],
    })


def _index(request: Request, views, templates, segment: str) -> Response:
    kind, title = INDEXES[segment]
    href = href_for(request)
    values = [{"text": v.label, "href": href(v.iri) if v.iri else "#", "count": v.count, "kind": kind}
              for v in views.facets(Filters())[kind]]
    values.sort(key=lambda v: v["text"].casefold())
    return render(request, templates, "browse/index.html", {"title": title, "facet": kind, "values": values})


@router.get("/countries", summary="Every country with programmes, with their counts")
def countries(request: Request, views: ViewsDep, templates: TemplatesDep) -> Response:
    return _index(request, views, templates, "countries")


@router.get("/organisations", summary="Every organisation with programmes, with their counts")
def organisations(request: Request, views: ViewsDep, templates: TemplatesDep) -> Response:
    return _index(request, views, templates, "organisations")


@router.get("/sectors", summary="Every sector with programmes, with their counts")
def sectors(request: Request, views: ViewsDep, templates: TemplatesDep) -> Response:
    return _index(request, views, templates, "sectors")
