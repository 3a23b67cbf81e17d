"""Timeframes as written (extract/dates.py): table-driven, with the rule that a timeframe never
ends before it starts, checked on every programme the corpus and the family documents give."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdgraph.extract import extract_document
from mdgraph.extract.dates import (
    dropped_end,
    parse_date,
    parse_timeframe,
    parse_timeframe_field,
    start_not_after_end,
)
from mdgraph.extract.reader import parse_document, read_manifest
from mdgraph.model import Document
from mdgraph.resolve import load_resolver, resolve_document

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("text", "expected"), [
    ("27 February 2014", "2014-02-27"),
    ("February 27, 2014", "2014-02-27"),
    ("Sept. 2014", "2014-09"),
    ("02/2014", "2014-02"),
    ("2014-02", "2014-02"),
    ("end of 2014", "2014-12"),
    ("in 2014", "2014"),
    ("no date here", None),
    ("\u017feptember 2014", "2014-09"),      # a long s, which the case-blind pattern matches
    ("3 DECEMBER 2015", "2015-12-03"),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


#: (text, (start, end), dropped end)
TIMEFRAMES = [
    ("November 2013 to March 2015", ("2013-11", "2015-03"), None),
    ("2014–2017", ("2014", "2017"), None),
    ("Jan. 2014 – Dec. 2018", ("2014-01", "2018-12"), None),
    ("2011 – ongoing", ("2011", None), None),
    ("1997—Present (Open-ended)", ("1997", None), None),
    ("since 2015", ("2015", None), None),
    ("2010 - 2010", ("2010", "2010"), None),
    ("November 2013 – 2013", ("2013-11", "2013"), None),        # compared on the precision they share
    ("2013 to end of 2015", ("2013", "2015-12"), None),
    # the short end of a range: the year after the start it can only mean
    ("2013-15", ("2013", "2015"), None),
    ("2013–15", ("2013", "2015"), None),
    ("(2011–12)", ("2011", "2012"), None),
    ("1998–02", ("1998", "2002"), None),                        # across the century
    ("2013-05", ("2013-05", None), None),                       # a month, as ISO writes it
    ("In 2013 – 15 countries joined", ("2013", None), None),    # spaced: a count, not an end
    ("2013–15% of the budget", ("2013", None), None),
    ("2013-15-20", ("2013", None), None),
    # an end before the start: a typo no rule undoes; the start stays, the end is dropped and reported
    ("2019 – 2015", ("2019", None), "2015"),
    ("2019-2015", ("2019", None), "2015"),
    ("2019-15", ("2019", None), "2015"),
    ("2000–99", ("2000", None), "2099"),                         # short, but 99 years on
    ("March 2015 to January 2013", ("2015-03", None), "2013-01"),
    ("November 2014 – March 2014", ("2014-11", None), "2014-03"),
    ("27 February 2014 – 3 January 2014", ("2014-02-27", None), "2014-01-03"),
    ("2015 until end of 2013", ("2015", None), "2013-12"),
    # a date that merely follows in the text is no range: an earlier one is not its end
    ("launched in 2015, after a 2012 pilot", ("2015", None), None),
    ("launched in 2012, extended in 2015", ("2012", "2015"), None),
    ("nothing dated", (None, None), None),
]


@pytest.mark.parametrize(("text", "expected", "dropped"), TIMEFRAMES, ids=[t[0] for t in TIMEFRAMES])
def test_parse_timeframe(text, expected, dropped):
    assert parse_timeframe(text) == expected
    assert dropped_end(text) == dropped


@pytest.mark.parametrize(("text", "expected"), [
    ("2016", ("2016", "2016")),              # a year alone: the whole year
    ("Timeframe 2016.", ("2016", None)),     # not alone
    ("2016 – 2014", ("2016", None)),
    ("2013-15", ("2013", "2015")),
])
def test_parse_timeframe_field(text, expected):
    assert parse_timeframe_field(text) == expected


MONTHS = ["January", "March", "June", "December", "Jan", "Sept", "Dec"]
written_date = st.tuples(st.integers(1990, 2030), st.one_of(st.none(), st.sampled_from(MONTHS)))
separators = st.sampled_from([" - ", "–", " – ", " to ", " until ", "-", "—", " through "])


def _written(year: int, month: str | None) -> str:
    return f"{month} {year}" if month else str(year)


@settings(max_examples=300, deadline=None)
@given(written_date, written_date, separators)
def test_no_written_range_ends_before_it_starts(first, second, separator):
    text = _written(*first) + separator + _written(*second)
    for start, end in (parse_timeframe(text), parse_timeframe_field(text)):
        assert start is not None and start_not_after_end(start, end), (text, start, end)
    if first[0] > second[0]:
        assert parse_timeframe(text)[1] is None and dropped_end(text) is not None, text


@settings(max_examples=300, deadline=None)
@given(st.integers(1990, 2030), st.integers(0, 99), st.sampled_from(["-", "–", "—"]))
def test_a_short_end_is_never_before_the_start(year, short, dash):
    text = f"{year}{dash}{short:02d}"
    start, end = parse_timeframe(text)
    assert start_not_after_end(start, end), (text, start, end)
    assert end is not None or dropped_end(text) is not None or start == f"{year}-{short:02d}", text


def _corpus_documents() -> list[Document]:
    manifest = read_manifest(ROOT / "corpus")
    documents = [parse_document(str(ROOT / "corpus" / name), (ROOT / "corpus" / name).read_bytes(), metadata)
                 for name, metadata in manifest.items()]
    for path in sorted((ROOT / "tests" / "data" / "families").glob("*.txt")):
        data = path.read_bytes()
        documents.append(Document(key=path.stem, path=str(path), title=path.stem, publisher="", year=None, family="",
                                  sha256=hashlib.sha256(data).hexdigest(), text=data.decode("utf-8")))
    return documents


def test_no_programme_of_the_corpus_or_the_family_documents_ends_before_it_starts():
    """The dates the build publishes (queries/qc/start-after-end-violation.rq checks the graph)."""
    documents = _corpus_documents()
    assert len(documents) > 5
    resolver = load_resolver(ROOT / "mappings")
    dated = 0
    for document in documents:
        for programme in resolve_document(extract_document(document), resolver):
            assert start_not_after_end(programme.start, programme.end), (document.key, programme.title,
                                                                         programme.start, programme.end)
            dated += bool(programme.start and programme.end)
    assert dated >= 20


REVERSED = ("Annex\n\nTitle: A project that ends before it starts\nCountry: Ghana Partner(s): IOM\n"
            "Thematic Area(s): Diasporas Tags: Migration and Health\n"
            "Summary: The project is described here.\nTimeframe: March 2015 to January 2013\nWeb Links:\n\n"
            "Title: A second project\nCountry: Togo Partner(s): UNDP\nThematic Area(s): Remittances\n"
            "Summary: Another one.\nWeb Links:\n")
REVERSED_IRI = "https://w3id.org/mdgraph/id/programme/a-project-that-ends-before-it-starts"


@pytest.fixture(scope="module")
def reversed_build(tmp_path_factory):
    """A build of one document whose timeframe ends before it starts."""
    from dataclasses import replace

    from mdgraph.build import build
    from mdgraph.config import Settings
    from mdgraph.service import Service

    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "reversed.txt").write_text(REVERSED, encoding="utf-8")
    settings = replace(Settings.from_env({}), data_dir=tmp_path_factory.mktemp("data"))
    report = build(settings, corpus)
    service = Service(settings, query_workers=0)
    yield report, service
    service.close()


def test_a_reversed_timeframe_is_published_with_its_start_and_no_end(reversed_build):
    report, service = reversed_build
    assert report.published and report.conforms, report.validation and report.validation.text
    rows = service.query("PREFIX mdg: <https://w3id.org/mdgraph/ontology#> "
                         "SELECT ?start ?end WHERE { ?p mdg:startDate ?start OPTIONAL { ?p mdg:endDate ?end } }",
                         {"p": __import__("rdflib").URIRef(REVERSED_IRI)}).rows()
    assert [(str(start), end) for start, end in rows] == [("2015-03", None)]


def test_the_review_lists_the_dropped_end(reversed_build):
    _, service = reversed_build
    listed = [u for u in service.review().unresolved if u["field"] == "timeframe"]
    assert listed and "March 2015 to January 2013" in listed[0]["text"]
