"""The one place where documents are read: bytes -> Document (text, with manifest metadata).

Plain text must be UTF-8; a PDF gives the text of its pages (pypdf); HTML gives its text with
block elements as line breaks and scripts and styles dropped. A document that cannot be read
is refused with a DocumentError that says why (empty, binary, not UTF-8, no text layer, ...).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from ..errors import DocumentError, MappingError
from ..model import Document
from .text import fold, slugify

MANIFEST = "manifest.yaml"
#: The document formats a corpus folder or `mdgraph ingest` takes, by file name.
DOCUMENT_SUFFIXES = (".txt", ".pdf", ".html", ".htm")
MANIFEST_FIELDS = ("file", "title", "publisher", "year", "family")
#: A PDF file starts with this signature within its first 1024 bytes (ISO 32000-1, 7.5.2).
PDF_SIGNATURE = b"%PDF-"
_HTML_START = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_HTML_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


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


def decode(path: Path | str, data: bytes, encoding: str = "utf-8") -> str:
    """Text in `encoding` (a UTF-8 BOM is dropped); anything else is refused with the reason."""
    if not data.strip():
        raise DocumentError(str(path), "the document is empty")
    if b"\x00" in data[:4096]:
        raise DocumentError(str(path), "the document is binary, not text (NUL bytes)")
    name = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(str(path), f"not {codecs.lookup(encoding).name.upper()} text: byte 0x{data[exc.start]:02x} "
                                       "cannot be decoded", line) from None


def document_format(name: str, data: bytes) -> str:
    """"pdf", "html" or "text": by the bytes (PDF signature, HTML start) first, then the name."""
    suffix = Path(name).suffix.lower()
    if PDF_SIGNATURE in data[:1024]:
        return "pdf"
    if suffix == ".pdf":
        raise DocumentError(name, "named .pdf but not a PDF (no %PDF- signature in its first 1024 bytes)")
    if suffix in (".html", ".htm") or _HTML_START.match(data.removeprefix(codecs.BOM_UTF8)[:4096]):
        return "html"
    return "text"


def pdf_text(name: str, data: bytes) -> tuple[str, str | None]:
    """The text of every page, pages separated by a line break, and the PDF's own title."""
    from pypdf import PdfReader  # only needed for PDFs

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(name, "the PDF is encrypted with a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types on a malformed file; all mean an unreadable PDF
        raise DocumentError(name, f"not a readable PDF: {exc}") from exc
    text = "\n".join(page.rstrip("\n") for page in pages).replace("\x00", "")
    if not text.strip():
        raise DocumentError(name, "the PDF has no text layer (scanned pages?): nothing to extract")
    return text + "\n", fold(title) if isinstance(title, str) and fold(title) else None


class _HtmlText(HTMLParser):
    """Collects the text of an HTML page: one line per block, table cells side by side."""

    BLOCKS = frozenset({
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul", "br",
    })
    CELLS = frozenset({"td", "th"})
    HIDDEN = frozenset({"script", "style", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.title: list[str] = []
        self._line: list[str] = []
        self._hidden: list[str] = []
        self._in_title = self._in_pre = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._hidden or tag in self.HIDDEN:
            if not self._hidden or tag == self._hidden[0]:
                self._hidden.append(tag)
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCKS:
            self._break()
            self._in_pre = self._in_pre or tag == "pre"
        elif tag in self.CELLS:
            self._line.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if tag == self._hidden[0]:
                self._hidden.pop()
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCKS:
            self._break()
            self._in_pre = self._in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._in_title:
            self.title.append(data)
        elif self._in_pre:
            first, *rest = data.split("\n")
            self._line.append(first)
            for line in rest:
                self._break()
                self._line.append(line)
        else:
            self._line.append(re.sub(r"\s+", " ", data))

    def _break(self) -> None:
        line = "".join(self._line).strip() if not self._in_pre else "".join(self._line).rstrip()
        self._line = []
        if line:
            self.lines.append(line if self._in_pre else re.sub(r" {2,}", " ", line))


def html_text(name: str, data: bytes) -> tuple[str, str | None]:
    """The text of an HTML page in the charset it declares (UTF-8 when it declares none), and its title."""
    declared = _HTML_CHARSET.search(data[:4096])
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DocumentError(name, f"the page declares an unknown charset {encoding!r}") from None
    parser = _HtmlText()
    parser.feed(decode(name, data, encoding))
    parser.close()
    parser.handle_endtag("body")
    if not parser.lines:
        raise DocumentError(name, "the HTML page has no text")
    title = fold("".join(parser.title))
    return "\n".join(parser.lines) + "\n", title or None


def read_text(name: str, data: bytes) -> tuple[str, str | None]:
    """The document's text, whatever its format, and the title the file itself gives, if any."""
    if not data.strip():
        raise DocumentError(name, "the document is empty")
    kind = document_format(name, data)
    if kind == "pdf":
        return pdf_text(name, data)
    if kind == "html":
        return html_text(name, data)
    return decode(name, data), None


def parse_document(name: str, data: bytes, metadata: dict | None = None) -> Document:
    """A Document from a file's bytes; `name` is its path or file name (the key comes from it)."""
    text, own_title = read_text(name, data)
    metadata = metadata or {}
    first_line = next((fold(line) for line in text.splitlines() if fold(line)), Path(name).stem)
    return Document(
        key=document_key(Path(name)),
        path=str(name),
        title=metadata.get("title") or own_title or first_line[:200],
        publisher=metadata.get("publisher") or "",
        year=metadata.get("year"),
        family=metadata.get("family") or "unknown",
        sha256=hashlib.sha256(data).hexdigest(),
        language=metadata.get("language") or "en",
        text=text,
    )


def read_bytes(path: Path, max_bytes: int | None = None) -> tuple[bytes | None, int]:
    """(the file's bytes, its size); the bytes are None when the size is over `max_bytes`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DocumentError(str(path), "not a file")
        return (None if max_bytes is not None and size > max_bytes else path.read_bytes()), size
    except OSError as exc:
        raise DocumentError(str(path), f"cannot read the file: {exc.strerror}") from exc


def read_document(path: Path, metadata: dict | None = None) -> Document:
    data, _ = read_bytes(path)
    return parse_document(str(path), data, metadata)


def read_corpus(corpus_dir: Path) -> list[Document]:
    """Every document of the folder (text, PDF, HTML), in file-name order, with its manifest metadata."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise DocumentError(str(corpus_dir), "the corpus folder does not exist")
    manifest = read_manifest(corpus_dir)
    paths = sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file())
    unknown = sorted(set(manifest) - {p.name for p in paths})
    if unknown:
        raise MappingError(str(corpus_dir / MANIFEST), f"lists files that are not in the corpus: {', '.join(unknown)}")
    if not paths:
        raise DocumentError(str(corpus_dir), f"the corpus folder holds no documents ({', '.join(DOCUMENT_SUFFIXES)})")
    by_key: dict[str, list[str]] = {}
    for path in paths:
        by_key.setdefault(document_key(path), []).append(path.name)
    clashes = [names for names in by_key.values() if len(names) > 1]
    if clashes:
        raise DocumentError(str(corpus_dir), "files that would be the same document (one key per file name "
                                             f"without extension): {'; '.join(' and '.join(c) for c in clashes)}")
    return [read_document(path, manifest.get(path.name)) for path in paths]
