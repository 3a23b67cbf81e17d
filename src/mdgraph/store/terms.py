"""Conversions between rdflib terms (the API of building and mapping) and pyoxigraph terms."""

from __future__ import annotations

from rdflib.term import Node

from ..errors import QueryError
from ..rdfterms import to_oxigraph, to_rdflib

__all__ = ["ntriples_term", "to_oxigraph", "to_rdflib"]


def ntriples_term(term: Node) -> str:
    """A term in N-Triples syntax, escaped by pyoxigraph (for the VALUES clauses that bind parameters)."""
    try:
        return str(to_oxigraph(term))
    except (TypeError, ValueError) as exc:
        raise QueryError(f"cannot bind parameter: {exc}") from exc
