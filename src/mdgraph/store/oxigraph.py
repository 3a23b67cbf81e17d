"""Embedded Oxigraph stores: in memory (tests) and on disk (the default).

On disk, a build gathers its graph in a staging store beside the versions (`staging()`);
publishing compacts it and links its files into a new version, with no copy. Each other
publish (and each update or replace_graphs, on a copy of the published one)
builds a complete new database in a fresh directory and then replaces the `current` symlink
with os.replace, so readers see the old graph or the new one, never a half-written one; a
failed publish leaves `current` untouched. Published versions are opened read-only, so any
number of processes (the server, its query workers, a CLI) can read while another process
publishes. The previous version is kept for queries still running on it; older ones are
removed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ..errors import QueryError, StoreError
from .base import (
    DATASET_FORMATS,
    DESCRIBE_QUERY,
    PREFIX_IRIS,
    QueryResult,
    check_export_format,
    staged_in_memory,
)
from .sparqltext import add_using, add_values, check_limits, shape
from .terms import ntriples_term, to_oxigraph


#: What can be published: a staged pyoxigraph Store (what `mdgraph build` makes) or an rdflib Dataset.
Publishable = ox.Store | rdflib.Dataset


#: Quads per bulk load when copying a store: bulk_extend gathers its whole input before writing,
#: which at five million quads doubled a build's memory.
_BULK_CHUNK = 500_000


def load_dataset(store: ox.Store, dataset: Publishable) -> None:
    """Copy the named graphs (and any default-graph triples) of a staged store or of an rdflib
    Dataset into `store`."""
    if isinstance(dataset, ox.Store):
        for name in dataset.named_graphs():
            store.add_graph(name)
        # bulk_extend gathers what it is given: fed in chunks straight from the iterator, it
        # never holds more than one chunk, and no Python list of them is built
        quads = iter(dataset.quads_for_pattern(None, None, None, None))
        for first in quads:
            store.bulk_extend(chain((first,), islice(quads, _BULK_CHUNK - 1)))
        return
    load_graphs(store, ((graph.identifier, graph) for graph in dataset.graphs()))


def load_graphs(store: ox.Store, graphs: Iterable[tuple[Node, rdflib.Graph]]) -> None:
    """Copy (name, graph) pairs into `store`; DATASET_DEFAULT_GRAPH_ID names the default graph."""
    cache: dict = {}

    def term(node):
        converted = cache.get(node)
        if converted is None:
            converted = cache[node] = to_oxigraph(node)
        return converted

    default = ox.DefaultGraph()
    quads = []
    for identifier, graph in graphs:
        name = default if identifier == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else term(identifier)
        if name != default:
            store.add_graph(name)
        quads.extend(ox.Quad(term(s), term(p), term(o), name) for s, p, o in graph)
    store.bulk_extend(quads)


class StagedGraph:
    """One named graph being written into a store, as a mapping's TripleSink: the mapping
    makes pyoxigraph terms through it, and its triples go in as quads in one bulk step, with
    no rdflib graph or term between. Graphs staged together may share `terms`, the IRIs
    already made (the same ones recur thousands of times)."""

    def __init__(self, store: ox.Store, name: Node, terms: dict | None = None) -> None:
        self._store, self._name = store, to_oxigraph(name)
        self._quads: list[ox.Quad] = []
        self._iris: dict[str, ox.NamedNode] = {} if terms is None else terms

    def iri(self, value: str) -> ox.NamedNode:
        made = self._iris.get(value)
        if made is None:
            made = self._iris[value] = ox.NamedNode(value)
        return made

    def literal(self, value: str, language: str | None = None, datatype: str | None = None) -> ox.Literal:
        if language:
            return ox.Literal(value, language=language)
        return ox.Literal(value) if datatype is None else ox.Literal(value, datatype=self.iri(datatype))

    def add(self, triple: tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]) -> None:
        self._quads.append(ox.Quad(*triple, self._name))

    def __enter__(self) -> "StagedGraph":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self._store.add_graph(self._name)
            self._store.bulk_extend(self._quads)


class OxigraphStore:
    """Query, describe and export over a pyoxigraph Store; subclasses decide where it lives."""

    url = "memory://"

    def __init__(self) -> None:
        self._store = ox.Store()
        self._version = uuid.uuid4().hex

    def _current(self) -> ox.Store:
        return self._store

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
        default_graph_uris, named_graph_uris = tuple(default_graph_uris), tuple(named_graph_uris)
        written = shape(sparql, base_iri)  # refuses what would crash or hang the parser, first
        if bindings:
            # a VALUES block opening the WHERE group, the terms written by pyoxigraph: the engine
            # plans with the values (its `substitutions` filter only after evaluating, up to
            # 40x slower), and a value can never change the query's shape
            sparql = add_values(sparql, {name.lstrip("?$"): ntriples_term(value) for name, value in bindings.items()})
        options: dict = {"base_iri": base_iri}
        if default_graph_uris or named_graph_uris:
            options["default_graph"] = [_iri(g) for g in default_graph_uris]
            options["named_graphs"] = [_iri(g) for g in named_graph_uris]
        else:
            # the union flag would override the query's own FROM / FROM NAMED
            options["use_default_graph_as_union"] = not (written.from_iris or written.from_named_iris)
        try:
            answer = self._current().query(sparql, **options)
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult.from_boolean(bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                return QueryResult.from_solutions(answer, limit)
            return QueryResult.from_triples(answer, limit)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (RuntimeError, ValueError) as exc:
            raise QueryError(f"query failed: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{self.url}: cannot read the store: {exc}") from exc

    def describe(self, iri: str) -> rdflib.Graph:
        return self.query(DESCRIBE_QUERY, {"this": rdflib.URIRef(iri)}).graph()

    def count(self) -> int:
        return len(self._current())

    def is_empty(self) -> bool:
        return not self.query("ASK { ?s ?p ?o }").boolean

    def reader(self) -> ox.Store:
        """The published version as a pyoxigraph Store, to read in bulk (it is never written)."""
        return self._current()

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._current().named_graphs() if isinstance(g, ox.NamedNode))

    def version(self) -> str:
        return self._version

    def export(self, format: str, out: BinaryIO) -> None:
        rdf_format = check_export_format(format)
        store = self._current()
        try:
            if rdf_format in DATASET_FORMATS:
                store.dump(out, rdf_format, prefixes=PREFIX_IRIS)
            else:
                union = store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
                ox.serialize(union, out, rdf_format, prefixes=PREFIX_IRIS)
        except OSError as exc:
            raise StoreError(f"{self.url}: export failed: {exc}") from exc

    def staging(self) -> AbstractContextManager[ox.Store]:
        return staged_in_memory()

    def publish(self, dataset: Publishable) -> None:
        fresh = ox.Store()
        _fill(fresh, dataset, self.url)
        self._store, self._version = fresh, uuid.uuid4().hex

    def replace_graphs(self, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef] = ()) -> None:
        current = self._current()
        fresh = ox.Store()
        for name in current.named_graphs():
            fresh.add_graph(name)
        fresh.bulk_extend(current.quads_for_pattern(None, None, None, None))
        _change_graphs(fresh, graphs, remove, self.url)
        self._store, self._version = fresh, uuid.uuid4().hex

    def update(self, sparql: str, *, using_graph_uris=(), using_named_graph_uris=(), base_iri=None) -> None:
        _run_update(self._current(), sparql, tuple(using_graph_uris), tuple(using_named_graph_uris), base_iri)
        self._version = uuid.uuid4().hex

    def close(self) -> None:
        self._store = ox.Store()


class DiskStore(OxigraphStore):
    """The embedded store under one directory: versions/, `current` symlink, a publish lock."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.url = f"oxigraph://{self.root}"
        self._link = str(self.root / "current")  # read before every query: no path to build each time
        self._opened: str | None = None
        self._store = ox.Store()
        self._staged: ox.Store | None = None  # the store staging() handed out, if any

    def _pointer(self) -> str | None:
        try:
            return os.readlink(self._link)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"{self.url}: cannot read the `current` link of the published graph: {exc}") from exc

    def _current(self) -> ox.Store:
        target = self._pointer()
        if target != self._opened:
            try:
                store = ox.Store.read_only(str(self.root / target)) if target else ox.Store()
            except OSError as exc:
                raise StoreError(f"{self.url}: cannot open the published graph {target}: {exc}") from exc
            self._store, self._opened = store, target
        return self._store

    def version(self) -> str:
        return self._pointer() or "empty"

    @contextmanager
    def staging(self) -> Iterator[ox.Store]:
        """A store on disk beside the versions: publishing it compacts it and links its files
        into the new version, where a store in memory would be copied quad by quad (13 s a
        million quads, against 2 s)."""
        folder = self.root / "staging" / f"{time.time_ns():020d}-{os.getpid()}"
        try:
            _remove_abandoned(folder.parent)
            folder.mkdir(parents=True)
            self._staged = ox.Store(str(folder))
        except OSError as exc:
            raise StoreError(f"{self.url}: cannot make a staging store in {folder.parent}, "
                             f"the previous graph is unchanged: {exc}") from exc
        try:
            yield self._staged
        finally:
            self._staged = None
            shutil.rmtree(folder, ignore_errors=True)

    def publish(self, dataset: Publishable) -> None:
        if dataset is self._staged:
            self._replace(lambda path: _promote(dataset, path, self.url))
        else:
            self._replace(lambda path: _fill(ox.Store(str(path)), dataset, self.url))

    def update(self, sparql: str, *, using_graph_uris=(), using_named_graph_uris=(), base_iri=None) -> None:
        def apply(path: Path) -> None:
            writable = self._writable_copy(path)
            _run_update(writable, sparql, tuple(using_graph_uris), tuple(using_named_graph_uris), base_iri)
            writable.flush()

        self._replace(apply)

    def replace_graphs(self, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef] = ()) -> None:
        self._replace(lambda path: _change_graphs(self._writable_copy(path), graphs, remove, self.url))

    def _writable_copy(self, path: Path) -> ox.Store:
        """A writable copy, at `path`, of the published graph (empty when none is published)."""
        current = self._current()
        if self._opened:
            current.backup(str(path))
        return ox.Store(str(path))

    def _replace(self, write) -> None:
        """Write a new version with `write(path)`, then switch `current` to it."""
        versions = self.root / "versions"
        try:
            versions.mkdir(parents=True, exist_ok=True)
            lock = open(self.root / ".publish.lock", "w")
        except OSError as exc:
            raise StoreError(f"{self.url}: cannot write the store directory, the previous graph is unchanged: {exc}") from exc
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            name = f"versions/{time.time_ns():020d}-{os.getpid()}"
            link = self.root / f".current-{uuid.uuid4().hex}"
            try:
                write(self.root / name)
                previous = self._pointer()
                os.symlink(name, link)
                os.replace(link, self.root / "current")
            except BaseException as exc:
                shutil.rmtree(self.root / name, ignore_errors=True)
                link.unlink(missing_ok=True)
                if isinstance(exc, OSError):
                    raise StoreError(f"{self.url}: publish failed, the previous graph is unchanged: {exc}") from exc
                raise
            keep = {Path(name).name} | ({Path(previous).name} if previous else set())
            for old in versions.iterdir():
                if old.name not in keep:
                    shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        self._store, self._opened = ox.Store(), None


def _fill(store: ox.Store, dataset: Publishable, url: str) -> None:
    """Write a whole new version, compacted: as loaded, its files make queries 30-40% slower,
    and compacting takes about 2 s per million triples. (Ingest and update change little of a
    version and leave it as it is.)"""
    try:
        load_dataset(store, dataset)
        store.flush()
        store.optimize()
    except (OSError, ValueError, TypeError) as exc:
        raise StoreError(f"{url}: publish failed, the previous graph is unchanged: {exc}") from exc


def _promote(staged: ox.Store, path: Path, url: str) -> None:
    """Make a staging store on the same file system the version at `path`, compacted: a
    checkpoint links its files rather than copying them."""
    try:
        staged.flush()
        staged.optimize()
        staged.backup(str(path))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{url}: publish failed, the previous graph is unchanged: {exc}") from exc


def _remove_abandoned(staging: Path) -> None:
    """Remove the staging stores of processes that are gone (killed before cleaning up)."""
    for folder in staging.glob("*-*"):
        pid = folder.name.rpartition("-")[2]
        if not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return pid > 0


def _change_graphs(store: ox.Store, graphs: Mapping[rdflib.URIRef, rdflib.Graph], remove: Iterable[rdflib.URIRef],
                   url: str) -> None:
    try:
        for name in (*graphs, *remove):
            store.remove_graph(ox.NamedNode(str(name)))
        load_graphs(store, graphs.items())
        store.flush()
    except (OSError, ValueError, TypeError) as exc:
        raise StoreError(f"{url}: replacing graphs failed, the previous graph is unchanged: {exc}") from exc


def _run_update(store: ox.Store, sparql: str, using: tuple, using_named: tuple, base_iri: str | None) -> None:
    check_limits(sparql)
    try:
        store.update(add_using(sparql, using, using_named), base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL update syntax error: {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"update failed: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"update failed: {exc}") from exc


def _iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise QueryError(f"not an IRI: {value!r}: {exc}") from exc


def check_query(sparql: str, bindings: Mapping[str, Node] | None = None) -> None:
    """Raise QueryError unless `sparql` parses and takes `bindings` (run on an empty store)."""
    OxigraphStore().query(sparql, bindings)
