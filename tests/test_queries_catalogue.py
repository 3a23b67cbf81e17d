"""The named-query catalogue: header format, parameter types, binding."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from mdgraph.config import PROJECT_ROOT
from mdgraph.errors import QueryError
from mdgraph.queries import Param, load_catalogue, parse_named_query

QUERIES = Path(__file__).parent / "data" / "queries"
MOLDOVA = URIRef("https://w3id.org/mdgraph/id/country/md")
INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")


def test_catalogue_reads_headers():
    catalogue = load_catalogue(QUERIES)
    assert list(catalogue) == ["programmes-in-country", "programmes-started-by"]
    query = catalogue["programmes-in-country"]
    assert query.title == "Programmes in a country"
    assert query.description.startswith("Programmes that target the country")
    assert query.params == (Param("country", "iri", "the country", str(MOLDOVA)),)
    assert query.example_bindings() == {"country": MOLDOVA}


def test_missing_directory_is_an_empty_catalogue(tmp_path):
    assert load_catalogue(tmp_path / "nothing-here") == {}


@pytest.mark.parametrize(
    "type_, value, expected",
    [
        ("iri", "https://w3id.org/mdgraph/id/country/md", MOLDOVA),
        ("iri", " https://w3id.org/mdgraph/id/country/md ", MOLDOVA),
        ("iri", "mdgid:country/md", MOLDOVA),
        ("iri", "urn:isbn:0451450523", URIRef("urn:isbn:0451450523")),
        ("string", "IOM", Literal("IOM")),
        ("string", 'a "quoted" } value', Literal('a "quoted" } value')),
        ("integer", "42", Literal(42, datatype=INTEGER)),
        ("integer", "-7", Literal(-7, datatype=INTEGER)),
        ("year", "2014", Literal(2014, datatype=INTEGER)),
    ],
)
def test_parameter_values(type_, value, expected):
    assert Param("x", type_, "").term(value) == expected


@pytest.mark.parametrize(
    "type_, value",
    [
        ("iri", "not an iri"),
        ("iri", "country/md"),
        ("iri", "https://x/<script>"),
        ("iri", "http://x/a b"),
        ("iri", "unknownprefix"),
        ("integer", "4.5"),
        ("integer", "four"),
        ("year", "14"),
        ("year", "2014-01"),
        ("year", "twenty"),
    ],
)
def test_invalid_parameter_values(type_, value):
    with pytest.raises(QueryError, match=r"\?x"):
        Param("x", type_, "").term(value)


def test_bind_checks_names():
    query = load_catalogue(QUERIES)["programmes-in-country"]
    assert query.bind({"country": "mdgid:country/md"}) == {"country": MOLDOVA}
    with pytest.raises(QueryError, match="needs a value for \\?country"):
        query.bind({})
    with pytest.raises(QueryError, match="has no parameter \\?colour"):
        query.bind({"country": str(MOLDOVA), "colour": "red"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("PREFIX x: <urn:x>\nSELECT * {}\n", "no '# title: ...' line"),
        ("# title: T\nSELECT * {}\n", "no '# description: ...' line"),
        ("# title: T\n# description: D\n# param: ?x (colour) a colour\nSELECT ?x {}\n", "malformed parameter"),
        ("# title: T\n# description: D\nSELECT ?x {\n", "syntax"),
        ("# title: T\n# description: D\n# param: ?x (iri) x\nCONSTRUCT WHERE { ?x ?p ?o }\n", "no separate WHERE group"),
    ],
)
def test_malformed_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "broken.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryError, match=message) as failure:
        parse_named_query(path)
    assert str(path) in str(failure.value)


def test_project_queries_load():
    """The project's own queries/ follow the header format and take their parameters."""
    catalogue = load_catalogue(PROJECT_ROOT / "queries")
    assert catalogue, "queries/ holds no .rq file"
    for query in catalogue.values():
        assert query.example_bindings().keys() == {p.name for p in query.params}, query.name
