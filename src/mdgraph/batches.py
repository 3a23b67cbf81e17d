"""Mapping, reasoning and validation a batch of documents at a time, on several cores.

A corpus of ten thousand documents makes millions of triples. Reasoning and validating them in
one store joins over all of them, and pyshacl-turbo snapshots its whole input: about 11 GB
at four million triples. But every reasoning rule and every shape of ours looks at one
programme together with its documents, the organisations and countries it names, and the
ontology. So a batch of documents, staged with the ontology and the descriptions of the
organisations and countries it names, reasons and validates to exactly what the whole corpus
gives for those documents, provided the documents that share a programme are in one batch
(`plan` sees to that). tests/test_batches.py holds the batched closure and report to the
whole-graph ones.

Batches are independent, so they run in worker processes; each returns its document graphs
and what reasoning added, as N-Quads, and its validation result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .config import Settings
from .mapping import MappingRules, load_rules
from .namespaces import ENTITIES_GRAPH, ONTOLOGY_GRAPH, document_graph
from .ontology import load_ontology
from .reason import compile_rules, infer_in_store
from .store.oxigraph import StagedGraph, load_graphs
from .validate import ValidationResult, load_shapes, validate

#: Programmes per batch: small enough that a batch's store and validation snapshot stay in
#: tens of megabytes, large enough that the ontology and entities staged with it are a small share.
BATCH_PROGRAMMES = 1000
#: Below this many batches, starting worker processes costs more than it saves.
POOL_FROM = 3

_ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
_ENTITIES = ox.NamedNode(str(ENTITIES_GRAPH))


@dataclass(frozen=True)
class DocumentFacts:
    """One document's record and its programmes' records, as the mapping rules take them."""

    document: dict
    programmes: tuple[dict, ...]


@dataclass(frozen=True)
class Batch:
    """Documents checked together, with the organisations and countries they name."""

    documents: tuple[DocumentFacts, ...]
    organisations: tuple[dict, ...]
    countries: tuple[dict, ...]


@dataclass(frozen=True)
class Checked:
    """A batch's document graphs and inferred triples (N-Quads), and its validation result."""

    quads: bytes
    validation: ValidationResult


def plan(programme_keys: Sequence[Sequence[str]], size: int | None = None) -> list[list[int]]:
    """Batches of document indexes, in order: documents naming one programme share a batch,
    and a batch closes once it has `size` (BATCH_PROGRAMMES) programmes or more.
    `programme_keys[i]` lists the programme keys of document i."""
    size = size or BATCH_PROGRAMMES
    parent = list(range(len(programme_keys)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first: dict[str, int] = {}
    for index, keys in enumerate(programme_keys):
        for key in keys:
            other = first.setdefault(key, index)
            parent[root(index)] = root(other)
    groups: dict[int, list[int]] = {}
    for index in range(len(programme_keys)):
        groups.setdefault(root(index), []).append(index)
    batches: list[list[int]] = []
    count = size
    for group in sorted(groups.values()):
        if count >= size:
            batches.append([])
            count = 0
        batches[-1].extend(group)
        count += sum(len(programme_keys[index]) for index in group)
    return [sorted(batch) for batch in batches]


class Checker:
    """Maps, reasons over and validates batches with one set of rules, ontology and shapes."""

    def __init__(self, rules: MappingRules, ontology: Graph, shapes: Graph, qc_dir: Path) -> None:
        self.rules, self.ontology, self.shapes, self.qc_dir = rules, ontology, shapes, qc_dir
        self.reasoning = compile_rules(ontology)
        reference = ox.Store()
        load_graphs(reference, [(ONTOLOGY_GRAPH, ontology)])
        self._ontology = list(reference)

    @classmethod
    def from_settings(cls, settings: Settings) -> Checker:
        return cls(load_rules(settings.mappings_dir / "rdf.yaml"), load_ontology(settings.ontology_dir),
                   load_shapes(settings.shapes_dir), settings.queries_dir / "qc")

    def stage(self, batch: Batch) -> ox.Store:
        """The batch's document graphs, with the ontology and its organisations and countries."""
        store = ox.Store()
        store.bulk_extend(self._ontology)
        terms: dict = {}
        with StagedGraph(store, ENTITIES_GRAPH, terms) as graph:
            for record in batch.organisations:
                self.rules.emit("organisation", record, graph)
            for record in batch.countries:
                self.rules.emit("country", record, graph)
        for facts in batch.documents:
            with StagedGraph(store, document_graph(facts.document["key"]), terms) as graph:
                document = self.rules.emit("document", facts.document, graph)
                for record in facts.programmes:
                    self.rules.emit("programme", record, graph, document)
        return store

    def check(self, batch: Batch) -> Checked:
        store = self.stage(batch)
        infer_in_store(store, self.reasoning)
        result = validate(store, self.shapes, qc_dir=self.qc_dir)
        store.remove_graph(_ONTOLOGY)
        store.remove_graph(_ENTITIES)
        return Checked(store.dump(format=ox.RdfFormat.N_QUADS), result)


_worker_checker: Checker | None = None


def _start_worker(settings: Settings) -> None:
    global _worker_checker
    _worker_checker = Checker.from_settings(settings)


def _check_in_worker(batch: Batch) -> Checked:
    return _worker_checker.check(batch)


def check_all(batches: list[Batch], settings: Settings | None, checker: Checker) -> Iterator[Checked]:
    """Checked batches in order: in worker processes (set up from `settings`) when there are
    several batches and cores (the work is CPU-bound Python and Rust under the interpreter's
    lock), else here with `checker`."""
    workers = min(os.cpu_count() or 1, len(batches))
    if settings is None or workers < 2 or len(batches) < POOL_FROM:
        yield from map(checker.check, batches)
        return
    # forkserver: workers never inherit the threads of a server process that runs an ingest
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"),
                             initializer=_start_worker, initargs=(settings,)) as pool:
        yield from pool.map(_check_in_worker, batches)
