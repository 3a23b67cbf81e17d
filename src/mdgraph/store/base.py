"""The store interface every implementation keeps, and the query results they return.

Results travel as bytes in one canonical format (SPARQL JSON for SELECT/ASK, N-Triples for
CONSTRUCT/DESCRIBE) so they can cross a process boundary unchanged; `serialise` turns them
into any supported format with pyoxigraph's own serialisers. Results are written by those
serialisers too, never term by term in Python (which costs 5-10x more per row).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ..errors import QueryError, StoreError
from ..namespaces import PREFIXES
from .terms import to_rdflib

#: SELECT results: canonical media type -> pyoxigraph format.
SELECT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: ASK results: CSV and TSV define no boolean form.
ASK_FORMATS = {k: v for k, v in SELECT_FORMATS.items() if k.startswith("application/")}
#: CONSTRUCT/DESCRIBE results and graph exports.
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: Export format names (CONTRACT.md section 5, plus the dataset formats).
EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
#: The export formats that keep the named graphs; the others write the union as one graph.
DATASET_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped."""


class Overloaded(QueryTimeout):
    """Every query slot is taken: the query was not started (the client should retry later)."""


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query: `kind` is "select", "ask" or "construct" (DESCRIBE included)."""

    kind: str
    payload: bytes
    truncated: bool = False
    limit: int | None = None

    @classmethod
    def from_solutions(cls, solutions: ox.QuerySolutions, limit: int | None = None) -> QueryResult:
        """The solutions of a SELECT (the head lists their variables), cut after `limit` rows."""
        if limit is None:
            return cls("select", solutions.serialize(format=ox.QueryResultsFormat.JSON))
        # TSV writes one line per row (terms in N-Triples syntax, newlines escaped) and reads
        # back without loss, so counting lines cuts the answer at `limit` rows exactly
        tsv, truncated = _lines(lambda sink: solutions.serialize(sink, ox.QueryResultsFormat.TSV), limit + 1)
        payload = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=ox.QueryResultsFormat.JSON)
        return cls("select", payload, truncated, limit)

    @classmethod
    def from_boolean(cls, value: bool) -> QueryResult:
        return cls("ask", json.dumps({"head": {}, "boolean": bool(value)}).encode())

    @classmethod
    def from_triples(cls, triples: Iterable, limit: int | None = None) -> QueryResult:
        """The triples of a CONSTRUCT or DESCRIBE (any iterable of pyoxigraph triples), cut after `limit`."""
        # N-Triples writes one triple per line
        payload, truncated = _lines(lambda sink: ox.serialize(triples, sink, ox.RdfFormat.N_TRIPLES), limit)
        return cls("construct", payload, truncated, limit)

    def media_types(self) -> tuple[str, ...]:
        return tuple({"select": SELECT_FORMATS, "ask": ASK_FORMATS}.get(self.kind, RDF_FORMATS))

    def ready_as(self, media_type: str) -> bool:
        """Whether serialise(media_type) hands back the payload as it is (no work to do)."""
        ready = "application/n-triples" if self.kind == "construct" else "application/sparql-results+json"
        return media_type == ready

    def serialise(self, media_type: str) -> bytes:
        """The result in `media_type` (one of `media_types()`)."""
        if self.ready_as(media_type):
            return self.payload
        if self.kind == "construct":
            if media_type not in RDF_FORMATS:
                raise QueryError(f"a graph result cannot be written as {media_type}")
            triples = sorted(ox.parse(self.payload, ox.RdfFormat.N_TRIPLES), key=lambda t: str(t.subject))
            return ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=PREFIX_IRIS)
        formats = ASK_FORMATS if self.kind == "ask" else SELECT_FORMATS
        if media_type not in formats:
            raise QueryError(f"a {self.kind.upper()} result cannot be written as {media_type}")
        return ox.parse_query_results(self.payload, ox.QueryResultsFormat.JSON).serialize(format=formats[media_type])

    @property
    def boolean(self) -> bool:
        if self.kind != "ask":
            raise QueryError(f"a {self.kind.upper()} result has no boolean")
        return json.loads(self.payload)["boolean"]

    @property
    def variables(self) -> list[str]:
        return json.loads(self.payload)["head"].get("vars", []) if self.kind == "select" else []

    def rows(self) -> list[tuple[Node | None, ...]]:
        """SELECT solutions as rdflib terms, one tuple per row in `variables` order."""
        if self.kind != "select":
            raise QueryError(f"a {self.kind.upper()} result has no rows")
        solutions = ox.parse_query_results(self.payload, ox.QueryResultsFormat.JSON)
        names = solutions.variables
        return [tuple(to_rdflib(solution[v]) for v in names) for solution in solutions]

    def graph(self) -> rdflib.Graph:
        """CONSTRUCT/DESCRIBE triples as an rdflib Graph."""
        if self.kind != "construct":
            raise QueryError(f"a {self.kind.upper()} result is not a graph")
        graph = rdflib.Graph()
        graph.parse(data=self.payload, format="nt")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
        return graph

    def __len__(self) -> int:
        if self.kind == "select":
            return len(json.loads(self.payload)["results"]["bindings"])
        if self.kind == "construct":
            return self.payload.count(b"\n")
        return 1


class _Enough(Exception):
    """Raised into a serialiser to stop it (and the query feeding it): the cut is reached."""


class _LineSink:
    """A binary output for pyoxigraph's serialisers that keeps what they write and counts its
    lines, stopping them once more than `keep` lines are complete."""

    def __init__(self, keep: int | None) -> None:
        self.keep = keep
        self.chunks: list[bytes] = []
        self.lines = 0
        self.full = False

    def write(self, chunk) -> int:
        if self.full:  # the serialiser's buffer, written again as it unwinds: already kept
            return len(chunk)
        chunk = bytes(chunk)
        self.chunks.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.keep is not None and self.lines > self.keep:
            self.full = True
            raise _Enough
        return len(chunk)

    def flush(self) -> None:
        pass


def _lines(write: Callable[[_LineSink], object], keep: int | None) -> tuple[bytes, bool]:
    """What `write` writes into a sink, cut after `keep` lines (None: all); True when cut."""
    sink = _LineSink(keep)
    try:
        write(sink)
    except _Enough:
        pass
    if keep is None or sink.lines <= keep:
        return b"".join(sink.chunks), False
    last = sink.chunks.pop()  # the sink stopped at the first chunk that went past `keep`
    end = -1
    for _ in range(keep - (sink.lines - last.count(b"\n"))):
        end = last.index(b"\n", end + 1)
    return b"".join(sink.chunks) + last[: end + 1], True


@runtime_checkable
class GraphStore(Protocol):
    """A published graph: named graphs whose union is the default graph of every query."""

    url: str

    def staging(self) -> AbstractContextManager[ox.Store]:
        """An empty pyoxigraph Store to gather a graph in, where `publish` takes it at least
        cost; it is gone when the block ends."""

    def publish(self, dataset: rdflib.Dataset | ox.Store) -> None:
        """Replace everything with the named graphs of `dataset` (an rdflib Dataset, or the
        pyoxigraph Store a build stages its graph in), atomically for readers."""

    def replace_graphs(
        self, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef] = ()
    ) -> None:
        """Put each of `graphs` in place of the named graph of its name and drop the graphs
        named in `remove`, in one step atomic for readers; every other graph stays as it is."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        base_iri: str | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a query; `bindings` are substituted as terms, never written into the text."""

    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: Iterable[str] = (),
        using_named_graph_uris: Iterable[str] = (),
        base_iri: str | None = None,
    ) -> None:
        """Run a SPARQL update as one atomic change."""

    def describe(self, iri: str) -> rdflib.Graph:
        """The resource's triples, labels of what it links to, inverse links and evidence."""

    def count(self) -> int:
        """Number of quads in all graphs."""

    def is_empty(self) -> bool: ...

    def export(self, format: str, out: BinaryIO) -> None:
        """Write the union (triple formats) or the whole dataset (nquads, trig) to `out`."""

    def graph_names(self) -> list[str]: ...

    def version(self) -> str:
        """A token that changes whenever the published graph changes (for caches)."""

    def close(self) -> None: ...


def staged_in_memory() -> AbstractContextManager[ox.Store]:
    """The staging of stores that copy whatever they publish: a store in memory."""
    return nullcontext(ox.Store())


def check_export_format(format: str) -> ox.RdfFormat:
    try:
        return EXPORT_FORMATS[format]
    except KeyError:
        raise StoreError(f"unknown export format {format!r}; expected one of {', '.join(EXPORT_FORMATS)}") from None


#: The description of one resource. `?this` is substituted; evidence is the reified
#: mdg:Evidence statements whose subject or object is the resource.
DESCRIBE_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
CONSTRUCT {
  ?this ?p ?o . ?o ?lp ?label .
  ?s ?ip ?this . ?s ?slp ?slabel .
  ?st ?sp ?so . ?so ?solp ?solabel .
}
WHERE {
  {
    ?this ?p ?o .
    OPTIONAL { VALUES ?lp { rdfs:label skos:prefLabel dcterms:title } ?o ?lp ?label }
  } UNION {
    ?s ?ip ?this .
    FILTER NOT EXISTS { ?s a mdg:Evidence }
    OPTIONAL { VALUES ?slp { rdfs:label skos:prefLabel dcterms:title } ?s ?slp ?slabel }
  } UNION {
    { ?st rdf:subject ?this } UNION { ?st rdf:object ?this }
    ?st a mdg:Evidence ; ?sp ?so .
    OPTIONAL { VALUES ?solp { rdfs:label skos:prefLabel dcterms:title } ?so ?solp ?solabel }
  }
}
"""
