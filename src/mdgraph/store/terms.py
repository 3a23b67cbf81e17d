"""Conversions between rdflib terms (the API of building and mapping) and pyoxigraph terms."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.term import Node

from ..errors import QueryError
from ..rdfterms import to_oxigraph, to_rdflib

__all__ = ["json_term", "ntriples_term", "to_oxigraph", "to_rdflib"]


def ntriples_term(term: Node) -> str:
    """A term in N-Triples syntax, escaped by pyoxigraph (for the VALUES clauses that bind parameters)."""
    try:
        return str(to_oxigraph(term))
    except (TypeError, ValueError) as exc:
        raise QueryError(f"cannot bind parameter: {exc}") from exc


def json_term(term) -> dict:
    """One term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": json_term(term.subject),
                "predicate": json_term(term.predicate),
                "object": json_term(term.object),
            },
        }
    raise TypeError(f"unsupported term {term!r}")
