"""The graph view of a resource's neighbourhood: nodes and edges for cytoscape.js (from npm,
served from node_modules), with the same neighbours listed as links for readers without
script or canvas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from rdflib import URIRef

from ...config import PROJECT_ROOT
from ...namespaces import instance_iri
from ...views import Filters, ProgrammeRow, Views
from ..deps import ServiceDep, TemplatesDep
from ..problems import problem
from ..views import label
from .common import href_for, render
from .deps import FreshViewsDep
from .resource_pages import kind_of

router = APIRouter(tags=["Browse"])

CYTOSCAPE = PROJECT_ROOT / "node_modules" / "cytoscape" / "dist"
MAX_NODES = 250
ROW_LINKS = (("countries", "targetsCountry"), ("sectors", "hasSector"), ("implementers", "implementedBy"),
             ("funders", "fundedBy"), ("partners", "hasPartner"))


def cytoscape_available() -> bool:
    return (CYTOSCAPE / "cytoscape.min.js").is_file()


class Neighbourhood:
    """Nodes (mdgid: resources) and labelled edges, at most `limit` nodes."""

    def __init__(self, href, limit: int = MAX_NODES) -> None:
        self.href, self.limit = href, limit
        self.nodes: dict[str, dict] = {}
        self.edges: dict[frozenset, dict] = {}
        self.truncated = False

    def node(self, iri: str, text: str | None, centre: bool = False) -> bool:
        if iri in self.nodes:
            return True
        kind = kind_of(iri)
        if kind is None:
            return False
        if len(self.nodes) >= self.limit:
            self.truncated = True
            return False
        self.nodes[iri] = {"id": iri, "label": text or iri.rsplit("/", 1)[-1], "kind": kind,
                           "href": self.href(iri), "centre": centre}
        return True

    def edge(self, source: str, target: str, name: str) -> None:
        """One edge per pair of nodes: a link and its inverse (implementedBy, implements) are one."""
        if source in self.nodes and target in self.nodes and source != target:
            self.edges.setdefault(frozenset((source, target)), {"source": source, "target": target, "label": name})

    def elements(self) -> dict:
        return {"nodes": [{"data": n} for n in self.nodes.values()],
                "edges": [{"data": {"id": f"e{i}", **e}} for i, e in enumerate(self.edges.values())]}


def _local(predicate) -> str:
    text = str(predicate)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def neighbourhood(graph: rdflib.Graph, iri: URIRef, href, rows: Iterable[ProgrammeRow] = (),
                  limit: int = MAX_NODES) -> Neighbourhood:
    """The resource, every resource its description links it to (either way), and the links
    of the programme `rows` (the second step out from a country, sector or organisation)."""
    found = Neighbourhood(href, limit)
    centre = str(iri)
    found.node(centre, label(graph, iri), centre=True)
    for predicate, value in sorted(graph.predicate_objects(iri)):
        if isinstance(value, URIRef) and found.node(str(value), label(graph, value)):
            found.edge(centre, str(value), _local(predicate))
    for subject, predicate in sorted(graph.subject_predicates(iri)):
        if isinstance(subject, URIRef) and found.node(str(subject), label(graph, subject)):
            found.edge(str(subject), centre, _local(predicate))
    for row in rows:
        if not found.node(row.iri, row.label):
            continue
        for field, name in ROW_LINKS:
            for ref in getattr(row, field):
                if found.node(ref.iri, ref.label):
                    found.edge(row.iri, ref.iri, name)
    return found


def second_step(views: Views, kind: str, key: str) -> list[ProgrammeRow]:
    """The programmes of a country, sector or organisation, with their links."""
    facet = {"country": "countries", "sector": "sectors", "organisation": "organisations"}.get(kind)
    return views.programmes(Filters(**{facet: (key,)})) if facet else []


Depth = Annotated[int, Query(ge=1, le=2, description="1: direct links; 2: also the links of its programmes")]


@router.get("/graph/{kind}/{key}", summary="The neighbourhood of a resource as a graph (HTML, cytoscape.js)")
async def graph_view(request: Request, kind: str, key: str, service: ServiceDep, fresh_views: FreshViewsDep,
                     templates: TemplatesDep, depth: Depth = 1) -> Response:
    graph = await run_in_threadpool(service.describe, kind, key)
    if graph is None:
        return problem(request, 404, f"nothing is known about {kind}/{key} in this graph")
    iri = instance_iri(kind, key)
    rows = await run_in_threadpool(lambda: second_step(fresh_views.current(), kind, key)) if depth == 2 else []
    found = neighbourhood(graph, iri, href_for(request), rows)
    neighbours = sorted((n for n in found.nodes.values() if not n["centre"]),
                        key=lambda n: (n["kind"], n["label"].casefold()))
    return render(request, templates, "browse/graph.html", {
        "kind": kind, "key": key, "title": label(graph, iri) or key, "href": href_for(request)(str(iri)),
        "elements": found.elements(), "neighbours": neighbours, "truncated": found.truncated, "depth": depth,
        "cytoscape": cytoscape_available(), "can_deepen": kind in ("country", "sector", "organisation"),
    })
