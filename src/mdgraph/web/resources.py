"""Dereferenceable IRIs: GET /id/{kind}/{key} for https://w3id.org/mdgraph/id/{kind}/{key}:
RDF in four formats by Accept (or ?format=), and for browsers the resource's page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from .browse.common import href_for
from .browse.deps import FreshViewsDep
from .browse.loading import page_query, resource_page
from .deps import ServiceDep, TemplatesDep
from .problems import problem
from .rdf import choose, graph_response

router = APIRouter(tags=["Linked data"])


@router.get(
    "/id/{kind}/{key}",
    summary="A programme, organisation, country, sector or document: HTML for browsers, RDF by Accept",
    responses={200: {"content": {"text/html": {}, "text/turtle": {}, "application/ld+json": {},
                                 "application/n-triples": {}, "application/rdf+xml": {}}}},
)
async def resource(
    request: Request,
    kind: str,
    key: str,
    service: ServiceDep,
    templates: TemplatesDep,
    fresh_views: FreshViewsDep,
    format: Annotated[str | None, Query(description="ttl, nt, jsonld, rdf or html; overrides Accept")] = None,
) -> Response:
    media = choose(request, format)
    if isinstance(media, Response):
        return media
    graph = await run_in_threadpool(service.describe, kind, key)
    if graph is None:
        return problem(request, 404, f"nothing is known about {kind}/{key} in this graph")
    if media != "text/html":
        return graph_response(graph, media)

    def build() -> dict:
        return resource_page(service, fresh_views.current(), graph, kind, key, href_for(request))

    page = await run_in_threadpool(build)
    root = request.scope.get("root_path", "")
    return templates.TemplateResponse(
        request,
        f"browse/{kind}.html",
        {"root": root, "kind": kind, "key": key, "resource": page,
         "sparql_href": f"{root}/sparql?query={quote(page_query(kind, key), safe='')}"},
        headers={"Vary": "Accept"},
    )
