"""The documents of the published graph that are not (only) the corpus folder's, kept on disk.

    MDGRAPH_DATA_DIR/documents/manifest.yaml              what the published graph was derived from
    MDGRAPH_DATA_DIR/documents/{sha256[:16]}/{file name}  each ingested document's bytes, as given
    MDGRAPH_DATA_DIR/quarantine/{file name}[.reason.txt]  refused files, each with the reason

The manifest names the corpus folder of the last build, the ingested documents (key, file
name, SHA-256, title) and the corpus documents withdrawn with `mdgraph remove`. The documents
of the graph are the corpus folder's, less the withdrawn ones, with the library's version in
place of a corpus file of the same key: `mdgraph build` and every ingest derive from exactly
that, so a rebuild or a fresh server sees what was published.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError, MappingError
from ..extract.reader import read_bytes, read_corpus, read_document
from ..model import Document

LIBRARY_DIR = "documents"
QUARANTINE_DIR = "quarantine"
MANIFEST = "manifest.yaml"
#: The default of MDGRAPH_MAX_DOCUMENT_BYTES: larger documents are refused.
#: Shortest SHA-256 prefix that names a document in `mdgraph remove`.
MIN_SHA_PREFIX = 6
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def document_limit(settings) -> int:
    """MDGRAPH_MAX_DOCUMENT_BYTES: the largest document ingest reads."""
    return settings.max_document_bytes


def safe_name(name: str) -> str:
    """The file name part of `name` (a path or an upload's name), safe as a file name anywhere."""
    base = re.split(r"[/\\]", name.strip())[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:200] or "document"


@dataclass(frozen=True)
class Source:
    """A file offered for ingest: its name and bytes (None when it is over the size limit)."""

    name: str
    data: bytes | None
    size: int

    @classmethod
    def from_path(cls, path: Path, max_bytes: int) -> Source:
        data, size = read_bytes(Path(path), max_bytes)
        return cls(str(path), data, size)


@dataclass(frozen=True)
class Entry:
    """One ingested document."""

    key: str
    file: str
    sha256: str
    title: str

    @property
    def folder(self) -> str:
        return self.sha256[:16]


@dataclass
class Library:
    data_dir: Path
    corpus_dir: Path | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)

    @property
    def root(self) -> Path:
        return self.data_dir / LIBRARY_DIR

    @classmethod
    def open(cls, data_dir: Path) -> Library:
        """The library under `data_dir` (empty when nothing was built or ingested there yet)."""
        library = cls(Path(data_dir))
        path = library.root / MANIFEST
        if not path.exists():
            return library
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            corpus = data.get("corpus")
            library.corpus_dir = Path(corpus) if corpus else None
            for item in data.get("documents") or ():
                entry = Entry(str(item["key"]), str(item["file"]), str(item["sha256"]), str(item.get("title") or ""))
                library.entries[entry.key] = entry
            library.withdrawn = {str(key) for key in data.get("withdrawn") or ()}
        except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
            raise MappingError(str(path), f"cannot read the document library's manifest: {exc}") from exc
        return library

    def save(self) -> None:
        """Write the manifest (atomically: a reader sees the old one or the new one)."""
        data = {
            "corpus": str(self.corpus_dir) if self.corpus_dir else None,
            "documents": [vars(self.entries[key]) for key in sorted(self.entries)],
            "withdrawn": sorted(self.withdrawn),
        }
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{MANIFEST}.{os.getpid()}"
        temporary.write_text("# written by mdgraph build/ingest/remove: do not edit\n"
                             + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        os.replace(temporary, self.root / MANIFEST)

    def path_of(self, entry: Entry) -> Path:
        return self.root / entry.folder / entry.file

    def keep(self, document: Document, data: bytes) -> None:
        """Store the bytes of an ingested document; it replaces any earlier one of its key."""
        entry = Entry(document.key, Path(document.path).name, document.sha256, document.title)
        path = self.path_of(entry)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{entry.file}.{os.getpid()}")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        self.entries[entry.key] = entry
        self.withdrawn.discard(entry.key)

    def prune(self) -> None:
        """Remove the stored versions no entry names any more."""
        if not self.root.is_dir():
            return
        used = {entry.folder for entry in self.entries.values()}
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name not in used:
                shutil.rmtree(folder, ignore_errors=True)

    def documents(self, corpus_dir: Path) -> list[Document]:
        """The documents of the graph, by key: the corpus folder's and the ingested ones."""
        ingested = [read_document(self.path_of(e), {"title": e.title}) for e in self.entries.values()]
        corpus = [d for d in read_corpus(corpus_dir) if d.key not in self.withdrawn and d.key not in self.entries]
        return sorted(corpus + ingested, key=lambda d: d.key)

    def corpus_keys(self, corpus_dir: Path) -> set[str]:
        return {document.key for document in read_corpus(corpus_dir)}


def find_document(documents: list[Document], reference: str) -> Document:
    """The document a person names: by key, file name or SHA-256 prefix (InputError if none or several)."""
    wanted = reference.strip()
    for test in (lambda d: d.key == wanted, lambda d: Path(d.path).name == wanted):
        found = [d for d in documents if test(d)]
        if found:
            return found[0]
    prefix = wanted.lower()
    found = []
    if len(prefix) >= MIN_SHA_PREFIX and re.fullmatch(r"[0-9a-f]+", prefix):
        found = [d for d in documents if d.sha256.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    if found:
        raise InputError(f"{reference!r} names several documents: {', '.join(d.key for d in found)}; give more of the SHA-256")
    known = ", ".join(d.key for d in documents) or "none"
    raise InputError(f"no document {reference!r} in the published corpus (a key, file name or SHA-256 prefix of "
                     f"at least {MIN_SHA_PREFIX} characters; documents: {known})")


def quarantine(data_dir: Path, name: str, data: bytes | None, reason: str) -> Path:
    """Keep a refused file (when its bytes are at hand) with a note saying why; returns the note."""
    folder = Path(data_dir) / QUARANTINE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(name)
    if data is not None:
        (folder / name).write_bytes(data)
    note = folder / f"{name}.reason.txt"
    note.write_text(f"file: {name}\nreason: {reason}\n", encoding="utf-8")
    return note


@contextmanager
def corpus_lock(data_dir: Path) -> Iterator[None]:
    """One change of the published corpus at a time (build, ingest, remove), across processes."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / ".corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
