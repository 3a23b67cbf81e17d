"""QueryResult written by pyoxigraph's serialisers: every term survives, a limit cuts at exactly
that many rows or triples (across the serialiser's chunks) and stops the query, and answers of
any size cross the query workers' pipes whole."""

from __future__ import annotations

import io
import json
import os
import threading

import pyoxigraph as ox
import pytest

from mdgraph.store.base import QueryResult
from mdgraph.store.pool import JOIN_BYTES, _read, _write

EX = "http://example.org/"
JSON = ox.QueryResultsFormat.JSON
#: Enough rows, with long enough literals, that the serialisers write many chunks.
ROWS = 3000


def _node(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    graph = _node("g")
    quads = [ox.Quad(_node(f"s{i:05d}"), _node("p"), ox.Literal(f"row {i}\n" + "x" * 40), graph) for i in range(ROWS)]
    odd = [
        ox.Literal('tab\tquote"backslash\\ newline\n carriage\r é 😀', language="en"),
        ox.Literal("x", language="ar", direction=ox.BaseDirection.RTL),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("", datatype=ox.NamedNode(EX + "custom")),
        ox.BlankNode("b1"),
        _node("with%20escape#frag"),
    ]
    quads += [ox.Quad(_node("odd"), _node(f"q{i}"), term, graph) for i, term in enumerate(odd)]
    store.extend(quads)
    return store


def _select(store: ox.Store, query: str, limit: int | None) -> QueryResult:
    answer = store.query(query, use_default_graph_as_union=True)
    return QueryResult.from_solutions(answer, limit)


def _bindings(result: QueryResult) -> list[dict]:
    return json.loads(result.payload)["results"]["bindings"]


MANY = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"


@pytest.mark.parametrize("limit, rows, truncated", [
    (None, ROWS, False),
    (0, 0, True),
    (1, 1, True),
    (57, 57, True),
    (ROWS - 1, ROWS - 1, True),
    (ROWS, ROWS, False),
    (ROWS + 1, ROWS, False),
])
def test_select_cut_at_exactly_the_limit(store, limit, rows, truncated):
    everything = _bindings(_select(store, MANY, None))
    result = _select(store, MANY, limit)
    assert (len(result), result.truncated, result.limit) == (rows, truncated, limit)
    assert _bindings(result) == everything[:rows]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { <http://example.org/odd> ?p ?o }",
    "SELECT ?t WHERE { <http://example.org/odd> ?p ?o BIND(<<( <http://example.org/odd> ?p ?o )>> AS ?t) }",
    "SELECT * WHERE {}",
    "SELECT ?x WHERE {}",
    "SELECT ?x ?y WHERE { VALUES (?x ?y) { (UNDEF UNDEF) (1 UNDEF) (UNDEF \"a\\nb\") } }",
    "SELECT ?x WHERE { FILTER(false) }",
])
@pytest.mark.parametrize("limit", [None, 2, 100])
def test_select_keeps_every_term(store, query, limit):
    native = store.query(query, use_default_graph_as_union=True).serialize(format=JSON)
    expected = json.loads(native)
    result = _select(store, query, limit)
    cut = expected["results"]["bindings"][:limit]
    assert json.loads(result.payload) == {**expected, "results": {"bindings": cut}}
    assert result.truncated == (limit is not None and len(expected["results"]["bindings"]) > limit)


def test_rows_come_back_as_rdflib_terms(store):
    (_, first), *_ = _select(store, "SELECT ?p ?o WHERE { <http://example.org/odd> ?p ?o } ORDER BY ?p", 10).rows()
    assert str(first).startswith('tab\tquote"backslash\\ newline\n')


@pytest.mark.parametrize("limit, triples, truncated", [
    (None, ROWS, False), (0, 0, True), (1, 1, True), (ROWS - 1, ROWS - 1, True), (ROWS, ROWS, False),
])
def test_construct_cut_at_exactly_the_limit(store, limit, triples, truncated):
    query = "CONSTRUCT { ?s <http://example.org/p> ?o } WHERE { ?s <http://example.org/p> ?o }"
    everything = ox.serialize(store.query(query, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES)
    result = QueryResult.from_triples(store.query(query, use_default_graph_as_union=True), limit)
    assert (len(result), result.truncated) == (triples, truncated)
    assert set(result.payload.splitlines()) <= set(everything.splitlines())
    assert len(result.graph()) == triples


def test_a_cut_stops_reading_the_answer():
    taken = []

    def triples():
        for i in range(100_000):
            taken.append(i)
            yield ox.Triple(_node(f"s{i}"), _node("p"), ox.Literal("o" * 50))

    result = QueryResult.from_triples(triples(), 10)
    assert result.truncated and len(result) == 10
    assert len(taken) < 10_000  # the serialiser stopped a few chunks after the cut, not at the end


class _Trickle(io.RawIOBase):
    """A pipe end that takes at most `most` bytes per write, as a pipe may."""

    def __init__(self, most: int) -> None:
        self.most, self.data = most, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        taken = bytes(chunk[: self.most])
        self.data += taken
        return len(taken)


@pytest.mark.parametrize("blocking", [True, False], ids=["blocking", "non-blocking"])
@pytest.mark.parametrize("size", [0, 1, 65_536, JOIN_BYTES, 5_000_000])
def test_worker_messages_cross_a_pipe_whole(size, blocking):
    """Joined to their header or written after it, read from a pipe an event loop has made
    non-blocking or not."""
    message = ("ok", QueryResult("select", os.urandom(size), True, 7))
    trickle = _Trickle(4096)
    _write(trickle, message)
    assert _read(io.BytesIO(bytes(trickle.data))) == message
    reading, writing = os.pipe()
    os.set_blocking(reading, blocking)
    with os.fdopen(reading, "rb", buffering=0) as incoming, os.fdopen(writing, "wb", buffering=0) as outgoing:
        writer = threading.Thread(target=_write, args=(outgoing, message))
        writer.start()
        assert _read(incoming) == message
        writer.join()
