"""Property tests (Hypothesis) on the pure parsers a client's input reaches: content
negotiation, named-query parameter binding (values never change a query's shape) and the
request scanner, and the timeframe parser of the extractors."""

from __future__ import annotations

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdgraph.errors import QueryError
from mdgraph.extract.dates import parse_date, parse_timeframe, parse_timeframe_field, start_not_after_end
from mdgraph.queries import load_catalogue
from mdgraph.store import open_store
from mdgraph.store.sparqltext import add_values, shape
from mdgraph.store.terms import ntriples_term
from mdgraph.web.negotiation import RDF_OFFERS, RDF_OR_HTML_OFFERS, SELECT_OFFERS, negotiate, parse_accept

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
INJECTIONS = ['" } ; DROP ALL ; SELECT * {', "' } } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #",
              '"""\n} LIMIT 0 #', "\\\" . ?s ?p ?o", "> } UNION { ?s ?p ?o } <", "\u0000\ud7ff\U0010ffff"]
LABEL_QUERY = """# title: Things with a label
# description: test query with a string parameter
# param: ?label (string) the label
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s rdfs:label ?l . FILTER(STR(?l) = ?label) }
"""
media_types = st.sampled_from(["text/turtle", "application/json", "text/*", "*/*", "text/html", "image/png",
                               "application/sparql-results+json", "application/ld+json", "x/y", "*/json"])
accept_item = st.tuples(media_types, st.one_of(st.none(), st.floats(-1, 2), st.text(max_size=4))).map(
    lambda pair: pair[0] if pair[1] is None else f"{pair[0]};q={pair[1]}")


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(accept_item, max_size=6).map(", ".join)))
def test_negotiation_never_raises_and_answers_an_offer_or_nothing(header):
    parse_accept(header)
    for offers in (SELECT_OFFERS, RDF_OFFERS, RDF_OR_HTML_OFFERS):
        chosen = negotiate(header, offers)
        assert chosen is None or chosen in {canonical for _, canonical in offers}


@FAST
@given(st.lists(accept_item, min_size=1, max_size=6).map(", ".join))
def test_negotiation_answers_only_what_the_client_accepts(header):
    ranges = parse_accept(header)
    chosen = negotiate(header, SELECT_OFFERS)
    if chosen is not None and ranges:  # no valid range at all = no preference: the default
        asked = [name for name, canonical in SELECT_OFFERS if canonical == chosen]
        assert any(r.q > 0 and r.specificity(name) >= 0 for r in ranges for name in asked)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory, sample_dataset):
    folder = tmp_path_factory.mktemp("queries")
    (folder / "things-labelled.rq").write_text(LABEL_QUERY)
    store = open_store("memory://")
    store.publish(sample_dataset)
    return load_catalogue(folder)["things-labelled"], store


@FAST
@given(st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=60)))
def test_a_string_value_is_one_literal_and_never_changes_the_query(labelled, value):
    named, store = labelled
    bindings = named.bind({"label": value})
    assert bindings == {"label": rdflib.Literal(value.strip())}
    rows = store.query(named.text, bindings).rows()
    assert all(str(label) == value.strip() for _, label in rows)
    # remote stores get the value as a VALUES block: the query keeps its shape
    spliced = add_values(named.text, {"label": ntriples_term(bindings["label"])})
    assert shape(spliced) == shape(named.text)
    assert all(str(label) == value.strip() for _, label in store.query(spliced).rows())


@FAST
@given(st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=60)))
def test_an_iri_value_is_one_iri_or_refused(labelled, value):
    from mdgraph.queries import Param

    try:
        term = Param("thing", "iri", "a thing").term(value)
        written = ntriples_term(term)  # what web/named.py checks before answering 422
    except QueryError:
        return
    assert isinstance(term, rdflib.URIRef)
    spliced = add_values("SELECT ?thing WHERE { ?thing ?p ?o }", {"thing": written})
    assert shape(spliced) == shape("SELECT ?thing WHERE { ?thing ?p ?o }")


@FAST
@given(st.text(max_size=300))
def test_the_request_scanner_never_raises_anything_but_query_error(text):
    try:
        shape(text, "https://example.org/sparql")
    except QueryError:
        pass


@FAST
@given(st.text(max_size=120))
def test_date_parsers_never_raise(text):
    parse_date(text)
    parse_timeframe(text)
    parse_timeframe_field(text)


MONTHS = ["January", "March", "June", "December", "Jan", "Sept", "Dec"]
written_date = st.tuples(st.integers(1990, 2030), st.one_of(st.none(), st.sampled_from(MONTHS)))


@FAST
@given(written_date, written_date, st.sampled_from([" - ", "–", " to ", " until ", "-"]))
def test_a_written_range_in_order_gives_start_not_after_end(first, second, separator):
    (y1, m1), (y2, m2) = sorted([first, second], key=lambda d: d[0])
    text = f"{m1 + ' ' if m1 else ''}{y1}{separator}{m2 + ' ' if m2 else ''}{y2}"
    start, end = parse_timeframe(text)
    if start and end and (y1 < y2 or (m1 is None or m2 is None)):
        assert start_not_after_end(start, end), (text, start, end)
