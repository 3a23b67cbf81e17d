"""The facade the CLI and the web app call: queries with their safety rules, named queries,
resource descriptions, export, health, building the graph when there is none, and the corpus:
ingest, remove, the list of documents and what needs review.

Queries on the embedded on-disk store run in worker processes (store/pool.py) so a time
limit really stops them and the caller (an event loop) never blocks on evaluation. At most
settings.max_pending_queries queries run or wait for a worker at once; one more waits
ADMISSION_WAIT seconds for a slot and is then refused (Overloaded: 503 with Retry-After),
so a crowd of clients queues a bounded amount of work, never an unbounded one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from threading import BoundedSemaphore, Lock
from typing import BinaryIO

import rdflib
from rdflib.term import Node

from .config import Settings
from .errors import QueryError, StoreError
from .namespaces import KINDS, MDG, instance_iri
from .queries import NamedQuery, load_catalogue
from .store import DESCRIBE_QUERY, GraphStore, Overloaded, QueryResult, QueryTimeout, default_store_url, open_store
from .store.oxigraph import DiskStore
from .store.pool import ProcessRunner, ThreadRunner, taken_in_thread
from .store.sparqltext import add_values, shape
from .store.terms import ntriples_term

__all__ = ["Overloaded", "QueryResult", "QueryTimeout", "Service"]

#: Seconds a query waits for one of the max_pending_queries slots before it is refused.
ADMISSION_WAIT = 1.0

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._~")

#: Statistics of the published graph for the VoID description (web/description.py).
_STATISTICS = {
    "totals": """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
                 WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }""",
    "classes": """SELECT ?class (COUNT(DISTINCT ?s) AS ?entities)
                  WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?entities) ?class""",
    "properties": """SELECT ?property (COUNT(*) AS ?triples)
                     WHERE { SELECT DISTINCT ?s ?property ?o WHERE { ?s ?property ?o } }
                     GROUP BY ?property ORDER BY ?property""",
    "documents": """PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
                    SELECT DISTINCT ?document WHERE { ?document a mdg:Document } ORDER BY ?document""",
}
#: Every document of the published graph with its named graph's size and its programmes.
_DOCUMENTS = """
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?document ?graph (SAMPLE(?name) AS ?title) (SAMPLE(?id) AS ?file) (SAMPLE(?hash) AS ?sha256)
       (SAMPLE(?size) AS ?triples) (COUNT(DISTINCT ?programme) AS ?programmes)
WHERE {
  { SELECT ?graph (COUNT(*) AS ?size) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph }
  GRAPH ?graph {
    ?document a mdg:Document .
    OPTIONAL { ?document dcterms:title ?name }
    OPTIONAL { ?document dcterms:identifier ?id }
    OPTIONAL { ?document mdg:sha256 ?hash }
    OPTIONAL { ?programme prov:wasDerivedFrom ?document ; a mdg:Programme }
  }
} GROUP BY ?document ?graph ORDER BY ?document
"""


class Service:
    """One published graph, seen through the rules of mdgraph (read-only unless enabled, limits)."""

    def __init__(self, settings: Settings, store: GraphStore | None = None, *, query_workers: int | None = None):
        self.settings = settings
        self.store = store if store is not None else open_store(default_store_url(settings))
        self._owns_store = store is None
        self._query_workers = query_workers
        self._runner = None
        self._catalogue: dict[str, NamedQuery] | None = None
        self._statistics: tuple[str, dict] | None = None
        self._lock = Lock()
        self._slots = BoundedSemaphore(settings.max_pending_queries)

    @property
    def endpoint_iri(self) -> str:
        """The endpoint's own IRI: the base for relative IRIs in queries and updates."""
        return self.settings.public_base.rstrip("/") + "/sparql"

    @property
    def updates_enabled(self) -> bool:
        return bool(self.settings.update_token)

    def _query_runner(self) -> ProcessRunner | ThreadRunner:
        with self._lock:
            if self._runner is None:
                workers = self._query_workers
                if workers is None:
                    workers = max(2, min(4, os.cpu_count() or 2))
                if isinstance(self.store, DiskStore) and workers > 0:
                    self._runner = ProcessRunner(self.store.url, workers)
                else:
                    self._runner = ThreadRunner(self.store, max(workers, 4))
            return self._runner

    def _busy(self) -> Overloaded:
        return Overloaded(
            f"the server is busy: {self.settings.max_pending_queries} queries are already running or waiting; "
            "retry in a moment"
        )

    def _release_if_admitted(self, admitted: bool) -> None:
        """A slot taken for a request that was cancelled while it waited goes back."""
        if admitted:
            self._slots.release()

    def _time_limit(self, timeout: float | None) -> float:
        return self.settings.query_timeout if timeout is None else timeout

    def _run(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        runner = self._query_runner()
        if not self._slots.acquire(timeout=ADMISSION_WAIT):
            raise self._busy()
        try:
            return runner.query(self._time_limit(timeout), *args, **kwargs)
        finally:
            self._slots.release()

    async def _run_async(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        runner = self._query_runner()
        admitted = self._slots.acquire(blocking=False) or await taken_in_thread(
            partial(self._slots.acquire, timeout=ADMISSION_WAIT), self._release_if_admitted)
        if not admitted:
            raise self._busy()
        try:
            return await runner.query_async(self._time_limit(timeout), *args, **kwargs)
        finally:
            self._slots.release()

    # -- queries -----------------------------------------------------------------------------

    def check(self, sparql: str, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()):
        """Refuse what a read-only public endpoint must not run; returns the query's shape."""
        written = shape(sparql, self.endpoint_iri)
        if written.form == "update":
            raise QueryError("this is a SPARQL update, not a query: send it as an update (POST with `update=`)")
        _refuse_remote(written)
        asked = set(written.from_iris) | set(written.from_named_iris) | set(default_graph_uris) | set(named_graph_uris)
        if asked:
            unknown = sorted(asked - set(self.store.graph_names()))
            if unknown:
                raise QueryError(
                    f"the dataset names graphs this store does not hold: {', '.join('<' + u + '>' for u in unknown)}; "
                    "FROM, FROM NAMED, default-graph-uri and named-graph-uri may only name the store's own "
                    "graphs (nothing is fetched from elsewhere); see the service description for the list"
                )
        return written

    def query_form(self, sparql: str) -> str | None:
        """select, ask, construct, describe or update, as the text shows (None if it does not)."""
        return shape(sparql, self.endpoint_iri).form

    def _prepared(self, sparql: str, bindings, default_graph_uris, named_graph_uris, limit) -> tuple[tuple, dict]:
        """The checked arguments of a store query."""
        default_graph_uris, named_graph_uris = tuple(default_graph_uris), tuple(named_graph_uris)
        self.check(sparql, default_graph_uris, named_graph_uris)
        return (sparql, dict(bindings or {})), {
            "default_graph_uris": default_graph_uris,
            "named_graph_uris": named_graph_uris,
            "base_iri": self.endpoint_iri,
            "limit": self.settings.result_limit if limit == -1 else limit,
        }

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        timeout: float | None = None,
        limit: int | None = -1,
    ) -> QueryResult:
        """Run a read-only query. timeout None = settings.query_timeout; limit -1 = settings.result_limit."""
        args, kwargs = self._prepared(sparql, bindings, default_graph_uris, named_graph_uris, limit)
        return self._run(timeout, *args, **kwargs)

    async def query_async(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        timeout: float | None = None,
        limit: int | None = -1,
    ) -> QueryResult:
        """query() awaited on an event loop. A query naming its dataset takes query() in a thread:
        checking the graphs it names reads the store."""
        default_graph_uris, named_graph_uris = tuple(default_graph_uris), tuple(named_graph_uris)
        written = shape(sparql, self.endpoint_iri)
        if default_graph_uris or named_graph_uris or written.from_iris or written.from_named_iris:
            return await asyncio.to_thread(
                self.query, sparql, bindings, default_graph_uris, named_graph_uris, timeout, limit)
        args, kwargs = self._prepared(sparql, bindings, default_graph_uris, named_graph_uris, limit)
        return await self._run_async(timeout, *args, **kwargs)

    def update(self, sparql: str, using_graph_uris: Iterable[str] = (), using_named_graph_uris: Iterable[str] = ()) -> None:
        """Run a SPARQL update (only when the operator enabled updates with a token)."""
        if not self.updates_enabled:
            raise QueryError("updates are disabled on this endpoint (set MDGRAPH_UPDATE_TOKEN to enable them)")
        using_graph_uris, using_named_graph_uris = tuple(using_graph_uris), tuple(using_named_graph_uris)
        written = shape(sparql, self.endpoint_iri)
        if written.form not in (None, "update"):
            raise QueryError(f"this is a {written.form.upper()} query, not an update: send it as a query")
        if written.loads:
            raise QueryError("LOAD is refused: this endpoint never fetches data from elsewhere")
        _refuse_remote(written)
        if (using_graph_uris or using_named_graph_uris) and (written.from_iris or written.from_named_iris or written.with_iris):
            raise QueryError(
                "using-graph-uri / using-named-graph-uri cannot be combined with USING, USING NAMED or WITH "
                "in the update (SPARQL 1.1 Protocol 2.2.3)"
            )
        self.store.update(
            sparql,
            using_graph_uris=using_graph_uris,
            using_named_graph_uris=using_named_graph_uris,
            base_iri=self.endpoint_iri,
        )

    # -- named queries -------------------------------------------------------------------------

    def catalogue(self) -> dict[str, NamedQuery]:
        if self._catalogue is None:
            self._catalogue = load_catalogue(Path(self.settings.queries_dir))
        return self._catalogue

    def named_query(self, name: str) -> NamedQuery | None:
        return self.catalogue().get(name)

    def example_text(self, named: NamedQuery) -> str:
        """The query text with its example values in a VALUES block: a runnable example for the UI
        (shown to people, never run with their values)."""
        values = {p.name: ntriples_term(p.term(p.example)) for p in named.params if p.example}
        try:
            return add_values(named.text, values)
        except QueryError:
            return named.text

    def run_named(self, name: str, params: Mapping[str, str], timeout: float | None = None) -> QueryResult:
        named = self.named_query(name)
        if named is None:
            known = ", ".join(self.catalogue()) or "none"
            raise QueryError(f"no query named {name!r} in {self.settings.queries_dir} (known: {known})")
        return self.query(named.text, named.bind(params), timeout=timeout)

    # -- resources -----------------------------------------------------------------------------

    def describe(self, kind: str, key: str) -> rdflib.Graph | None:
        """The description of mdgid:{kind}/{key}, or None when the graph has nothing about it."""
        if kind not in KINDS or not key or not set(key) <= _KEY_CHARS:
            return None
        iri = instance_iri(kind, key)
        graph = self._run(None, DESCRIBE_QUERY, {"this": iri}, base_iri=self.endpoint_iri).graph()
        return graph if (iri, None, None) in graph else None

    def statistics(self) -> dict:
        """Counts, classes, properties and source documents, computed once per published version."""
        version = self.store.version()
        cached = self._statistics
        if cached and cached[0] == version:
            return cached[1]
        answers = {name: self._run(None, text, {}, limit=None).rows() for name, text in _STATISTICS.items()}
        triples, subjects, properties = (int(v) for v in answers["totals"][0]) if answers["totals"] else (0, 0, 0)
        stats = {
            "version": version,
            "triples": triples,
            "subjects": subjects,
            "property_count": properties,
            "classes": [(str(c), int(n)) for c, n in answers["classes"]],
            "properties": [(str(p), int(n)) for p, n in answers["properties"]],
            "documents": [str(d) for (d,) in answers["documents"]],
            "graphs": self.store.graph_names(),
            "examples": self.examples(),
        }
        self._statistics = (version, stats)
        return stats

    def examples(self) -> dict[str, str]:
        """One example resource IRI per kind (for void:exampleResource)."""
        found = {}
        for kind in KINDS:
            rows = self._run(
                None, "SELECT ?s ?class WHERE { ?s a ?class } LIMIT 1", {"class": MDG[kind.capitalize()]}, limit=1
            ).rows()
            if rows:
                found[kind] = str(rows[0][0])
        return found

    # -- the graph as a whole ------------------------------------------------------------------

    def export(self, fmt: str, out: BinaryIO) -> None:
        self.store.export(fmt, out)

    def health(self) -> dict:
        """`ok` is true only when a graph is published and answers a query."""
        try:
            loaded = self.store.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean
            version = self.store.version()
        except StoreError as exc:
            return {"ok": False, "status": "unavailable", "store": self.store.url, "detail": str(exc)}
        return {
            "ok": loaded,
            "status": "ok" if loaded else "empty",
            "store": self.store.url,
            "version": version,
            "detail": "the graph is loaded and answers queries" if loaded else "no graph has been published yet",
        }

    def ensure_published(self) -> None:
        """Raise StoreError, saying what to do, when no graph has been published yet."""
        if self.store.is_empty():
            raise StoreError(f"no graph is published in {self.store.url}: run `mdgraph build` first")

    def ensure_built(self, progress: Callable[[str], None] | None = None):
        """Build and publish the graph when the store is empty; returns the BuildReport or None."""
        if not self.store.is_empty():
            return None
        from .build import build  # the pipeline is only needed on first start

        return build(self.settings, progress=progress)

    # -- the corpus ----------------------------------------------------------------------------

    def documents(self) -> list[dict]:
        """The documents of the published graph: key, title, file, sha256, programmes, triples."""
        rows = self._run(None, _DOCUMENTS, {}, limit=None).rows()
        return [{"key": str(document).rsplit("/", 1)[-1], "iri": str(document), "graph": str(graph),
                 "title": str(title or ""), "file": str(file or ""), "sha256": str(sha or ""),
                 "programmes": int(programmes), "triples": int(triples)}
                for document, graph, title, file, sha, triples, programmes in rows]

    def ingest(self, sources, max_bytes: int | None = None, progress: Callable[[str], None] | None = None):
        """Add documents (ingest.pipeline.Source) to the published graph; returns the IngestReport."""
        from .ingest.library import document_limit
        from .ingest.pipeline import ingest  # the extraction pipeline is only needed for changes

        limit = document_limit(self.settings) if max_bytes is None else max_bytes
        return ingest(self.settings, self.store, list(sources), limit, progress)

    def remove(self, reference: str, progress: Callable[[str], None] | None = None):
        """Remove one document (key, file name or SHA-256 prefix); returns the IngestReport."""
        from .ingest.pipeline import remove

        return remove(self.settings, self.store, reference, progress)

    def review(self):
        """What needs a person's look across the published corpus (ingest.review.Review)."""
        from .ingest.review import review

        return review(self.settings.data_dir, self.store)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        if self._owns_store:
            self.store.close()


def _refuse_remote(written) -> None:
    if written.services:
        raise QueryError(
            f"SERVICE is refused: this endpoint never sends requests elsewhere (found SERVICE {written.services[0]})"
        )
