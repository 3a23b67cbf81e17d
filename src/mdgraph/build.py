"""The pipeline: read -> extract -> resolve -> map -> reason -> validate -> publish.

Documents are extracted (in worker processes for large corpora) and resolved in key order:
resolvers learn names as they go, so a name means the same node in every document. They are
then mapped, reasoned over and validated in batches (batches.py), on several cores, and the
graphs are gathered in an in-memory pyoxigraph Store, one named graph per document, so a
corpus of millions of triples is never held as rdflib objects nor validated in one piece.
The published store is written only when the whole graph conforms, and atomically, so a
failed build leaves the last good graph in place. The documents are the corpus folder's and
those added with `mdgraph ingest` (ingest/library.py); every build reports what it changes in
the published graph, per document, so the effect of an extractor change can be reviewed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .batches import Batch, Checker, DocumentFacts, check_all, plan
from .config import Settings
from .errors import StoreError
from .extract import extract_document
from .extract.text import fold
from .ingest.changes import (
    GraphChange,
    changes_between,
    format_changes,
    nothing_published,
    published_store,
)
from .ingest.library import Library, corpus_lock
from .ingest.review import write_review
from .model import Document, Organisation, Programme, ProgrammeRecord
from .namespaces import (
    ENTITIES_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    bind_prefixes,
    document_graph,
)
from .rdfterms import to_rdflib
from .reason import inferred_size
from .resolve import ProgrammeResolver, load_resolver, resolve_document
from .store import default_store_url, open_store
from .store.oxigraph import StagedGraph, load_graphs
from .validate import ValidationResult, format_report, merged
from .views import build_views

Progress = Callable[[str], None]


@dataclass
class Assembly:
    """The graph of a corpus before publishing, with what went into it."""

    staged: ox.Store                                   # the named graphs to publish
    documents: list[Document]
    programmes: dict[str, list[Programme]]            # document key -> programmes
    organisations: dict[str, Organisation]
    countries: set[str]
    unresolved: list[tuple[str, str, str]]             # (document, field, surface string)
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # document key -> unknown sector labels

    def graph(self, name: URIRef) -> Graph:
        """One staged named graph as an rdflib graph (for graphs of a document's size)."""
        graph = Graph(identifier=name)
        bind_prefixes(graph)
        for quad in self.staged.quads_for_pattern(None, None, None, ox.NamedNode(str(name))):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(name.value) for name in self.staged.named_graphs())

    def asserted(self) -> Graph:
        """Every asserted triple (all graphs but the inferred one) in one rdflib graph, for
        small corpora: the reasoning tests compare owlrl's closure of it with ours."""
        graph = Graph()
        bind_prefixes(graph)
        for name in self.graph_names():
            if name != INFERRED_GRAPH:
                graph += self.graph(name)
        return graph

    def holds(self, node: URIRef, document_key: str) -> bool:
        """Whether the document's graph mentions `node`, as subject or object."""
        name, term = ox.NamedNode(str(document_graph(document_key))), ox.NamedNode(str(node))
        return any(True for _ in self.staged.quads_for_pattern(term, None, None, name)) or \
            any(True for _ in self.staged.quads_for_pattern(None, None, term, name))

    def organisations_of(self, document_key: str) -> list[str]:
        """Keys of the organisations a document's programmes name (with their parents)."""
        return _used_organisations(self.programmes.get(document_key, ()), self.organisations)

    def review(self) -> dict:
        """What a person should look at, per document and for the organisations not in the alias table."""
        documents = {}
        for document in sorted(self.documents, key=lambda d: d.key):
            documents[document.key] = {
                "file": Path(document.path).name,
                "unresolved": [{"field": f, "text": t} for d, f, t in self.unresolved if d == document.key],
                "unmapped_sectors": self.unmapped.get(document.key, []),
            }
        mentioned: dict[str, list[str]] = {}
        for key in sorted(documents):
            for organisation in self.organisations_of(key):
                mentioned.setdefault(organisation, []).append(key)
        unknown = [{"key": key, "label": self.organisations[key].label, "documents": mentioned[key]}
                   for key in sorted(mentioned) if not self.organisations[key].known]
        return {"documents": documents, "unknown_organisations": unknown}


@dataclass
class BuildReport:
    documents: int = 0
    programmes: int = 0
    organisations: int = 0
    new_organisations: list[str] = field(default_factory=list)
    countries: int = 0
    triples: int = 0
    inferred: int = 0
    validation: ValidationResult | None = None
    published: bool = False
    store: str = ""
    seconds: float = 0.0
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)
    changes: list[GraphChange] = field(default_factory=list)
    first: bool = False                                # nothing was published before

    def changes_text(self, shown: int = 5) -> str:
        return format_changes(self.changes, shown, self.first)

    @property
    def conforms(self) -> bool:
        return bool(self.validation and self.validation.conforms)

    def summary(self) -> str:
        violations = len(self.validation.violations) if self.validation else 0
        lines = [
            f"documents      {self.documents}",
            f"programmes     {self.programmes}",
            f"organisations  {self.organisations} ({len(self.new_organisations)} not in the alias table)",
            f"countries      {self.countries}",
            f"triples        {self.triples} ({self.inferred} inferred)",
            f"violations     {violations}",
            f"unresolved     {len(self.unresolved)} strings (see `mdgraph review`)" if self.unresolved else "unresolved     0",
            f"time           {self.seconds:.1f} s",
            (f"published to   {self.store}" if self.published
             else "NOT published: the graph does not conform; the last good graph is unchanged"),
        ]
        return "\n".join(lines)


def _document_record(document: Document) -> dict:
    return {"key": document.key, "title": document.title, "publisher": document.publisher,
            "year": document.year, "family": document.family, "sha256": document.sha256,
            "language": document.language, "file": Path(document.path).name}


def _organisation_record(organisation: Organisation) -> dict:
    return {"key": organisation.key, "label": organisation.label,
            "alt_labels": organisation.alt_labels - {organisation.label}, "parent": organisation.parent,
            "country": organisation.country.lower() if organisation.country else None,
            "kind": organisation.kind}


def _programme_record(programme: Programme, label: str) -> dict:
    record = dict(vars(programme))
    record["title"] = label
    record["aliases"] = {a for a in programme.aliases if a != label}
    return record


def _used_organisations(programmes: Iterable[Programme], organisations: dict[str, Organisation]) -> list[str]:
    keys = {link.key for p in programmes for role in ("implementers", "funders", "partners", "units")
            for link in getattr(p, role)}
    pending = list(keys)
    while pending:
        parent = organisations[pending.pop()].parent
        if parent and parent not in keys:
            keys.add(parent)
            pending.append(parent)
    return sorted(keys)


def _country_record(code: str, resolver: ProgrammeResolver) -> dict:
    country = resolver.countries.get(code.upper())
    return {"key": code, "code": country.code, "label": country.label,
            "alt_labels": set(country.alt_labels) - {country.label}, "wikidata": country.wikidata}


#: Below this many documents, starting worker processes costs more than it saves.
_POOL_FROM = 64


def _extracted(documents: list[Document]) -> Iterator[list[ProgrammeRecord]]:
    """extract_document over the documents, in order; on several cores, in worker processes
    (extraction is pure and CPU-bound: the interpreter's lock would serialise threads)."""
    workers = os.cpu_count() or 1
    if workers < 2 or len(documents) < _POOL_FROM:
        yield from map(extract_document, documents)
        return
    # forkserver: workers never inherit the threads of a server process that runs an ingest
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield from pool.map(extract_document, documents, chunksize=16)


def _resolved(ordered: list[Document], resolver: ProgrammeResolver,
              say: Progress) -> tuple[dict[str, list[Programme]], dict[str, list[str]]]:
    """The programmes of each document, resolved in key order (resolvers learn names as they
    go), and the sector labels of each that the scheme does not know."""
    by_document: dict[str, list[Programme]] = {}
    labelled: dict[str, list[str]] = {}
    for index, (document, records) in enumerate(zip(ordered, _extracted(ordered)), start=1):
        by_document[document.key] = resolve_document(records, resolver)
        labelled[document.key] = [fold(m.text) for r in records for m in (*r.thematic_areas, *r.tags)]
        say(f"[{index}/{len(ordered)}] {Path(document.path).name}: {len(by_document[document.key])} programmes")
    unknown_labels = set(resolver.sectors.unmapped())
    unmapped = {key: list(dict.fromkeys(t for t in texts if t in unknown_labels)) for key, texts in labelled.items()}
    return by_document, unmapped


def _batches(ordered: list[Document], by_document: dict[str, list[Programme]],
             organisations: dict[str, Organisation], resolver: ProgrammeResolver) -> tuple[list[Batch], dict, dict]:
    """The batches to check (batches.plan), and the records of every organisation and
    country the documents name (by key), which the entities graph describes."""
    labels: dict[str, str] = {}
    for document in ordered:
        for programme in by_document[document.key]:
            labels.setdefault(programme.key, programme.title)
    named_organisations = {d.key: _used_organisations(by_document[d.key], organisations) for d in ordered}
    named_countries = {d.key: {link.key for p in by_document[d.key] for link in p.countries}
                       | {organisations[k].country.lower() for k in named_organisations[d.key] if organisations[k].country}
                       for d in ordered}
    organisation_records = {key: _organisation_record(organisations[key])
                            for keys in named_organisations.values() for key in keys}
    country_records = {code: _country_record(code, resolver) for codes in named_countries.values() for code in codes}
    batches = []
    for indexes in plan([[p.key for p in by_document[d.key]] for d in ordered]):
        chosen = [ordered[index] for index in indexes]
        facts = tuple(DocumentFacts(_document_record(d), tuple(_programme_record(p, labels[p.key])
                                                               for p in by_document[d.key])) for d in chosen)
        organisation_keys = sorted({k for d in chosen for k in named_organisations[d.key]})
        codes = sorted({c for d in chosen for c in named_countries[d.key]})
        batches.append(Batch(facts, tuple(map(organisation_records.get, organisation_keys)),
                             tuple(map(country_records.get, codes))))
    return batches, organisation_records, country_records


@contextmanager
def _writing_staged() -> Iterator[None]:
    """A staged graph on disk (the embedded store's staging) can fail to be written: a store
    error, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise StoreError(f"cannot write the staged graph, the published graph is unchanged: {exc}") from exc


def assemble(documents: list[Document], resolver: ProgrammeResolver, ontology: Graph, checker: Checker,
             settings: Settings | None = None, progress: Progress | None = None,
             staged: ox.Store | None = None) -> tuple[Assembly, ValidationResult]:
    """Extract and resolve every document, then map, reason over and validate them in
    batches (in worker processes given `settings`), gathering the graphs into one store with
    the ontology and the entities graph: `staged` (empty), else a new one in memory. Pure but
    for progress messages and that store."""
    say = progress or (lambda message: None)
    ordered = sorted(documents, key=lambda d: d.key)
    by_document, unmapped = _resolved(ordered, resolver, say)
    organisations = {o.key: o for o in resolver.organisations.organisations()}
    batches, organisation_records, country_records = _batches(ordered, by_document, organisations, resolver)
    staged = ox.Store() if staged is None else staged
    with _writing_staged():
        load_graphs(staged, [(ONTOLOGY_GRAPH, ontology)])
        with StagedGraph(staged, ENTITIES_GRAPH) as graph:
            for key in sorted(organisation_records):
                checker.rules.emit("organisation", organisation_records[key], graph)
            for code in sorted(country_records):
                checker.rules.emit("country", country_records[code], graph)
    results = []
    for number, checked in enumerate(check_all(batches, settings, checker), start=1):
        with _writing_staged():
            staged.bulk_load(checked.quads, format=ox.RdfFormat.N_QUADS)
        results.append(checked.validation)
        say(f"mapped, reasoned over and validated batch {number}/{len(batches)}")
    assembly = Assembly(staged, documents, by_document, organisations, set(country_records),
                        list(resolver.unresolved), unmapped)
    return assembly, merged(results)


def compile_graph(settings: Settings, corpus_dir: Path | None = None,
                  progress: Progress | None = None) -> tuple[Assembly, BuildReport]:
    """Everything but publishing: the corpus folder's and the ingested documents, assembled,
    reasoned and validated."""
    documents = Library.open(settings.data_dir).documents(Path(corpus_dir or settings.corpus_dir))
    return derive(settings, documents, progress)


def derive(settings: Settings, documents: list[Document], progress: Progress | None = None,
           staged: ox.Store | None = None) -> tuple[Assembly, BuildReport]:
    """The assembled, reasoned and validated graph of exactly these documents (gathered in
    `staged` when given)."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    say(f"read {len(documents)} documents")
    checker = Checker.from_settings(settings)
    resolver = load_resolver(settings.mappings_dir)
    assembly, result = assemble(documents, resolver, checker.ontology, checker, settings, say, staged)
    report = BuildReport(
        documents=len(documents),
        programmes=len({p.key for ps in assembly.programmes.values() for p in ps}),
        organisations=len({k for ps in assembly.programmes.values() for k in _used_organisations(ps, assembly.organisations)}),
        countries=len(assembly.countries),
        triples=len(assembly.staged),
        inferred=inferred_size(assembly.staged),
        validation=result,
        unresolved=assembly.unresolved,
    )
    report.new_organisations = sorted(o.label for o in assembly.organisations.values() if not o.known)
    report.seconds = time.monotonic() - started
    return assembly, report


def build(settings: Settings, corpus_dir: Path | None = None, progress: Progress | None = None) -> BuildReport:
    """Builds the corpus (and the ingested documents) and publishes it when it conforms
    (contract: `mdgraph build`); the report has the changes against the published graph."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    corpus = Path(corpus_dir or settings.corpus_dir).resolve()
    with corpus_lock(settings.data_dir):
        library = Library.open(settings.data_dir)
        url = settings.store_url or default_store_url(settings)
        store = open_store(url)
        try:
            with store.staging() as staging:
                assembly, report = derive(settings, library.documents(corpus), progress, staging)
                published = published_store(store)
                report.first = nothing_published(published)
                report.changes = [] if report.first else changes_between(published, assembly.staged)
                del published
                if report.conforms:
                    say("publishing")
                    store.publish(assembly.staged)
                    library.corpus_dir = corpus
                    library.save()
                    write_review(settings.data_dir, assembly.review())
                    report.published, report.store = True, url
                del assembly, staging  # free the staged graph (gigabytes in memory at 10,000 documents) before the views read the store
            if report.published:
                say("building the views")
                build_views(store, settings.views_path)
        finally:
            store.close()
    if not report.conforms and progress:
        progress(format_report(report.validation))
    report.seconds = time.monotonic() - started
    return report
