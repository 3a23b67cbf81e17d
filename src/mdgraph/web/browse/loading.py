"""Gathering what a resource page shows: the description, the views' rows, and two small
queries (names to mark in quotes, a sector's scheme matches), values always bound, never
spliced into query text. Blocking: call from a worker thread."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib import URIRef

from ...namespaces import instance_iri
from ...service import Service
from ...views import Filters, Views
from . import resource_pages as pages

QUERIES = Path(__file__).parent / "queries"

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
"""
#: Alternative names of everything a programme links to, to mark them in its quotes.
LINKED_NAMES = _PREFIXES + """SELECT ?this ?value ?name WHERE {
  VALUES ?property { mdg:targetsCountry mdg:hasSector mdg:implementedBy mdg:implementingUnit mdg:fundedBy mdg:hasPartner }
  ?this ?property ?value . ?value skos:altLabel|skos:notation ?name .
}"""
#: A sector's matches in other schemes, with the matched concepts' codes and names.
SCHEME_MATCHES = _PREFIXES + """SELECT ?this ?match ?concept ?notation ?label WHERE {
  VALUES ?match { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  ?this ?match ?concept .
  OPTIONAL { ?concept skos:notation ?notation }
  OPTIONAL { ?concept skos:prefLabel ?label }
}"""


@lru_cache(maxsize=None)
def _page_query_text(kind: str) -> str:
    return (QUERIES / f"{kind}.rq").read_text(encoding="utf-8")


def page_query(kind: str, key: str) -> str:
    """The SPARQL query that gives what the page of kind/key shows (for a /sparql?query= link):
    the kind's query with the resource bound first in its WHERE group. Only for keys the
    store knows (Service.describe checked them), so the IRI needs no escaping."""
    text = _page_query_text(kind)
    binding = f"WHERE {{\n  VALUES ?this {{ {instance_iri(kind, key).n3()} }}"
    return text.replace("WHERE {", binding, 1)


def linked_names(service: Service, iri: URIRef) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for _, value, name in service.query(LINKED_NAMES, {"this": iri}, limit=None).rows():
        names.setdefault(str(value), []).append(str(name))
    return names


def scheme_matches(service: Service, iri: URIRef) -> list[tuple[str, str, str, str]]:
    rows = service.query(SCHEME_MATCHES, {"this": iri}, limit=None).rows()
    return sorted({(str(match), str(concept), str(notation or ""), str(label or ""))
                   for _, match, concept, notation, label in rows})


def resource_page(service: Service, views: Views, graph: rdflib.Graph, kind: str, key: str, href) -> dict:
    """The page model of kind/key from its description `graph`, with the views' rows."""
    iri = instance_iri(kind, key)
    if kind == "programme":
        return pages.programme_page(graph, iri, key, href, linked_names(service, iri))
    if kind == "organisation":
        return pages.organisation_page(graph, iri, key, href, views.programmes(Filters(organisations=(key,))))
    if kind == "country":
        return pages.country_page(graph, iri, key, href, views.programmes(Filters(countries=(key,))))
    if kind == "sector":
        return pages.sector_page(graph, iri, key, href, views.programmes(Filters(sectors=(key,))),
                                 scheme_matches(service, iri))
    return pages.document_page(graph, iri, key, href)
