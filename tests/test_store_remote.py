"""The remote store's own logic, with the server faked at the HTTP seam: how graphs are cut
into requests, how Virtuoso's answers are read, how credentials are used and kept out of sight.
The behaviour against real servers is in test_store_contract.py."""

from __future__ import annotations

import json

import httpx
import pyoxigraph as ox
import pytest

from mdgraph.errors import QueryError, StoreError
from mdgraph.store import QueryTimeout
from mdgraph.store.remote import (
    BLOCK_TRIPLES,
    RemoteStore,
    _copy,
    _cut,
    _insert,
    _pieces,
    _removals,
    _virtuoso_json,
)

VIRTUOSO = {"Server": "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"}
NO_GRAPHS = {"head": {"vars": ["g"]}, "results": {"bindings": []}}


def _store(url: str, answer, requests: list | None = None) -> RemoteStore:
    """A RemoteStore whose server is `answer(request) -> httpx.Response`."""

    def handler(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        return answer(request)

    return RemoteStore(url, client=httpx.Client(transport=httpx.MockTransport(handler)))


def _json(body: dict, headers: dict | None = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={**(headers or {}), "Content-Type": "application/sparql-results+json"})


@pytest.mark.parametrize("data, limit, expected", [
    (b"a\nb\nc\n", 100, [b"a\nb\nc\n"]),
    (b"aa\nbb\ncc\n", 6, [b"aa\nbb\n", b"cc\n"]),
    (b"aaaaaa\nb\n", 3, [b"aaaaaa\n", b"b\n"]),  # a line longer than the limit goes alone
    (b"x\n" * (BLOCK_TRIPLES + 1), 10**9, [b"x\n" * BLOCK_TRIPLES, b"x\n"]),
])
def test_cut_at_line_ends_within_bytes_and_lines(data, limit, expected):
    pieces, start = [], 0
    while start < len(data):
        end = _cut(data, start, limit)
        pieces.append(data[start:end])
        start = end
    assert pieces == expected


def test_pieces_keep_blank_node_triples_together_and_empty_graphs():
    store = ox.Store()
    g, empty = ox.NamedNode("urn:g"), ox.NamedNode("urn:empty")
    store.add_graph(empty)
    blank = ox.BlankNode("b")
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(f"value {i}"), g))
        store.add(ox.Quad(blank, ox.NamedNode("urn:p"), ox.Literal(f"value {i}"), g))
    pieces = list(_pieces(store, 60))
    assert ("<urn:empty>", b"", False) in pieces
    blanks = [data for name, data, has_blank in pieces if has_blank]
    assert len(blanks) == 1 and blanks[0].count(b"\n") == 5
    plain = [data for name, data, has_blank in pieces if name == "<urn:g>" and not has_blank]
    assert len(plain) > 1 and all(len(data) <= 60 for data in plain) and b"_:" not in b"".join(plain)


def test_insert_puts_blank_nodes_in_a_template():
    body = _insert([("<urn:g>", b"<urn:a> <urn:p> <urn:b> .\n", False), ("<urn:g>", b"_:x <urn:p> <urn:b> .\n", True)])
    assert body.startswith(b"INSERT DATA {\nGRAPH <urn:g> {\n<urn:a>")
    assert b" ;\nINSERT {\nGRAPH <urn:g> {\n_:x <urn:p> <urn:b> .\n}\n} WHERE {}\n" in body
    assert _insert([]) == b""


def test_virtuoso_blank_nodes_become_standard():
    payload = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "bnode", "value": "nodeID://b1"}}]}})
    solutions = ox.parse_query_results(_virtuoso_json(payload.encode()), ox.QueryResultsFormat.JSON)
    assert [s["s"] for s in solutions] == [ox.BlankNode("b1")]


def _virtuoso_server(query_answer):
    """A fake Virtuoso: the first request finds its service description graph, then `query_answer`."""

    def answer(request: httpx.Request) -> httpx.Response:
        if b"sparql-service-description" in request.read():
            return _json({"head": {"vars": ["g"]}, "results": {"bindings": [
                {"g": {"type": "uri", "value": "http://localhost:8890/sparql"}}]}}, VIRTUOSO)
        return query_answer(request)

    return answer


@pytest.mark.parametrize("bindings, expected", [([{"__ASK_RETVAL": {"type": "typed-literal", "value": "1"}}], True), ([], False)])
def test_virtuoso_ask_rows_become_a_boolean(bindings, expected):
    requests: list = []
    answer = _virtuoso_server(lambda r: _json({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": bindings}}, VIRTUOSO))
    store = _store("http://db/sparql", answer, requests)
    assert store.query("ASK { ?s ?p ?o }").boolean is expected
    sent = httpx.QueryParams(requests[-1].read().decode())["query"]
    assert sent.startswith("DEFINE input:default-graph-exclude <http://www.openlinksw.com/schemas/virtrdf#>")
    assert "DEFINE input:named-graph-exclude <http://localhost:8890/sparql>" in sent


def test_virtuoso_cut_answer_is_marked_truncated():
    rows = {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "urn:a"}}]}}
    store = _store("http://db/sparql", _virtuoso_server(lambda r: _json(rows, {**VIRTUOSO, "X-SPARQL-MaxRows": "1"})))
    answer = store.query("SELECT ?s WHERE { ?s ?p ?o }")
    assert answer.truncated and answer.limit == 1


def test_virtuoso_partial_answer_is_a_timeout():
    headers = {**VIRTUOSO, "X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
    store = _store("http://db/sparql", _virtuoso_server(lambda r: _json(NO_GRAPHS, headers)))
    with pytest.raises(QueryTimeout, match="incomplete"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("status, body, content_type, error, message", [
    (400, "Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error at '}'\n\nSPARQL query:\nSELECT", "text/plain",
     QueryError, "SP030: SPARQL compiler, line 1: syntax error at '}'$"),
    (500, "<html><body><h3>Error 22023</h3><pre>HT057: too long</pre></body></html>", "text/html",
     StoreError, "answered 500: Error 22023 HT057: too long$"),
])
def test_server_errors_carry_the_server_message(status, body, content_type, error, message):
    store = _store("http://db/query", lambda r: httpx.Response(status, text=body, headers={"Content-Type": content_type}))
    with pytest.raises(error, match=message):
        store.query("SELECT ?s WHERE { ?s ")


@pytest.mark.parametrize("challenge", ['Basic realm="graphdb"', 'Digest realm="SPARQL", nonce="abc", qop="auth"'])
def test_credentials_answer_the_challenge_and_stay_hidden(challenge):
    seen: list = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        if not request.headers.get("authorization"):
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return _json(NO_GRAPHS)

    store = _store("http://mdgraph:s%40cret@db:8890/sparql-auth", answer)
    assert store.url == "http://mdgraph:***@db:8890/sparql-auth" and "s@cret" not in store.query_url
    store.query("SELECT ?g WHERE { GRAPH ?g { } }")
    assert seen[-1].split()[0].lower() == challenge.split()[0].lower()
    if challenge.startswith("Basic"):
        assert seen[-1] == httpx.BasicAuth("mdgraph", "s@cret")._auth_header


def test_refused_credentials_say_so_without_the_password():
    store = _store("http://mdgraph:hunter2@db/sparql", lambda r: httpx.Response(401, headers={"WWW-Authenticate": "Basic"}))
    with pytest.raises(StoreError, match="credentials") as refused:
        store.count()
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("fragment", ["max_request_bytes=ten", "max_request_bytes=10"])
def test_bad_request_limits_are_refused(fragment):
    with pytest.raises(StoreError, match="max_request_bytes"):
        RemoteStore(f"http://db/sparql#{fragment}")


def test_exclude_needs_virtuoso():
    store = _store("http://db/query#exclude=urn:g", lambda r: _json(NO_GRAPHS))
    with pytest.raises(StoreError, match="not Virtuoso"):
        store.count()


def test_tokens_in_the_update_url_stay_out_of_errors():
    store = _store("http://db:7019/#update=http://db:7019/?access-token=t0ken", lambda r: httpx.Response(500, text="boom"))
    with pytest.raises(StoreError) as failed:
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert "t0ken" not in str(failed.value) and "t0ken" not in store.url


def test_a_bad_port_is_a_store_error():
    with pytest.raises(StoreError, match="Port"):
        RemoteStore("http://db:notaport/sparql")


@pytest.mark.parametrize("virtuoso, expected", [(False, b"DROP SILENT GRAPH <urn:g:0> ;\n"), (True, b"DELETE { GRAPH ?g")])
def test_many_graphs_are_removed_in_few_operations(virtuoso, expected):
    names = [f"<urn:g:{i}>" for i in range(1001)]
    body = _removals(names, virtuoso)
    assert body.startswith(expected)
    assert body.count(b" ;\n") == (3 if virtuoso else 1001)


def test_staging_graphs_are_copied_in_groups():
    staging = {f"<urn:g:{i}>": f"<urn:mdgraph:staging:t:{i}>" for i in range(1001)}
    body = _copy(staging)
    assert body.count(b"INSERT { GRAPH ?target") == 3 and b"(<urn:mdgraph:staging:t:1000> <urn:g:1000>)" in body
