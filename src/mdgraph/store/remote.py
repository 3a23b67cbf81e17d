"""A remote SPARQL 1.1 store (Query + Update protocols) for graphs that outgrow one machine.

URL: the query endpoint, e.g. `http://localhost:7878/query`. The update endpoint is the
sibling `/update` when the path ends in `/query` (Oxigraph, Fuseki), else the same URL
(Virtuoso `/sparql`); name it explicitly in the fragment, which is never sent:
`http://host/repositories/mdgraph#update=http://host/repositories/mdgraph/statements` (GraphDB).

What the server must provide:
- **Default graph = union of the named graphs.** Oxigraph: `oxigraph serve --union-default-graph`;
  Fuseki: `tdb2:unionDefaultGraph true` on the dataset; GraphDB, Virtuoso and QLever query all
  graphs when no FROM is given, which is the same thing.
- **One update request = one transaction**, which makes `publish` and `replace_graphs` atomic:
  each sends a single `DROP SILENT ALL` (or `DROP SILENT GRAPH <g>` per graph) `; INSERT DATA {...}`
  request. Oxigraph, Fuseki (TDB2) and GraphDB run a request
  in one transaction; Virtuoso does with `log_enable(1)` (its default); QLever has no SPARQL
  Update and can only be queried (publish with its own index builder).
- Bound parameters travel as a `VALUES` block at the start of the query's WHERE group, each term
  written by pyoxigraph's N-Triples serialiser (remote endpoints have no SEP-0007 substitution).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from typing import BinaryIO
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ..errors import QueryError, StoreError
from .base import DATASET_FORMATS, DESCRIBE_QUERY, PREFIX_IRIS, QueryResult, QueryTimeout, check_export_format
from .sparqltext import add_values, shape
from .terms import ntriples_term, to_oxigraph

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class RemoteStore:
    def __init__(self, url: str, client: httpx.Client | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        options = parse_qs(parts.fragment)
        self.url = url
        self.query_url = urlunsplit(parts._replace(fragment=""))
        default_update = self.query_url[: -len("query")] + "update" if parts.path.endswith("/query") else self.query_url
        self.update_url = options.get("update", [default_update])[0]
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout)

    def _post(self, url: str, **request) -> httpx.Response:
        try:
            response = self._client.post(url, **request)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"{url}: no answer in time: {exc}") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"{url}: request failed: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(f"{url} refused the request (syntax error or unsupported): {response.text.strip()[:2000]}")
        if response.status_code >= 300:
            raise StoreError(f"{url} answered {response.status_code}: {response.text.strip()[:2000]}")
        return response

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
        if bindings:
            sparql = add_values(sparql, {name.lstrip("?$"): ntriples_term(v) for name, v in bindings.items()})
        default_graph_uris, named_graph_uris = tuple(default_graph_uris), tuple(named_graph_uris)
        if not (default_graph_uris or named_graph_uris):
            # a server's union-default-graph setting overrides FROM; the protocol dataset does not
            written = shape(sparql, base_iri)
            default_graph_uris, named_graph_uris = written.from_iris, written.from_named_iris
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        form = [("query", sparql)]
        form += [("default-graph-uri", g) for g in default_graph_uris]
        form += [("named-graph-uri", g) for g in named_graph_uris]
        response = self._post(
            self.query_url,
            content=urlencode(form).encode(),
            headers={"Accept": _ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
        )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        try:
            if media_type == "application/sparql-results+json":
                answer = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
                if isinstance(answer, ox.QueryBoolean):
                    return QueryResult.from_boolean(bool(answer))
                return QueryResult.from_solutions([v.value for v in answer.variables], answer, limit)
            if media_type == "application/n-triples":
                return QueryResult.from_triples(ox.parse(response.content, ox.RdfFormat.N_TRIPLES), limit)
        except SyntaxError as exc:
            raise StoreError(f"{self.query_url} sent unreadable {media_type}: {exc}") from exc
        raise StoreError(f"{self.query_url} answered with unexpected media type {media_type!r}")

    def update(self, sparql: str, *, using_graph_uris=(), using_named_graph_uris=(), base_iri=None) -> None:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        params = [("using-graph-uri", g) for g in using_graph_uris]
        params += [("using-named-graph-uri", g) for g in using_named_graph_uris]
        self._post(
            self.update_url,
            params=params,
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-update"},
        )

    def publish(self, dataset: rdflib.Dataset) -> None:
        """Replace everything in one update request (atomic on transactional servers)."""
        self._send_graphs("DROP SILENT ALL ;\n", [(graph.identifier, graph) for graph in dataset.graphs()])

    def replace_graphs(self, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef] = ()) -> None:
        """Drop and refill the named graphs in one update request (atomic on transactional servers)."""
        drops = "".join(f"DROP SILENT GRAPH {ntriples_term(name)} ;\n" for name in (*graphs, *remove))
        self._send_graphs(drops, list(graphs.items()))

    def _send_graphs(self, preamble: str, graphs: list[tuple[Node, rdflib.Graph]]) -> None:
        try:
            body = _graphs_request(preamble, graphs)
        except (ValueError, TypeError) as exc:
            raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc
        try:
            self.update(body)
        except QueryError as exc:
            raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc

    def describe(self, iri: str) -> rdflib.Graph:
        return self.query(DESCRIBE_QUERY, {"this": rdflib.URIRef(iri)}).graph()

    def count(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
        return int(rows[0][0]) if rows else 0

    def is_empty(self) -> bool:
        return not self.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean

    def graph_names(self) -> list[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows()
        return sorted(str(g) for (g,) in rows if isinstance(g, rdflib.URIRef))

    def version(self) -> str:
        state = json.dumps([self.count(), self.graph_names()])
        return hashlib.sha256(state.encode()).hexdigest()[:16]

    def export(self, format: str, out: BinaryIO) -> None:
        rdf_format = check_export_format(format)
        if rdf_format in DATASET_FORMATS:
            rows = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
            quads = [ox.Quad(*(to_oxigraph(t) for t in row)) for row in rows]
            ox.serialize(quads, out, rdf_format, prefixes=PREFIX_IRIS)
        else:
            triples = ox.parse(self.query("CONSTRUCT WHERE { ?s ?p ?o }").payload, ox.RdfFormat.N_TRIPLES)
            ox.serialize(triples, out, rdf_format, prefixes=PREFIX_IRIS)

    def close(self) -> None:
        if self._own_client:
            self._client.close()


def _graphs_request(preamble: str, graphs: list[tuple[Node, rdflib.Graph]]) -> str:
    """`preamble` then one INSERT DATA with every (name, graph); empty named graphs are created."""
    body = io.StringIO()
    body.write(preamble)
    blocks = []
    for name, graph in graphs:
        default = name == rdflib.graph.DATASET_DEFAULT_GRAPH_ID
        if not len(graph):
            if not default:
                body.write(f"CREATE SILENT GRAPH {ntriples_term(name)} ;\n")
            continue
        triples = ox.serialize(
            [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph],
            format=ox.RdfFormat.N_TRIPLES,
        ).decode()
        blocks.append(triples if default else f"GRAPH {ntriples_term(name)} {{\n{triples}}}\n")
    body.write("INSERT DATA {\n")
    body.writelines(blocks)
    body.write("}\n")
    return body.getvalue()
