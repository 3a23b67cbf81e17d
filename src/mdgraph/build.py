"""The pipeline: read -> extract -> resolve -> map -> reason -> validate -> publish.

Each document is mapped on a small rdflib graph, and its triples are staged at once in an
in-memory pyoxigraph Store, one named graph per document: reasoning and validation run on that
store where it is, so a corpus of millions of triples is never held as rdflib objects. The
published store is written only when the whole graph conforms, and atomically, so a failed
build leaves the last good graph in place. The documents are the corpus folder's and those added with `mdgraph ingest`
(ingest/library.py); every build reports what it changes in the published graph, per
document, so the effect of an extractor change can be reviewed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .config import Settings
from .errors import MappingError
from .extract import extract_document
from .extract.text import fold
from .ingest.changes import GraphChange, changes_between, format_changes, nothing_published, published_store
from .ingest.library import Library, corpus_lock
from .ingest.review import write_review
from .mapping import MappingRules, TripleSink, load_rules
from .model import Document, Organisation, Programme, ProgrammeRecord
from .namespaces import ENTITIES_GRAPH, ONTOLOGY_GRAPH, bind_prefixes, document_graph
from .rdfterms import to_rdflib
from .reason import compile_rules, infer_in_store
from .resolve import ProgrammeResolver, load_resolver, resolve_document
from .store import default_store_url, open_store
from .store.oxigraph import StagedGraph, load_graphs
from .validate import ValidationResult, format_report, load_shapes, validate
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

    def union(self) -> Graph:
        """Every staged triple in one rdflib graph (small corpora: the reasoning tests)."""
        graph = Graph()
        bind_prefixes(graph)
        for name in self.graph_names():
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


def load_ontology(ontology_dir: Path) -> Graph:
    """ontology/*.ttl: the OWL ontology and the sector scheme."""
    graph = Graph()
    paths = sorted(Path(ontology_dir).glob("*.ttl"))
    if not paths:
        raise MappingError(str(ontology_dir), "no ontology files (*.ttl)")
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser types; all mean a malformed file
            raise MappingError(str(path), f"not valid Turtle: {exc}") from exc
    return graph


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


def _document_graph(document: Document, programmes: list[Programme], labels: dict[str, str],
                    rules: MappingRules, graph: TripleSink) -> None:
    """One document's facts: the document and its programmes, with their links and evidence."""
    document_iri = rules.emit("document", _document_record(document), graph)
    for programme in programmes:
        rules.emit("programme", _programme_record(programme, labels[programme.key]), graph, document_iri)


def _entities_graph(organisation_keys: Iterable[str], codes: Iterable[str], resolver: ProgrammeResolver,
                    organisations: dict[str, Organisation], rules: MappingRules, graph: TripleSink) -> None:
    """The organisations and countries the documents name, each described once."""
    for key in sorted(organisation_keys):
        rules.emit("organisation", _organisation_record(organisations[key]), graph)
    for code in sorted(codes):
        country = resolver.countries.get(code.upper())
        rules.emit("country", {"key": code, "code": country.code, "label": country.label,
                               "alt_labels": set(country.alt_labels) - {country.label},
                               "wikidata": country.wikidata}, graph)


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


def assemble(documents: list[Document], resolver: ProgrammeResolver, rules: MappingRules,
             ontology: Graph, progress: Progress | None = None) -> Assembly:
    """Extract, resolve and map every document (pure but for progress messages)."""
    staged = ox.Store()
    load_graphs(staged, [(ONTOLOGY_GRAPH, ontology)])
    by_document: dict[str, list[Programme]] = {}
    labelled: dict[str, list[str]] = {}
    ordered = sorted(documents, key=lambda d: d.key)
    for index, (document, records) in enumerate(zip(ordered, _extracted(ordered)), start=1):
        by_document[document.key] = resolve_document(records, resolver)
        labelled[document.key] = [fold(m.text) for r in records for m in (*r.thematic_areas, *r.tags)]
        if progress:
            progress(f"[{index}/{len(documents)}] {Path(document.path).name}: "
                     f"{len(by_document[document.key])} programmes")
    unknown_labels = set(resolver.sectors.unmapped())
    unmapped = {key: list(dict.fromkeys(t for t in texts if t in unknown_labels)) for key, texts in labelled.items()}
    labels: dict[str, str] = {}
    for programmes in by_document.values():
        for programme in programmes:
            labels.setdefault(programme.key, programme.title)
    organisations = {o.key: o for o in resolver.organisations.organisations()}
    used: set[str] = set()
    countries: set[str] = set()
    for document in sorted(documents, key=lambda d: d.key):
        programmes = by_document[document.key]
        with StagedGraph(staged, document_graph(document.key)) as graph:
            _document_graph(document, programmes, labels, rules, graph)
        mentioned = _used_organisations(programmes, organisations)
        used.update(mentioned)
        countries |= {link.key for p in programmes for link in p.countries}
        countries |= {organisations[key].country.lower() for key in mentioned if organisations[key].country}
    with StagedGraph(staged, ENTITIES_GRAPH) as graph:
        _entities_graph(used, countries, resolver, organisations, rules, graph)
    return Assembly(staged, documents, by_document, organisations, countries, list(resolver.unresolved), unmapped)


def compile_graph(settings: Settings, corpus_dir: Path | None = None,
                  progress: Progress | None = None) -> tuple[Assembly, BuildReport]:
    """Everything but publishing: the corpus folder's and the ingested documents, assembled,
    reasoned and validated."""
    documents = Library.open(settings.data_dir).documents(Path(corpus_dir or settings.corpus_dir))
    return derive(settings, documents, progress)


def derive(settings: Settings, documents: list[Document],
           progress: Progress | None = None) -> tuple[Assembly, BuildReport]:
    """The assembled, reasoned and validated graph of exactly these documents."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    say(f"read {len(documents)} documents")
    ontology = load_ontology(settings.ontology_dir)
    rules = load_rules(settings.mappings_dir / "rdf.yaml")
    resolver = load_resolver(settings.mappings_dir)
    shapes = load_shapes(settings.shapes_dir)
    assembly = assemble(documents, resolver, rules, ontology, say)
    say("reasoning")
    inferred = infer_in_store(assembly.staged, compile_rules(ontology))
    say("validating")
    result = validate(assembly.staged, shapes, qc_dir=settings.queries_dir / "qc")
    report = BuildReport(
        documents=len(documents),
        programmes=len({p.key for ps in assembly.programmes.values() for p in ps}),
        organisations=len({k for ps in assembly.programmes.values() for k in _used_organisations(ps, assembly.organisations)}),
        countries=len(assembly.countries),
        triples=len(assembly.staged),
        inferred=inferred,
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
    corpus = Path(corpus_dir or settings.corpus_dir).resolve()
    with corpus_lock(settings.data_dir):
        library = Library.open(settings.data_dir)
        assembly, report = derive(settings, library.documents(corpus), progress)
        url = settings.store_url or default_store_url(settings)
        store = open_store(url)
        try:
            published = published_store(store)
            report.first = nothing_published(published)
            report.changes = [] if report.first else changes_between(published, assembly.staged)
            if report.conforms:
                store.publish(assembly.staged)
                build_views(store, settings.views_path)
                library.corpus_dir = corpus
                library.save()
                write_review(settings.data_dir, assembly.review())
                report.published, report.store = True, url
        finally:
            store.close()
    if not report.conforms and progress:
        progress(format_report(report.validation))
    report.seconds = time.monotonic() - started
    return report
