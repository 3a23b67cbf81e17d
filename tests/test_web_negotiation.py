"""Content negotiation tables (web/negotiation.py is pure)."""

from __future__ import annotations

import pytest

from mdgraph.web.negotiation import (
    ASK_OFFERS,
    HTML_OR_JSON_OFFERS,
    RDF_OFFERS,
    RDF_OR_HTML_OFFERS,
    SELECT_OFFERS,
    by_format_name,
    negotiate,
    parse_accept,
)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
RDFLIB_STORE_XML = "application/sparql-results+xml"


@pytest.mark.parametrize(
    "accept, offers, expected",
    [
        (None, SELECT_OFFERS, "application/sparql-results+json"),
        ("", SELECT_OFFERS, "application/sparql-results+json"),
        ("*/*", SELECT_OFFERS, "application/sparql-results+json"),
        ("*", SELECT_OFFERS, "application/sparql-results+json"),
        ("text/csv", SELECT_OFFERS, "text/csv"),
        ("text/tab-separated-values", SELECT_OFFERS, "text/tab-separated-values"),
        ("application/sparql-results+xml", SELECT_OFFERS, "application/sparql-results+xml"),
        ("application/json", SELECT_OFFERS, "application/sparql-results+json"),
        ("text/xml", SELECT_OFFERS, "application/sparql-results+xml"),
        (SPARQLWRAPPER_JSON, SELECT_OFFERS, "application/sparql-results+json"),
        (RDFLIB_STORE_XML, SELECT_OFFERS, "application/sparql-results+xml"),
        ("text/csv, */*", SELECT_OFFERS, "text/csv"),
        ("text/*", SELECT_OFFERS, "text/csv"),
        ("text/csv;q=0.5, text/tab-separated-values", SELECT_OFFERS, "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", SELECT_OFFERS, "application/sparql-results+xml"),
        ("*/*, application/sparql-results+json;q=0", SELECT_OFFERS, "application/sparql-results+xml"),
        ("text/turtle", SELECT_OFFERS, None),
        ("text/csv;q=0", SELECT_OFFERS, None),
        ("image/png", SELECT_OFFERS, None),
        ("text/csv", ASK_OFFERS, None),
        ("application/sparql-results+xml, text/csv", ASK_OFFERS, "application/sparql-results+xml"),
        (None, RDF_OFFERS, "text/turtle"),
        ("*/*", RDF_OFFERS, "text/turtle"),
        ("application/n-triples", RDF_OFFERS, "application/n-triples"),
        ("application/ld+json", RDF_OFFERS, "application/ld+json"),
        ("application/rdf+xml", RDF_OFFERS, "application/rdf+xml"),
        ("application/x-turtle", RDF_OFFERS, "text/turtle"),
        ("text/turtle;charset=utf-8", RDF_OFFERS, "text/turtle"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", RDF_OFFERS, "application/rdf+xml"),
        ("application/sparql-results+json", RDF_OFFERS, None),
        (BROWSER, RDF_OR_HTML_OFFERS, "text/html"),
        (None, RDF_OR_HTML_OFFERS, "text/turtle"),
        ("*/*", RDF_OR_HTML_OFFERS, "text/turtle"),
        ("text/html;q=0.5, text/turtle", RDF_OR_HTML_OFFERS, "text/turtle"),
        ("application/xhtml+xml", RDF_OR_HTML_OFFERS, "text/html"),
        (BROWSER, HTML_OR_JSON_OFFERS, "text/html"),
        ("application/json", HTML_OR_JSON_OFFERS, "application/json"),
        ("malformed, text/csv", SELECT_OFFERS, "text/csv"),
        ("garbage", SELECT_OFFERS, "application/sparql-results+json"),
        ("text/csv;q=abc", SELECT_OFFERS, None),
        ("TEXT/CSV", SELECT_OFFERS, "text/csv"),
    ],
)
def test_negotiate(accept, offers, expected):
    assert negotiate(accept, offers) == expected


@pytest.mark.parametrize(
    "header, expected",
    [
        ("text/csv", [("text", "csv", 1.0)]),
        ("text/*;q=0.3, */*;q=0.1", [("text", "*", 0.3), ("*", "*", 0.1)]),
        ("text/csv;charset=utf-8;q=0.7;level=1", [("text", "csv", 0.7)]),
        ("text/csv;q=2", [("text", "csv", 1.0)]),
        ("*/csv, /, text", []),
    ],
)
def test_parse_accept(header, expected):
    assert [(r.type, r.subtype, r.q) for r in parse_accept(header)] == expected


@pytest.mark.parametrize(
    "name, offers, expected",
    [
        ("ttl", RDF_OR_HTML_OFFERS, "text/turtle"),
        ("nt", RDF_OR_HTML_OFFERS, "application/n-triples"),
        ("jsonld", RDF_OR_HTML_OFFERS, "application/ld+json"),
        ("rdf", RDF_OR_HTML_OFFERS, "application/rdf+xml"),
        ("xml", RDF_OR_HTML_OFFERS, "application/rdf+xml"),
        ("html", RDF_OR_HTML_OFFERS, "text/html"),
        ("csv", SELECT_OFFERS, "text/csv"),
        ("json", SELECT_OFFERS, "application/sparql-results+json"),
        ("xml", SELECT_OFFERS, "application/sparql-results+xml"),
        ("csv", RDF_OFFERS, None),
        ("html", SELECT_OFFERS, None),
        ("yaml", RDF_OFFERS, None),
    ],
)
def test_format_names(name, offers, expected):
    assert by_format_name(name, offers) == expected
