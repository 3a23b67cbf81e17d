"""Reading what `mdgraph ingest` is given (text, PDF, HTML) and the pure parts of corpus growth:
naming documents, safe file names, graph changes."""

from __future__ import annotations

import pytest

from mdgraph.errors import DocumentError, InputError
from mdgraph.extract import extract_document
from mdgraph.extract.reader import document_format, html_text, parse_document, read_corpus
from mdgraph.ingest.changes import compare, format_changes, shorten
from mdgraph.ingest.library import find_document, safe_name
from mdgraph.model import Document

SHEET_LINES = [
    "Return and Reintegration: Showcase 2018",
    "Project Title: Reintegration Desk for Returning Migrants in Tajikistan",
    "Mission: IOM Dushanbe, Tajikistan",
    "Donor: Government of Japan",
    "Timeframe: March 2015 \u2013 2017",
    "The desk advises returning migrants on jobs and small business grants.",
]


def pdf_bytes(lines: list[str], title: str | None = None) -> bytes:
    """A minimal real PDF (one page, Helvetica, WinAnsi text), written byte by byte."""

    def text(value: str) -> bytes:
        return b"(" + value.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    content = b"BT /F1 11 Tf 14 TL 56 760 Td " + b" ".join(text(line) + b" Tj T*" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Title " + text(title or "") + b" >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_gives_its_text_and_its_programme():
    document = parse_document("showcase_2018.pdf", pdf_bytes(SHEET_LINES, "Showcase 2018"))
    assert document.key == "showcase-2018" and document.title == "Showcase 2018"
    assert "Mission: IOM Dushanbe, Tajikistan\nDonor: Government of Japan" in document.text
    [record] = extract_document(document)
    assert record.title == "Reintegration Desk for Returning Migrants in Tajikistan"
    assert [m.text for m in record.funders] == ["Government of Japan"]
    assert (record.start, record.end) == ("2015-03", "2017")


def test_a_pdf_without_title_is_named_by_its_first_line():
    document = parse_document("x.pdf", pdf_bytes(SHEET_LINES))
    assert document.title == SHEET_LINES[0]


@pytest.mark.parametrize("html, text", [
    ("<p>one</p><p>two</p>", "one\ntwo\n"),
    ("<div>a <b>bold</b>\n  word</div>", "a bold word\n"),
    ("<p>line<br>break</p>", "line\nbreak\n"),
    ("<table><tr><td>Country:</td><td>Ghana</td></tr><tr><th>Partner(s):</th><td>MoH</td></tr></table>",
     "Country: Ghana\nPartner(s): MoH\n"),
    ("<ul><li>first</li><li>second</li></ul>", "first\nsecond\n"),
    ("<p>kept</p><script>var t = '<p>no</p>';</script><style>p {}</style><noscript><img src=x>no</noscript>",
     "kept\n"),
    ("<svg><title>no</title><g><text>no</text></g></svg><p>after</p>", "after\n"),
    ("<pre>a  b\n  c</pre>", "a  b\n  c\n"),
    ("<p>Finance &amp; Planning &eacute;</p>", "Finance & Planning é\n"),
])
def test_html_keeps_blocks_as_lines_and_drops_scripts_and_styles(html, text):
    assert html_text("page.html", f"<html><body>{html}</body></html>".encode())[0] == text


def test_html_title_and_declared_charset():
    page = '<html><head><meta charset="windows-1252"><title> Annex \u2013 2019 </title></head><body>Caf\xe9</body></html>'
    text, title = html_text("page.html", page.encode("cp1252"))
    assert (text, title) == ("Café\n", "Annex – 2019")


@pytest.mark.parametrize("name, data, kind", [
    ("a.txt", b"plain words", "text"),
    ("a.txt", b"%PDF-1.4 ...", "pdf"),
    ("noext", b"  <!DOCTYPE html><html><body>x</body></html>", "html"),
    ("a.htm", b"<p>fragment</p>", "html"),
    ("a.txt", b"<p>markup in a text file stays text</p>", "text"),
])
def test_the_format_comes_from_the_bytes_then_the_name(name, data, kind):
    assert document_format(name, data) == kind


@pytest.mark.parametrize("name, data, message", [
    ("empty.pdf", b"  \n", "the document is empty"),
    ("fake.pdf", b"just text", "not a PDF"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "not a readable PDF"),
    ("blank.pdf", pdf_bytes([]), "no text layer"),
    ("page.html", b"<html><body><script>only()</script></body></html>", "no text"),
    ("page.html", b'<html><head><meta charset="klingon"></head></html>', "unknown charset"),
    ("page.html", b"<html><body>caf\xe9</body></html>", "not UTF-8 text"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
])
def test_unreadable_documents_are_refused_with_the_reason(name, data, message):
    with pytest.raises(DocumentError, match=message) as raised:
        parse_document(name, data)
    assert raised.value.path == name


def test_a_corpus_folder_reads_pdf_and_html_and_refuses_two_files_of_one_key(tmp_path):
    (tmp_path / "a.txt").write_text("Title: x\n")
    (tmp_path / "b.pdf").write_bytes(pdf_bytes(["B document"]))
    (tmp_path / "c.html").write_text("<p>C document</p>")
    assert [d.key for d in read_corpus(tmp_path)] == ["a", "b", "c"]
    (tmp_path / "a.pdf").write_bytes(pdf_bytes(["again"]))
    with pytest.raises(DocumentError, match="a.pdf and a.txt"):
        read_corpus(tmp_path)


@pytest.mark.parametrize("name, safe", [
    ("report.pdf", "report.pdf"),
    ("/tmp/x/Annual Report 2019.txt", "Annual Report 2019.txt"),
    ("..\\..\\evil.html", "evil.html"),
    ("../", "document"),
    ("a\x00b:c?.txt", "a_b_c_.txt"),
    ("..", "document"),
])
def test_file_names_are_made_safe(name, safe):
    assert safe_name(name) == safe


DOCUMENTS = [Document(key, f"/c/{file}", "", "", None, "x", sha) for key, file, sha in [
    ("000-report", "000_report.txt", "aaaaaa11" + "0" * 56),
    ("001-annex", "001_annex.txt", "aaaaaa22" + "0" * 56),
    ("showcase", "showcase.pdf", "bbbbbb33" + "0" * 56),
]]


@pytest.mark.parametrize("reference, key", [
    ("001-annex", "001-annex"),
    ("showcase.pdf", "showcase"),
    ("bbbbbb", "showcase"),
    ("AAAAAA1", "000-report"),
])
def test_a_document_is_named_by_key_file_name_or_sha256_prefix(reference, key):
    assert find_document(DOCUMENTS, reference).key == key


@pytest.mark.parametrize("reference, message", [
    ("aaaaaa", "names several documents: 000-report, 001-annex"),
    ("bbbb", "no document 'bbbb'.*at least 6 characters.*000-report, 001-annex, showcase"),
    ("nothing.pdf", "no document 'nothing.pdf'"),
])
def test_unknown_short_or_ambiguous_references_are_errors(reference, message):
    with pytest.raises(InputError, match=message):
        find_document(DOCUMENTS, reference)


def test_changes_per_graph_are_sorted_and_labelled():
    g = "https://w3id.org/mdgraph/graph/"
    before = {g + "document/a": frozenset({"<x> <p> 1 .", "<x> <p> 2 ."}), g + "document/gone": frozenset({"<y> <p> 1 ."}),
              g + "inferred": frozenset({"<x> <q> 1 ."})}
    after = {g + "document/a": frozenset({"<x> <p> 3 .", "<x> <p> 1 ."}), g + "document/new": frozenset({"<z> <p> 1 ."}),
             g + "inferred": frozenset({"<x> <q> 1 ."})}
    changes = compare(before, after)
    assert [(c.name, c.status, c.added, c.removed) for c in changes] == [
        ("document/a", "changed", ("<x> <p> 3 .",), ("<x> <p> 2 .",)),
        ("document/gone", "removed", (), ("<y> <p> 1 .",)),
        ("document/new", "new", ("<z> <p> 1 .",), ()),
    ]
    text = format_changes(changes, shown=1)
    assert "document/a: +1 -1\n      + <x> <p> 3 .\n      - <x> <p> 2 ." in text
    assert "document/gone (removed): +0 -1" in text
    assert format_changes([]) == "changes: none (the published graph is the same)"


def test_triples_are_shown_with_the_project_prefixes():
    line = ('<https://w3id.org/mdgraph/id/programme/p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
            '<https://w3id.org/mdgraph/ontology#Programme> .')
    assert shorten(line) == "mdgid:programme/p rdf:type mdg:Programme ."
    assert shorten("<http://example.org/x> <http://example.org/p> \"v\" .") == "<http://example.org/x> <http://example.org/p> \"v\" ."
