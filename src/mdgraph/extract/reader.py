"""The one place where corpus files are read: bytes -> Document (with manifest metadata)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from ..errors import DocumentError, MappingError
from ..model import Document
from .text import fold, slugify

MANIFEST = "manifest.yaml"
TEXT_SUFFIXES = (".txt",)
MANIFEST_FIELDS = ("file", "title", "publisher", "year", "family")


def document_key(path: Path) -> str:
    """The stable key of a document: its file name without extension, as a slug."""
    return slugify(path.stem, max_length=120)


def read_manifest(corpus_dir: Path) -> dict[str, dict]:
    """Metadata by file name; a corpus without a manifest has none (titles come from the text)."""
    path = corpus_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(str(path), f"cannot read the corpus manifest: {exc}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise MappingError(str(path), "expected a list under 'documents'", "documents")
    manifest = {}
    for index, entry in enumerate(entries):
        where = f"documents[{index}]"
        if not isinstance(entry, dict):
            raise MappingError(str(path), "each document entry must be a mapping", where)
        missing = [name for name in MANIFEST_FIELDS if not entry.get(name)]
        if missing:
            raise MappingError(str(path), f"missing {', '.join(missing)}", where)
        if not isinstance(entry["year"], int):
            raise MappingError(str(path), f"year {entry['year']!r} is not a whole number", f"{where}.year")
        manifest[entry["file"]] = entry
    return manifest


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); anything else is refused with the reason."""
    if not data.strip():
        raise DocumentError(str(path), "the document is empty")
    if b"\x00" in data[:4096]:
        raise DocumentError(str(path), "the document is binary, not text (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(str(path), f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded", line) from None


def read_document(path: Path, metadata: dict | None = None) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot read the file: {exc.strerror}") from exc
    text = decode(path, data)
    metadata = metadata or {}
    first_line = next((fold(line) for line in text.splitlines() if fold(line)), path.stem)
    return Document(
        key=document_key(path),
        path=str(path),
        title=metadata.get("title") or first_line[:200],
        publisher=metadata.get("publisher") or "",
        year=metadata.get("year"),
        family=metadata.get("family") or "unknown",
        sha256=hashlib.sha256(data).hexdigest(),
        language=metadata.get("language") or "en",
        text=text,
    )


def read_corpus(corpus_dir: Path) -> list[Document]:
    """Every text document of the folder, in file-name order, with its manifest metadata."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise DocumentError(str(corpus_dir), "the corpus folder does not exist")
    manifest = read_manifest(corpus_dir)
    paths = sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
    unknown = sorted(set(manifest) - {p.name for p in paths})
    if unknown:
        raise MappingError(str(corpus_dir / MANIFEST), f"lists files that are not in the corpus: {', '.join(unknown)}")
    if not paths:
        raise DocumentError(str(corpus_dir), "the corpus folder holds no .txt documents")
    return [read_document(path, manifest.get(path.name)) for path in paths]
