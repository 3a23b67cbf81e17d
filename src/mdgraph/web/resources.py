"""Dereferenceable IRIs: GET /id/{kind}/{key} for https://w3id.org/mdgraph/id/{kind}/{key}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..namespaces import instance_iri
from .deps import ServiceDep, TemplatesDep
from .iris import local_href
from .problems import problem
from .rdf import choose, graph_response
from .views import resource_view

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
    view = resource_view(graph, instance_iri(kind, key), lambda iri: local_href(iri, request) or iri)
    return templates.TemplateResponse(
        request,
        "resource.html",
        {"root": request.scope.get("root_path", ""), "kind": kind, "key": key, "resource": view},
        headers={"Vary": "Accept"},
    )
