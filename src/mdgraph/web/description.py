"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of the dataset."""

from __future__ import annotations

from pathlib import Path

import rdflib
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ..namespaces import SD, VOID, bind_prefixes
from .iris import public_base
from .negotiation import RDF_OR_HTML_OFFERS, acceptable, content_type, negotiate
from .problems import problem
from .rdf import RDFLIB_FORMATS

DATASET = URIRef("https://w3id.org/mdgraph/dataset")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
#: Dump file extension -> (media type, export format name).
DUMPS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "ntriples"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdf": ("application/rdf+xml", "rdfxml"),
}
_STATIC = Path(__file__).with_name("dataset.ttl")


def describe_service(base: str, stats: dict, updates: bool) -> rdflib.Graph:
    """The service description graph for the endpoint at `base`sparql and the published graph."""
    graph = rdflib.Graph()
    graph.parse(_STATIC, format="turtle")
    bind_prefixes(graph)
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    endpoint = URIRef(base + "sparql")
    graph.add((endpoint, RDF.type, SD.Service))
    graph.add((endpoint, SD.endpoint, endpoint))
    graph.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    if updates:
        graph.add((endpoint, SD.supportedLanguage, SD.SPARQL11Update))
    graph.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    for name in RESULT_FORMATS:
        graph.add((endpoint, SD.resultFormat, FORMATS[name]))
    default_dataset = BNode()
    graph.add((endpoint, SD.defaultDataset, default_dataset))
    graph.add((default_dataset, RDF.type, SD.Dataset))
    graph.add((default_dataset, SD.defaultGraph, DATASET))
    graph.add((DATASET, RDF.type, SD.Graph))
    for name in stats["graphs"]:
        named = BNode()
        graph.add((default_dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))

    graph.add((DATASET, VOID.sparqlEndpoint, endpoint))
    graph.add((DATASET, VOID.triples, Literal(stats["triples"], datatype=XSD.integer)))
    graph.add((DATASET, VOID.distinctSubjects, Literal(stats["subjects"], datatype=XSD.integer)))
    graph.add((DATASET, VOID.properties, Literal(stats["property_count"], datatype=XSD.integer)))
    graph.add((DATASET, VOID.classes, Literal(len(stats["classes"]), datatype=XSD.integer)))
    for extension in DUMPS:
        for suffix in ("", ".gz"):
            graph.add((DATASET, VOID.dataDump, URIRef(f"{base}dumps/mdgraph.{extension}{suffix}")))
    for iri in stats["examples"].values():
        graph.add((DATASET, VOID.exampleResource, URIRef(iri)))
    for document in stats["documents"]:
        graph.add((DATASET, DCTERMS.source, URIRef(document)))
    for cls, entities in stats["classes"]:
        partition = BNode()
        graph.add((DATASET, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    for prop, triples in stats["properties"]:
        partition = BNode()
        graph.add((DATASET, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(prop)))
        graph.add((partition, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return graph


async def service_description_response(request: Request, service, settings, templates, query_ui) -> Response:
    """GET /sparql without a query: the query UI for browsers, else the description as RDF."""
    media = negotiate(request.headers.get("accept"), RDF_OR_HTML_OFFERS)
    if media is None:
        return problem(request, 406, f"the service description is available as {acceptable(RDF_OR_HTML_OFFERS)}")
    if media == "text/html":
        return query_ui(request, service, templates)
    base = public_base(request, settings)

    def render() -> bytes:
        graph = describe_service(base, service.statistics(), service.updates_enabled)
        return graph.serialize(format=RDFLIB_FORMATS[media], encoding="utf-8")

    body = await run_in_threadpool(render)
    return Response(body, headers={"Vary": "Accept"}, media_type=content_type(media))
