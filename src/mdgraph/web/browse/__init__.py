"""Graph browsing for people: home, search with autocomplete, the faceted programme list with
CSV/JSON export, the 3W matrix, a map and a timeline, and the graph view of a resource's
neighbourhood (the resource pages themselves are web/resources.py, built from this package).

`install(app)` adds all of it to the app: routers, the front-end packages from node_modules
(when `npm install` ran; pages work without them), the Content-Security-Policy on every HTML
answer, and 4xx answers for bad filters.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from ..problems import problem
from . import graphview, home, pictures, programmes, search, threew
from .deps import FreshViews, PageError
from .security import ContentSecurityPolicy

__all__ = ["ContentSecurityPolicy", "FreshViews", "PageError", "install"]

ROUTERS = (home.router, search.router, programmes.router, threew.router, pictures.router, graphview.router)


async def _page_error(request: Request, exc: PageError):
    return problem(request, exc.status, exc.detail)


def install(app: FastAPI) -> None:
    """Add the browsing pages, their assets, the CSP middleware and the PageError handler."""
    for router in ROUTERS:
        app.include_router(router)
    if graphview.cytoscape_available():
        app.mount("/vendor/cytoscape", StaticFiles(directory=graphview.CYTOSCAPE), name="cytoscape")
    app.add_exception_handler(PageError, _page_error)
    app.add_middleware(ContentSecurityPolicy)
