"""A remote SPARQL 1.1 store (Query + Update protocols) for graphs that outgrow one machine.

URL: the query endpoint, e.g. `http://localhost:7878/query`. The update endpoint is the
sibling `/update` when the path ends in `/query` (Oxigraph, Fuseki), else the same URL
(Virtuoso `/sparql-auth`). Options go in the fragment, which is never sent:
`update=URL` names the update endpoint (GraphDB: `.../repositories/mdgraph/statements`),
`max_request_bytes=N` caps one update request, `exclude=IRI` (repeatable) hides a graph of the
server's own from queries (Virtuoso only). Credentials go in the URL
(`http://user:password@host/sparql-auth`); they answer the server's Basic or Digest challenge
and never appear in `url` (which also leaves out the options), logs or error messages.
docs/remote-stores.md says what to configure on Oxigraph, Virtuoso, Fuseki, GraphDB and QLever.

What the server must provide:
- **Default graph = union of the named graphs.** Oxigraph: `oxigraph serve --union-default-graph`;
  Fuseki: `tdb2:unionDefaultGraph true`; GraphDB queries all graphs when no FROM is given.
  Virtuoso does too, but its union also holds its own graphs (quad-map schema, service
  description): found on first use and left out of every query with `DEFINE
  input:default-graph-exclude` / `input:named-graph-exclude`.
- **One update request = one transaction.** A publish that fits in one request
  (`max_request_bytes`: 120 MB, 8 MB on Virtuoso, which refuses bodies over 10 MB) drops and
  inserts in that request. A larger one uploads into staging graphs `urn:mdgraph:staging:...`
  first, then swaps them in with one request (drop the old graphs, copy the staging graphs to
  their names with one INSERT ... WHERE, drop the staging graphs): all or nothing, but queries
  running during the upload also see the staging graphs.
- Bound parameters travel as a `VALUES` block at the start of the query's WHERE group, each term
  written by pyoxigraph's N-Triples serialiser, as the embedded store does.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ..errors import QueryError, StoreError
from .base import (
    DATASET_FORMATS,
    DESCRIBE_QUERY,
    PREFIX_IRIS,
    QueryResult,
    QueryTimeout,
    check_export_format,
    staged_in_memory,
)
from .oxigraph import load_dataset, load_graphs
from .sparqltext import add_values, shape
from .terms import ntriples_term, to_oxigraph

_SELECT_ACCEPT = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_GRAPH_FORMATS = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}
DEFAULT_MAX_REQUEST_BYTES = 120_000_000  # Oxigraph server refuses bodies over 128 MiB
VIRTUOSO_MAX_REQUEST_BYTES = 8_000_000
#: Virtuoso's own graphs in every database; its service description graph is found by content.
VIRTUOSO_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")
_SERVICE_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a <http://www.w3.org/ns/sparql-service-description#Service> } }"
STAGING_PREFIX = "urn:mdgraph:staging:"
#: Triples per GRAPH block: Virtuoso's parser runs out of stack ("memory exhausted") near 5000.
BLOCK_TRIPLES = 2000
#: GRAPH blocks per request and graphs per VALUES: Virtuoso refuses a request of 1000
#: operations ("variables in state over the limit") or a VALUES of 8000 rows.
BLOCKS = 500


@dataclass(frozen=True)
class _Server:
    """What the first answer told about the server."""

    virtuoso: bool
    excluded: tuple[str, ...]
    max_request_bytes: int

    def prologue(self) -> str:
        """Virtuoso pragmas that keep the server's own graphs out of the union and GRAPH ?g."""
        return "".join(
            f"DEFINE input:default-graph-exclude {g}\nDEFINE input:named-graph-exclude {g}\n" for g in self.excluded
        )


class _ChallengeAuth(httpx.Auth):
    """Basic or Digest, whichever the server's first 401 asks for (Virtuoso: Digest;
    GraphDB: Basic; Fuseki: as configured)."""

    def __init__(self, user: str, password: str) -> None:
        self._schemes = {"basic": httpx.BasicAuth(user, password), "digest": httpx.DigestAuth(user, password)}
        self._chosen: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request):
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if response.status_code != 401 or scheme not in self._schemes:
            return
        self._chosen = self._schemes[scheme]
        yield from self._chosen.auth_flow(request)


class RemoteStore:
    def __init__(
        self,
        url: str,
        client: httpx.Client | None = None,
        timeout: float = 60.0,
        update_timeout: float = 600.0,
    ) -> None:
        parts = urlsplit(url)
        options = parse_qs(parts.fragment)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        try:
            netloc = f"{host}:{parts.port}" if parts.port else host
        except ValueError as exc:
            raise StoreError(f"{_shown(url)}: {exc}") from None
        self.query_url = urlunsplit(parts._replace(netloc=netloc, fragment=""))
        shown = f"{unquote(parts.username)}:***@{netloc}" if parts.username else netloc
        self.url = urlunsplit(parts._replace(netloc=shown, fragment=""))  # options may hold a token
        default_update = self.query_url[: -len("query")] + "update" if parts.path.endswith("/query") else self.query_url
        self.update_url = options.get("update", [default_update])[0]
        self._auth = _ChallengeAuth(unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        self._excluded_by_url = tuple(options.get("exclude", ()))
        self._max_request_bytes = _positive(options.get("max_request_bytes", [None])[0], self.url)
        self._update_timeout = update_timeout
        self._server: _Server | None = None
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout)

    # -- HTTP --------------------------------------------------------------------------------

    def _post(self, endpoint: str, **request) -> httpx.Response:
        url = _shown(endpoint)  # for messages: no credentials, no access token in a query string
        try:
            response = self._client.post(endpoint, auth=self._auth, **request)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"{url}: no answer in time: {exc}") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"{url}: request failed: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(f"{url} refused the request (syntax error or unsupported): {_server_message(response)}")
        if response.status_code in (401, 403):
            raise StoreError(f"{url} answered {response.status_code}: the credentials in the store URL are missing or refused")
        if response.status_code >= 300:
            raise StoreError(f"{url} answered {response.status_code}: {_server_message(response)}")
        if response.headers.get("x-sql-state") == "S1TAT":  # Virtuoso's "anytime" partial answer
            raise QueryTimeout(f"{url} stopped the query at its time limit: {response.headers.get('x-sql-message', '')}")
        return response

    def _server_info(self) -> _Server:
        """Learn on first use whether the server is Virtuoso, and which graphs are its own."""
        if self._server is None:
            form = urlencode([("query", _SERVICE_GRAPHS)]).encode()
            headers = {"Accept": _SELECT_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"}
            response = self._post(self.query_url, content=form, headers=headers)
            virtuoso = "virtuoso" in response.headers.get("server", "").lower()
            excluded = list(self._excluded_by_url)
            if virtuoso:
                found = _solutions(_virtuoso_json(response.content), self.url)
                excluded[:0] = [*VIRTUOSO_GRAPHS, *(s["g"].value for s in found if isinstance(s["g"], ox.NamedNode))]
            elif excluded:
                raise StoreError(f"{self.url}: `exclude=` needs Virtuoso's DEFINE pragmas; this server is not Virtuoso")
            limit = self._max_request_bytes or (VIRTUOSO_MAX_REQUEST_BYTES if virtuoso else DEFAULT_MAX_REQUEST_BYTES)
            iris = tuple(dict.fromkeys(ntriples_term(rdflib.URIRef(g)) for g in excluded))
            self._server = _Server(virtuoso, iris, limit)
        return self._server

    # -- queries -----------------------------------------------------------------------------

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
        written = shape(sparql, base_iri)  # refuses what would crash or hang the engine, first
        if bindings:
            sparql = add_values(sparql, {name.lstrip("?$"): ntriples_term(v) for name, v in bindings.items()})
        default_graph_uris, named_graph_uris = tuple(default_graph_uris), tuple(named_graph_uris)
        server = self._server_info()
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        if not (default_graph_uris or named_graph_uris):
            # a server's union-default-graph setting overrides FROM; the protocol dataset does not
            default_graph_uris, named_graph_uris = written.from_iris, written.from_named_iris
            if not (default_graph_uris or named_graph_uris):
                sparql = server.prologue() + sparql
        form = [("query", sparql)]
        form += [("default-graph-uri", g) for g in default_graph_uris]
        form += [("named-graph-uri", g) for g in named_graph_uris]
        accept = _GRAPH_ACCEPT if written.form in ("construct", "describe") else _SELECT_ACCEPT
        response = self._post(
            self.query_url,
            content=urlencode(form).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        return self._result(response, written.form, server, limit)

    def _result(self, response: httpx.Response, form: str | None, server: _Server, limit: int | None) -> QueryResult:
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        capped = response.headers.get("x-sparql-maxrows")  # Virtuoso's ResultSetMaxRows cut the answer
        if capped and limit is None:
            limit = int(capped) if capped.isdigit() else None
        try:
            if media_type == _SELECT_ACCEPT:
                payload = _virtuoso_json(response.content) if server.virtuoso else response.content
                answer = ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
                if isinstance(answer, ox.QueryBoolean):
                    return QueryResult.from_boolean(bool(answer))
                names = [v.value for v in answer.variables]
                if form == "ask" and names == ["__ASK_RETVAL"]:  # Virtuoso answers ASK with one row or none
                    return QueryResult.from_boolean(any(s[0].value not in ("0", "false") for s in answer))
                result = QueryResult.from_solutions(answer, limit)
            elif media_type in _GRAPH_FORMATS:
                result = QueryResult.from_triples(ox.parse(response.content, _GRAPH_FORMATS[media_type]), limit)
            else:
                raise StoreError(f"{self.url} answered with unexpected media type {media_type!r}")
        except SyntaxError as exc:
            raise StoreError(f"{self.url} sent unreadable {media_type}: {exc}") from exc
        if capped and not result.truncated:
            return QueryResult(result.kind, result.payload, truncated=True, limit=limit)
        return result

    def describe(self, iri: str) -> rdflib.Graph:
        return self.query(DESCRIBE_QUERY, {"this": rdflib.URIRef(iri)}).graph()

    def count(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
        return int(rows[0][0]) if rows else 0

    def is_empty(self) -> bool:
        return not self.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean

    def graph_names(self) -> list[str]:
        # Virtuoso lists no graph for an empty GRAPH ?g { }; its graphs are never empty anyway
        pattern = "?s ?p ?o" if self._server_info().virtuoso else ""
        rows = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}").rows()
        return sorted(str(g) for (g,) in rows if isinstance(g, rdflib.URIRef))

    def version(self) -> str:
        state = json.dumps([self.count(), self.graph_names()])
        return hashlib.sha256(state.encode()).hexdigest()[:16]

    def export(self, format: str, out: BinaryIO) -> None:
        rdf_format = check_export_format(format)
        if rdf_format in DATASET_FORMATS:
            answer = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            items = [ox.Quad(*(to_oxigraph(t) for t in row)) for row in answer.rows()]
        else:
            answer = self.query("CONSTRUCT WHERE { ?s ?p ?o }")
            items = list(ox.parse(answer.payload, ox.RdfFormat.N_TRIPLES))
        if answer.truncated:
            raise StoreError(f"{self.url} cut the export at {answer.limit} rows: raise its result limit (docs/remote-stores.md)")
        ox.serialize(items, out, rdf_format, prefixes=PREFIX_IRIS)

    # -- updates -----------------------------------------------------------------------------

    def update(self, sparql: str, *, using_graph_uris=(), using_named_graph_uris=(), base_iri=None) -> None:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        params = [("using-graph-uri", g) for g in using_graph_uris]
        params += [("using-named-graph-uri", g) for g in using_named_graph_uris]
        self._send_update(sparql.encode(), params)

    def _send_update(self, body: bytes, params: list[tuple[str, str]] = ()) -> None:
        self._post(
            self.update_url,
            params=params,
            content=body,
            headers={"Content-Type": "application/sparql-update"},
            timeout=self._update_timeout,
        )

    def staging(self) -> AbstractContextManager[ox.Store]:
        """A store in memory: publishing sends its graphs over SPARQL Update whatever it is."""
        return staged_in_memory()

    def publish(self, staged: rdflib.Dataset | ox.Store) -> None:
        """Replace everything with the named graphs of `staged` (see the module docstring for
        how atomic that is)."""
        if isinstance(staged, ox.Store):
            self._write(staged, drops=None)
        else:
            self._write(_converted(lambda store: load_dataset(store, staged)), drops=None)

    def replace_graphs(self, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef] = ()) -> None:
        """Drop and refill the named graphs, in one request when they fit in one."""
        store = _converted(lambda fresh: load_graphs(fresh, graphs.items()))
        self._write(store, drops=[ntriples_term(name) for name in (*graphs, *remove)])

    def _write(self, store: ox.Store, drops: list[str] | None) -> None:
        """Put the graphs of `store` in place; `drops` names the graphs to drop first (None: all)."""
        server = self._server_info()
        try:
            pieces = list(_pieces(store, server.max_request_bytes))
        except (OSError, ValueError) as exc:
            raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc
        # Virtuoso keeps no empty graph, and counts CREATE among the operations it limits
        empty = [] if server.virtuoso else [name for name, data, _ in pieces if not data and name]
        filled = [piece for piece in pieces if piece[1]]
        if sum(len(data) for _, data, _ in filled) + 4096 <= server.max_request_bytes and len(filled) <= BLOCKS:
            body = self._drops(drops, server) + _creates(empty) + _insert(filled)
            if body:  # Virtuoso refuses an empty update
                self._guarded(lambda: self._send_update(body))
            return
        token = f"{STAGING_PREFIX}{uuid.uuid4().hex}:"
        staging = {name: f"<{token}{i}>" for i, name in enumerate(dict.fromkeys(name for name, _, _ in filled))}
        try:
            for batch in _batches(filled, server.max_request_bytes):
                self._send_update(_insert([(staging[name], data, blank) for name, data, blank in batch]))
            swap = self._drops(drops, server, keep=token) + _creates(empty) + _copy(staging)
            self._send_update(swap + _removals(list(staging.values()), server.virtuoso))
        except (QueryError, StoreError) as exc:
            self._drop_quietly(list(staging.values()), server)
            raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc

    def _drops(self, names: list[str] | None, server: _Server, keep: str = "\0") -> bytes:
        """Operations that remove the graphs `names`, or every graph of ours (all but the
        staging graphs named `keep...`)."""
        if names is None:
            if not server.virtuoso and keep == "\0":
                return b"DROP SILENT ALL ;\n"  # never on Virtuoso: it would drop the server's own graphs
            names = [ntriples_term(rdflib.URIRef(g)) for g in self.graph_names() if not g.startswith(keep)]
            if not server.virtuoso:
                return _removals(names, False) + b"DROP SILENT DEFAULT ;\n"
        return _removals(names, server.virtuoso)

    def _guarded(self, send) -> None:
        try:
            send()
        except (QueryError, StoreError) as exc:
            raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc

    def _drop_quietly(self, graphs: list[str], server: _Server) -> None:
        try:
            self._send_update(_removals(graphs, server.virtuoso))
        except (QueryError, StoreError):
            pass  # a leftover staging graph is dropped by the next full publish

    def close(self) -> None:
        if self._own_client:
            self._client.close()


def _shown(url: str) -> str:
    """`url` without user, password, query string or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _positive(value: str | None, url: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1000:
        raise StoreError(f"{url}: max_request_bytes={value!r}: expected a whole number of bytes, at least 1000")
    return int(value)


def _converted(fill) -> ox.Store:
    store = ox.Store()
    try:
        fill(store)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"publish failed, the previous graph is unchanged: {exc}") from exc
    return store


def _pieces(store: ox.Store, limit: int) -> Iterator[tuple[str, bytes, bool]]:
    """(graph name in N-Triples or "" for the default graph, N-Triples lines, has blank nodes):
    the triples of a graph with blank nodes come in one piece, so that each node arrives in one
    request and stays one node; the others in pieces of at most `limit` bytes cut at line ends.
    Empty named graphs give b"". Names are N-Triples terms, as written by pyoxigraph."""
    for graph in [ox.DefaultGraph(), *store.named_graphs()]:
        if isinstance(graph, ox.BlankNode):
            raise StoreError(f"publish failed: a graph named by a blank node ({graph}) cannot be addressed in SPARQL Update")
        name = "" if isinstance(graph, ox.DefaultGraph) else str(graph)
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        if not data:
            if name:
                yield name, b"", False
            continue
        if b"_:" in data:
            lines = data.splitlines(keepends=True)
            yield name, b"".join(line for line in lines if b"_:" in line), True
            data = b"".join(line for line in lines if b"_:" not in line)
        start = 0
        while start < len(data):
            end = _cut(data, start, limit)
            yield name, data[start:end], False
            start = end


def _cut(data: bytes, start: int, limit: int) -> int:
    """Where the piece from `start` ends: after at most BLOCK_TRIPLES lines and `limit` bytes
    (a single longer line goes alone)."""
    end = start
    for _ in range(BLOCK_TRIPLES):
        after = data.find(b"\n", end) + 1 or len(data)
        if after - start > limit and end > start:
            break
        end = after
        if end == len(data):
            break
    return end


def _batches(pieces: list[tuple[str, bytes, bool]], limit: int) -> Iterator[list[tuple[str, bytes, bool]]]:
    batch: list = []
    size = 0
    for piece in pieces:
        if batch and (size + len(piece[1]) > limit or len(batch) >= BLOCKS):
            yield batch
            batch, size = [], 0
        batch.append(piece)
        size += len(piece[1]) + 200
    if batch:
        yield batch


def _insert(pieces: list[tuple[str, bytes, bool]]) -> bytes:
    """INSERT DATA for triples without blank nodes; those with go in a template with an empty
    WHERE (Virtuoso refuses blank nodes in INSERT DATA; a template makes each label one node)."""
    operations = []
    for blank, opening, closing in ((False, b"INSERT DATA {\n", b"}"), (True, b"INSERT {\n", b"} WHERE {}")):
        blocks = [data if not name else b"GRAPH %s {\n%s}\n" % (name.encode(), data)
                  for name, data, has_blank in pieces if has_blank == blank]
        if blocks:
            operations.append(opening + b"".join(blocks) + closing)
    return b" ;\n".join(operations) + b"\n" if operations else b""


def _copy(staging: dict[str, str]) -> bytes:
    """Copy every staging graph to its name with INSERT ... WHERE over VALUES, BLOCKS graphs an
    operation (on Oxigraph and Virtuoso several times faster than a MOVE per graph)."""
    pairs = [f"({source} {target})" for target, source in staging.items() if target]
    body = "".join(
        f"INSERT {{ GRAPH ?target {{ ?s ?p ?o }} }} WHERE {{ VALUES (?source ?target) {{ {' '.join(group)} }} "
        "GRAPH ?source { ?s ?p ?o } } ;\n"
        for group in _groups(pairs)
    )
    if "" in staging:
        body += f"ADD SILENT {staging['']} TO DEFAULT ;\n"
    return body.encode()


def _removals(names: list[str], virtuoso: bool) -> bytes:
    """Remove the named graphs: DROP each, or on Virtuoso, which refuses a request of a thousand
    operations, DELETE their triples BLOCKS graphs at a time (it keeps no empty graph)."""
    if not virtuoso:
        return "".join(f"DROP SILENT GRAPH {name} ;\n" for name in names).encode()
    return "".join(
        f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {' '.join(group)} }} GRAPH ?g {{ ?s ?p ?o }} }} ;\n"
        for group in _groups(names)
    ).encode()


def _groups(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BLOCKS):
        yield items[start : start + BLOCKS]


def _creates(names: list[str]) -> bytes:
    return "".join(f"CREATE SILENT GRAPH {name} ;\n" for name in names).encode()


def _solutions(payload: bytes, url: str) -> ox.QuerySolutions:
    try:
        return ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise StoreError(f"{url} sent unreadable SPARQL JSON results: {exc}") from exc


_NODE_ID = re.compile(r"^nodeID://")


def _virtuoso_json(payload: bytes) -> bytes:
    """Virtuoso's SPARQL JSON with blank nodes as the standard says (it writes `nodeID://b1`)."""
    if b"nodeID://" not in payload:
        return payload
    answer = json.loads(payload)
    for row in answer.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = _NODE_ID.sub("", term["value"])
    return json.dumps(answer).encode()


def _server_message(response: httpx.Response) -> str:
    """The server's error text without HTML markup or the echo of the query Virtuoso appends."""
    text = response.text
    if "<" in text and "html" in response.headers.get("content-type", ""):
        text = re.sub(r"<[^>]*>", " ", text)
    text = text.split("\nSPARQL query:", 1)[0]
    return " ".join(text.split())[:2000]
