"""GET /ontology: the ontology and sector scheme (ontology/*.ttl) as HTML documentation or RDF."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..errors import MappingError
from ..namespaces import bind_prefixes
from .deps import SettingsDep, TemplatesDep
from .iris import local_href
from .rdf import choose, graph_response
from .views import ontology_view

router = APIRouter(tags=["Linked data"])


@lru_cache(maxsize=4)
def load_ontology(directory: Path, stamp: tuple) -> rdflib.Graph:
    """All ontology/*.ttl files as one graph (cached while the files are unchanged)."""
    graph = rdflib.Graph()
    bind_prefixes(graph)
    for path in sorted(directory.glob("*.ttl")):
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises parser-specific exceptions; name the file
            raise MappingError(str(path), f"not readable Turtle: {exc}") from exc
    return graph


def ontology_graph(directory: Path) -> rdflib.Graph:
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(Path(directory).glob("*.ttl")))
    return load_ontology(Path(directory), stamp)


@router.get(
    "/ontology",
    summary="The ontology: HTML documentation for browsers, OWL as Turtle, JSON-LD, RDF/XML or N-Triples by Accept",
    responses={200: {"content": {"text/html": {}, "text/turtle": {}, "application/ld+json": {}, "application/rdf+xml": {}}}},
)
def ontology(
    request: Request,
    settings: SettingsDep,
    templates: TemplatesDep,
    format: Annotated[str | None, Query(description="ttl, nt, jsonld, rdf or html; overrides Accept")] = None,
) -> Response:
    media = choose(request, format)
    if isinstance(media, Response):
        return media
    graph = ontology_graph(settings.ontology_dir)
    if media != "text/html":
        return graph_response(graph, media)
    view = ontology_view(graph, lambda iri: local_href(iri, request) or iri)
    return templates.TemplateResponse(
        request, "ontology.html", {"root": request.scope.get("root_path", ""), "ontology": view}, headers={"Vary": "Accept"}
    )
