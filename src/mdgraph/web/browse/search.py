"""Search: a plain GET form (every search is a link), results grouped by kind, and the
autocomplete JSON behind the search boxes (labels and alternative names, ranked by the
views' full-text index)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...namespaces import KINDS
from ..deps import TemplatesDep
from .common import href_for, render
from .deps import PageError, ViewsDep

router = APIRouter(tags=["Browse"])

KIND_ORDER = ("country", "organisation", "sector", "programme", "document")
SEARCH_LIMIT = 100
SUGGEST_LIMIT = 10
KIND_TITLES = {"country": "Countries", "organisation": "Organisations", "sector": "Sectors",
               "programme": "Programmes", "document": "Documents"}

Text = Annotated[str, Query(max_length=256, description="words to find in names, alternative names and descriptions")]


def _kinds(kind: list[str] | None) -> list[str] | None:
    if not kind:
        return None
    unknown = sorted(set(kind) - set(KINDS))
    if unknown:
        raise PageError(400, f"parameter 'kind': {', '.join(map(repr, unknown))} is not a kind; "
                             f"expected some of {', '.join(KINDS)}")
    return kind


def group_hits(hits, href) -> list[dict]:
    """Hits grouped by kind (countries first), each group keeping the ranking."""
    groups: dict[str, list[dict]] = {}
    for hit in hits:
        groups.setdefault(hit.kind, []).append({
            "text": hit.label, "href": href(hit.iri), "kind": hit.kind,
            "matched": hit.matched if hit.matched != hit.label else "", "field": hit.field,
        })
    return [{"kind": kind, "title": KIND_TITLES[kind], "hits": groups[kind]} for kind in KIND_ORDER if kind in groups]


@router.get("/search", summary="Find resources by name, alternative name or description (HTML)")
def search(request: Request, views: ViewsDep, templates: TemplatesDep, q: Text = "",
           kind: Annotated[list[str] | None, Query(description="keep only these kinds")] = None) -> Response:
    hits = views.search(q, limit=SEARCH_LIMIT, kinds=_kinds(kind)) if q.strip() else []
    return render(request, templates, "browse/search.html", {
        "search_text": q, "groups": group_hits(hits, href_for(request)), "count": len(hits), "limit": SEARCH_LIMIT,
    })


@router.get("/search/suggest", summary="Autocomplete: names that start with what was typed, best first (JSON)")
def suggest(request: Request, views: ViewsDep, q: Text = "",
            kind: Annotated[list[str] | None, Query(description="keep only these kinds")] = None) -> Response:
    href = href_for(request)
    hits = views.suggest(q, limit=SUGGEST_LIMIT, kinds=_kinds(kind)) if q.strip() else []
    return JSONResponse({"query": q, "suggestions": [
        {"label": h.label, "kind": h.kind, "key": h.key, "iri": h.iri, "href": href(h.iri),
         "matched": h.matched if h.matched != h.label else ""} for h in hits]})
