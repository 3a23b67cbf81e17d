"""The namespaces of the public contract (../shared/CONTRACT.md section 1) and IRI minting."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD, ORG

MDG = Namespace("https://w3id.org/mdgraph/ontology#")
MDGID = Namespace("https://w3id.org/mdgraph/id/")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WD = Namespace("http://www.wikidata.org/entity/")

#: Named graphs: one per document (asserted facts), one for the ontology and scheme, one for
#: the descriptions of the organisations and countries the documents name (written once, not
#: per document: the union default graph is a bag, so copies would multiply every join), one
#: for what reasoning adds. The default graph seen by queries is their union.
GRAPH = Namespace("https://w3id.org/mdgraph/graph/")
ONTOLOGY_GRAPH = GRAPH["ontology"]
ENTITIES_GRAPH = GRAPH["entities"]
INFERRED_GRAPH = GRAPH["inferred"]

KINDS = ("programme", "organisation", "country", "sector", "document")

PREFIXES = {
    "mdg": MDG,
    "mdgid": MDGID,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "schema": SCHEMA,
    "foaf": FOAF,
}


def instance_iri(kind: str, key: str) -> URIRef:
    """`mdgid:{kind}/{key}`: the only way instance IRIs are made, so they stay stable."""
    if kind not in KINDS:
        raise ValueError(f"unknown resource kind {kind!r}; expected one of {', '.join(KINDS)}")
    return MDGID[f"{kind}/{key}"]


def document_graph(document_key: str) -> URIRef:
    """The named graph holding the facts asserted from one document."""
    return GRAPH[f"document/{document_key}"]


def bind_prefixes(graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
