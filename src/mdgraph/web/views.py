"""Page models for the HTML views: plain dicts built from rdflib graphs (no HTTP here)."""

from __future__ import annotations

from collections.abc import Callable

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from ..namespaces import MDG

LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
Href = Callable[[str], "str | None"]


def label(graph: rdflib.Graph, node) -> str | None:
    """The preferred label: English first, then plain, then any language."""
    for predicate in LABELS:
        values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
        for wanted in ("en", None):
            for value in values:
                if value.language == wanted:
                    return str(value)
        if values:
            return str(values[0])
    return None


def short(graph: rdflib.Graph, iri) -> str:
    try:
        return graph.namespace_manager.curie(str(iri), generate=False)
    except (ValueError, KeyError):
        return str(iri)


def term_view(graph: rdflib.Graph, node, href: Href) -> dict:
    """One value for display: text, link target and how it is typed."""
    if isinstance(node, Literal):
        note = f"@{node.language}" if node.language else (short(graph, node.datatype) if node.datatype else "")
        return {"text": str(node), "href": None, "note": note, "literal": True}
    text = label(graph, node) or (short(graph, node) if isinstance(node, URIRef) else f"_:{node}")
    return {"text": text, "href": href(str(node)) if isinstance(node, URIRef) else None, "iri": str(node),
            "note": "", "literal": False}


def resource_view(graph: rdflib.Graph, iri: URIRef, href: Href) -> dict:
    """Labels, types, properties, inverse links and supporting quotes of one resource."""
    evidence_nodes = set(graph.subjects(RDF.type, MDG.Evidence))
    properties: dict[URIRef, list] = {}
    for predicate, value in sorted(graph.predicate_objects(iri)):
        if predicate != RDF.type:
            properties.setdefault(predicate, []).append(term_view(graph, value, href))
    inverse: dict[URIRef, list] = {}
    for subject, predicate in sorted(graph.subject_predicates(iri)):
        if subject not in evidence_nodes and subject != iri:
            inverse.setdefault(predicate, []).append(term_view(graph, subject, href))
    quotes = []
    for node in evidence_nodes:
        statement = {p: graph.value(node, p) for p in (RDF.subject, RDF.predicate, RDF.object, MDG.quote, MDG.line, PROV.wasDerivedFrom)}
        if iri not in (statement[RDF.subject], statement[RDF.object]):
            continue
        quotes.append({
            "anchor": str(node).partition("#")[2] if isinstance(node, URIRef) else "",
            "subject": term_view(graph, statement[RDF.subject], href) if statement[RDF.subject] else None,
            "predicate": short(graph, statement[RDF.predicate]) if statement[RDF.predicate] else "",
            "object": term_view(graph, statement[RDF.object], href) if statement[RDF.object] else None,
            "quote": str(statement[MDG.quote] or ""),
            "line": str(statement[MDG.line] or ""),
            "document": term_view(graph, statement[PROV.wasDerivedFrom], href) if statement[PROV.wasDerivedFrom] else None,
        })
    quotes.sort(key=lambda q: (q["predicate"], q["object"]["text"] if q["object"] else "", q["line"]))
    return {
        "iri": str(iri),
        "label": label(graph, iri) or short(graph, iri),
        "types": [term_view(graph, t, href) for t in sorted(graph.objects(iri, RDF.type))],
        "properties": [(short(graph, p), href(str(p)), values) for p, values in properties.items()],
        "inverse": [(short(graph, p), href(str(p)), values) for p, values in inverse.items()],
        "quotes": quotes,
    }


TERM_KINDS = (
    ("Classes", (OWL.Class, RDFS.Class)),
    ("Object properties", (OWL.ObjectProperty,)),
    ("Data properties", (OWL.DatatypeProperty,)),
    ("Annotation properties", (OWL.AnnotationProperty,)),
    ("Other properties", (RDF.Property,)),
    ("Datatypes", (RDFS.Datatype,)),
    ("Concept schemes", (SKOS.ConceptScheme,)),
    ("Sector concepts", (SKOS.Concept,)),
)


def ontology_view(graph: rdflib.Graph, href: Href) -> dict:
    """Every class, property, datatype and concept of the ontology files, with all its statements."""
    seen: set = set()
    sections = []
    for title, classes in TERM_KINDS:
        terms = []
        for cls in classes:
            for term in graph.subjects(RDF.type, cls):
                if term in seen or not isinstance(term, URIRef):
                    continue
                seen.add(term)
                statements = [
                    (short(graph, p), [term_view(graph, o, href) for o in sorted(graph.objects(term, p))])
                    for p in sorted(set(graph.predicates(term))) if p != RDF.type
                ]
                terms.append({
                    "iri": str(term),
                    "anchor": _anchor(str(term)),
                    "curie": short(graph, term),
                    "label": label(graph, term) or short(graph, term),
                    "statements": statements,
                })
        if terms:
            terms.sort(key=lambda t: (str(graph.value(URIRef(t["iri"]), SKOS.notation) or ""), t["curie"]))
            sections.append({"title": title, "terms": terms})
    ontology = next(graph.subjects(RDF.type, OWL.Ontology), None)
    return {
        "title": label(graph, ontology) if ontology else "Ontology",
        "description": str(graph.value(ontology, DCTERMS.description) or "") if ontology else "",
        "iri": str(ontology or ""),
        "sections": sections,
    }


def _anchor(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            return iri.rsplit(separator, 1)[1] or iri
    return iri
