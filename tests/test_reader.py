"""Reading the corpus: manifest metadata, and clear errors naming the file for bad input."""

import pytest

from mdgraph.config import PROJECT_ROOT
from mdgraph.errors import DocumentError, MappingError
from mdgraph.extract.reader import read_corpus, read_document


def test_the_project_corpus_has_five_documents_with_metadata():
    documents = read_corpus(PROJECT_ROOT / "corpus")
    assert len(documents) == 5
    assert all(d.title and d.publisher and d.year and d.family != "unknown" for d in documents)
    assert [d.key for d in documents] == sorted(d.key for d in documents)
    assert all(len(d.sha256) == 64 for d in documents)


@pytest.mark.parametrize("content, message", [
    (b"", "the document is empty"),
    (b"   \n\n", "the document is empty"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    (b"line one\nline two \xff\xfe bad\n", "not UTF-8 text"),
])
def test_bad_documents_are_refused_with_the_reason(tmp_path, content, message):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as raised:
        read_document(path)
    assert str(path) in str(raised.value)


def test_undecodable_byte_names_its_line(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"one\ntwo\nthree \xff\n")
    with pytest.raises(DocumentError, match=r"doc.txt:3"):
        read_document(path)


@pytest.mark.parametrize("manifest, message", [
    ("documents: {}", "expected a list under 'documents'"),
    ("documents:\n  - file: a.txt\n", "missing title, publisher, year, family"),
    ("documents:\n  - {file: a.txt, title: T, publisher: P, year: soon, family: f}\n", "is not a whole number"),
    ("documents:\n  - {file: b.txt, title: T, publisher: P, year: 2020, family: f}\n", "not in the corpus: b.txt"),
    ("documents: [unclosed", "cannot read the corpus manifest"),
])
def test_bad_manifests_are_named(tmp_path, manifest, message):
    (tmp_path / "a.txt").write_text("Title: x\n")
    (tmp_path / "manifest.yaml").write_text(manifest)
    with pytest.raises(MappingError, match=message) as raised:
        read_corpus(tmp_path)
    assert "manifest.yaml" in str(raised.value)


def test_documents_without_manifest_take_their_title_from_the_text(tmp_path):
    (tmp_path / "x.txt").write_text("\n  Annual report  \nbody\n")
    [document] = read_corpus(tmp_path)
    assert document.title == "Annual report" and document.family == "unknown" and document.key == "x"
