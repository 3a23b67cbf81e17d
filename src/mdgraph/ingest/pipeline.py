"""`mdgraph ingest` and `mdgraph remove`: the corpus changed one document at a time.

Both re-derive the whole corpus with the change, with one resolver over every document in
key order as `mdgraph build` does, so the graph after an ingest is exactly the graph a full
build of the corpus plus that document gives: the same IRIs, and one node for a programme or
organisation named in several documents, with the provenance of each. Reasoning and
validation run over the whole union; only a conforming graph is published, and then only the
named graphs that changed are written, in one atomic step (GraphStore.replace_graphs). A
document already in the corpus (the same SHA-256) changes nothing and writes nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import URIRef

from ..build import Assembly, BuildReport, Progress, derive
from ..config import Settings
from ..errors import DocumentError, StoreError
from ..extract.reader import parse_document
from ..model import Document
from ..namespaces import ONTOLOGY_GRAPH
from ..store import GraphStore
from ..views import build_views
from .changes import GraphChange, changes_between, format_changes, ontology_changed, published_store
from .library import Library, Source, corpus_lock, find_document, quarantine, safe_name
from .review import write_review

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


@dataclass
class DocumentOutcome:
    """What happened to one document: status is added, replaced, unchanged, removed, rejected
    (unreadable or too large: kept in quarantine) or refused (the graph with it does not conform)."""

    file: str
    status: str
    key: str = ""
    sha256: str = ""
    reason: str = ""
    too_large: bool = False
    programmes: list[str] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)   # not in the alias table: key, label, new
    unresolved: list[dict] = field(default_factory=list)      # field, text

    def text(self) -> str:
        head = f"{self.status:<9} {self.file}" + (f"  [{self.key}]" if self.key else "")
        if self.reason:
            return f"{head}: {self.reason}"
        lines = [f"{head}: {len(self.programmes)} programmes" if self.status in ("added", "replaced") else head]
        lines += [f"    programme: {title}" for title in self.programmes]
        lines += [f"    organisation not in the alias table{' (new)' if o['new'] else ''}: {o['label']} [{o['key']}]"
                  for o in self.organisations]
        lines += [f"    unresolved {u['field']}: {u['text']!r}" for u in self.unresolved]
        return "\n".join(lines)


@dataclass
class IngestReport:
    documents: list[DocumentOutcome] = field(default_factory=list)
    published: bool = False
    violations: list[dict] = field(default_factory=list)      # documents, node, rule, path, value, message
    changes: list[GraphChange] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(d.status in ("added", "replaced", "removed") for d in self.documents)

    @property
    def exit_code(self) -> int:
        """2 when a file was unreadable, 1 when the graph would not conform, else 0."""
        if any(d.status == "rejected" for d in self.documents):
            return EXIT_ERROR
        return EXIT_VIOLATIONS if any(d.status == "refused" for d in self.documents) else EXIT_OK

    def as_dict(self, shown: int = 5) -> dict:
        return {"published": self.published, "documents": [asdict(d) for d in self.documents],
                "violations": self.violations, "changes": [c.as_dict(shown) for c in self.changes],
                "triples": self.triples}

    def text(self, shown: int = 5) -> str:
        lines = [document.text() for document in self.documents]
        if self.violations:
            lines.append(f"violations ({len(self.violations)}): the graph with these documents does not conform")
            lines += [f"  {', '.join(v['documents']) or '(no document)'}: {v['node']}: {v['rule']}: {v['message']}"
                      for v in self.violations]
        if self.changes or self.published:
            lines.append(format_changes(self.changes, shown))
        if self.published:
            lines.append(f"published: {self.triples} triples")
        elif self.changed or any(d.status == "refused" for d in self.documents):
            lines.append("NOT published: the last good graph is unchanged")
        else:
            lines.append("nothing to publish: the published graph is unchanged")
        return "\n".join(lines)


def ingest(settings: Settings, store: GraphStore, sources: list[Source], max_bytes: int,
           progress: Progress | None = None) -> IngestReport:
    """Add or replace documents in the published graph (contract: `mdgraph ingest`)."""
    started = time.monotonic()
    report = IngestReport()
    with corpus_lock(settings.data_dir):
        _check_published(store)
        library = Library.open(settings.data_dir)
        corpus = library.corpus_dir or settings.corpus_dir
        current = library.documents(corpus)
        known = {d.sha256: d.key for d in current}
        keys = {d.key for d in current}
        incoming: dict[str, tuple[Document, bytes]] = {}
        for source in sources:
            name = safe_name(source.name)
            try:
                document = _read(source, name, max_bytes)
            except DocumentError as exc:
                reason = exc.reason + (f" (line {exc.line})" if exc.line else "")
                note = quarantine(settings.data_dir, name, source.data, reason)
                report.documents.append(DocumentOutcome(name, "rejected", reason=f"{reason}; kept in {note.parent}/",
                                                        too_large=source.data is None))
                continue
            if document.sha256 in known:
                report.documents.append(DocumentOutcome(name, "unchanged", known[document.sha256], document.sha256,
                                                        reason=f"the same bytes as {known[document.sha256]}: nothing to do"))
                continue
            status = "replaced" if document.key in keys or document.key in incoming else "added"
            incoming[document.key] = (document, source.data)
            known[document.sha256] = document.key
            report.documents.append(DocumentOutcome(name, status, document.key, document.sha256))
        if incoming:
            documents = [d for d in current if d.key not in incoming] + [d for d, _ in incoming.values()]
            assembly, result = derive(settings, sorted(documents, key=lambda d: d.key), progress)
            _publish(store, assembly, result, report, settings)
            _describe(report, assembly)
            if report.published:
                for document, data in incoming.values():
                    library.keep(document, data)
                _save(library, Path(corpus), settings, assembly)
            else:
                _refuse(report, settings, incoming)
    report.seconds = time.monotonic() - started
    return report


def remove(settings: Settings, store: GraphStore, reference: str, progress: Progress | None = None) -> IngestReport:
    """Remove one document's facts (contract extension: `mdgraph remove DOC`)."""
    started = time.monotonic()
    report = IngestReport()
    with corpus_lock(settings.data_dir):
        _check_published(store)
        library = Library.open(settings.data_dir)
        corpus = Path(library.corpus_dir or settings.corpus_dir)
        current = library.documents(corpus)
        document = find_document(current, reference)
        outcome = DocumentOutcome(Path(document.path).name, "removed", document.key, document.sha256)
        report.documents.append(outcome)
        assembly, result = derive(settings, [d for d in current if d.key != document.key], progress)
        _publish(store, assembly, result, report, settings)
        if report.published:
            library.entries.pop(document.key, None)
            if document.key in library.corpus_keys(corpus):
                library.withdrawn.add(document.key)
            _save(library, corpus, settings, assembly)
        else:
            outcome.status, outcome.reason = "refused", "the graph without it does not conform (see the violations)"
    report.seconds = time.monotonic() - started
    return report


def _check_published(store: GraphStore) -> None:
    if store.is_empty():
        raise StoreError(f"no graph is published in {store.url}: run `mdgraph build` first, then add documents")


def _read(source: Source, name: str, max_bytes: int) -> Document:
    if source.data is None or source.size > max_bytes:
        raise DocumentError(name, f"the document is {source.size} bytes, over the limit of {max_bytes} bytes "
                                  "(MDGRAPH_MAX_DOCUMENT_BYTES)")
    return parse_document(name, source.data)


def _publish(store: GraphStore, assembly: Assembly, result: BuildReport, report: IngestReport,
             settings: Settings) -> None:
    """Write the named graphs that changed, in one step, when the whole graph conforms."""
    report.changes = changes_between(published_store(store), assembly.staged)
    report.triples = result.triples
    report.violations = _violations(result, assembly)
    if not result.conforms:
        return
    graphs = {URIRef(c.graph): assembly.graph(URIRef(c.graph)) for c in report.changes if c.status != "removed"}
    ontology = assembly.graph(ONTOLOGY_GRAPH)
    if ontology_changed(store, ontology):
        graphs[ONTOLOGY_GRAPH] = ontology
    gone = [URIRef(c.graph) for c in report.changes if c.status == "removed"]
    if graphs or gone:
        store.replace_graphs(graphs, gone)
        build_views(store, settings.views_path)
    report.published = True


def _violations(result: BuildReport, assembly: Assembly) -> list[dict]:
    """Each violation with the documents whose graphs hold its node."""
    found = []
    for violation in result.validation.violations if result.validation else ():
        node = None if violation.focus_node.startswith(("_:", '"')) else URIRef(violation.focus_node)
        documents = [d.key for d in sorted(assembly.documents, key=lambda d: d.key)
                     if node is not None and assembly.holds(node, d.key)]
        found.append({"documents": documents, "node": violation.focus_node, "rule": violation.shape,
                      "path": violation.path, "value": violation.value, "message": violation.message,
                      "severity": violation.severity})
    return found


def _describe(report: IngestReport, assembly: Assembly) -> None:
    """Programmes, organisations not in the alias table and unresolved strings of each new document."""
    for outcome in report.documents:
        if outcome.status not in ("added", "replaced"):
            continue
        elsewhere = {key for other in assembly.programmes if other != outcome.key
                     for key in assembly.organisations_of(other)}
        outcome.programmes = [p.title for p in assembly.programmes.get(outcome.key, ())]
        outcome.organisations = [
            {"key": key, "label": assembly.organisations[key].label, "new": key not in elsewhere}
            for key in assembly.organisations_of(outcome.key) if not assembly.organisations[key].known
        ]
        outcome.unresolved = [{"field": f, "text": t} for d, f, t in assembly.unresolved if d == outcome.key]
        outcome.unresolved += [{"field": "sector", "text": t} for t in assembly.unmapped.get(outcome.key, ())]


def _save(library: Library, corpus: Path, settings: Settings, assembly: Assembly) -> None:
    library.corpus_dir = corpus
    library.save()
    library.prune()
    write_review(settings.data_dir, assembly.review())


def _refuse(report: IngestReport, settings: Settings, incoming: dict[str, tuple[Document, bytes]]) -> None:
    """Documents whose graph does not conform are kept in quarantine with the violations."""
    for outcome in report.documents:
        if outcome.status in ("added", "replaced"):
            mine = [v for v in report.violations if outcome.key in v["documents"]] or report.violations
            reason = "the graph with it does not conform: " + "; ".join(
                f"{v['node']}: {v['rule']}: {v['message']}" for v in mine[:5])
            _, data = incoming[outcome.key]
            quarantine(settings.data_dir, outcome.file, data, reason)
            outcome.status, outcome.reason = "refused", reason
