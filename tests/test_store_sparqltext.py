"""The lexical view of SPARQL text (store/sparqltext.py): table-driven."""

from __future__ import annotations

import pytest

from mdgraph.errors import QueryError
from mdgraph.store.sparqltext import add_using, add_values, shape

BASE = "https://w3id.org/mdgraph/sparql"


@pytest.mark.parametrize(
    "text, form",
    [
        ("SELECT * { ?s ?p ?o }", "select"),
        ("PREFIX ex: <http://ex/>\n# SELECT in a comment\nask { ?s ?p ?o }", "ask"),
        ("BASE <http://b/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <http://x>", "describe"),
        ("INSERT DATA { <a> <b> <c> }", "update"),
        ("PREFIX : <http://x/> DELETE WHERE { ?s ?p ?o }", "update"),
        ("'SELECT' nonsense", None),
        ("", None),
    ],
)
def test_form(text, form):
    assert shape(text, BASE).form == form


@pytest.mark.parametrize(
    "text, froms, named, services",
    [
        ("SELECT * FROM <http://g/1> FROM NAMED <http://g/2> { ?s ?p ?o }", ("http://g/1",), ("http://g/2",), ()),
        ("PREFIX g: <http://g/> SELECT * FROM g:one { ?s ?p ?o }", ("http://g/one",), (), ()),
        ("BASE <http://b/dir/> SELECT * FROM <rel> { }", ("http://b/dir/rel",), (), ()),
        ("SELECT * FROM <rel> { }", ("https://w3id.org/mdgraph/rel",), (), ()),
        ('SELECT * { ?s ?p "FROM <http://g/x>" }', (), (), ()),
        ("SELECT * { ?s <http://x/#FROM> ?o }", (), (), ()),
        ("SELECT * { SERVICE <http://r/sparql> { ?s ?p ?o } }", (), (), ("http://r/sparql",)),
        ("SELECT * { SERVICE SILENT ?endpoint { ?s ?p ?o } }", (), (), ("?endpoint",)),
        ("PREFIX r: <http://r/> select * { service r:sparql { } }", (), (), ("http://r/sparql",)),
        ('SELECT ?service { ?service ?p "SERVICE" } # SERVICE <x>', (), (), ()),
        ('SELECT * { ?s ?p """multi\nline SERVICE <http://x>""" }', (), (), ()),
    ],
)
def test_dataset_and_services(text, froms, named, services):
    found = shape(text, BASE)
    assert (found.from_iris, found.from_named_iris, found.services) == (froms, named, services)


def test_undeclared_prefix_in_from():
    with pytest.raises(QueryError, match="undeclared prefix"):
        shape("SELECT * FROM nope:g { }", BASE)


@pytest.mark.parametrize(
    "update, loads, withs, usings",
    [
        ("LOAD <http://x/data.ttl>", True, (), ()),
        ("LOAD SILENT <http://x/data.ttl> INTO GRAPH <http://g>", True, (), ()),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", False, ("http://g",), ()),
        ("DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }", False, (), ("http://g",)),
        ('INSERT DATA { <a> <b> "LOAD <x>" }', False, (), ()),
    ],
)
def test_update_shape(update, loads, withs, usings):
    found = shape(update, BASE)
    assert (found.loads, found.with_iris, found.from_iris) == (loads, withs, usings)


@pytest.mark.parametrize(
    "update, expected",
    [
        ("INSERT { ?s a <C> } WHERE { ?s ?p ?o }", "INSERT { ?s a <C> } USING <http://g> USING NAMED <http://n> WHERE { ?s ?p ?o }"),
        ("CLEAR ALL ; INSERT { ?s a <C> } WHERE { ?s ?p ?o }", "CLEAR ALL ; INSERT { ?s a <C> } USING <http://g> USING NAMED <http://n> WHERE { ?s ?p ?o }"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE { ?s ?p ?o }"),
        ("INSERT { ?s a <C> } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
         "INSERT { ?s a <C> } USING <http://g> USING NAMED <http://n> WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }"),
    ],
)
def test_add_using(update, expected):
    assert add_using(update, ("http://g",), ("http://n",)) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<urn:a>) }  ?x ?p ?o }"),
        ("SELECT (EXISTS { ?a ?b ?c } AS ?e) { ?x ?p ?o }", "SELECT (EXISTS { ?a ?b ?c } AS ?e) { VALUES (?x) { (<urn:a>) }  ?x ?p ?o }"),
        ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "CONSTRUCT { ?x ?p ?o } WHERE { VALUES (?x) { (<urn:a>) }  ?x ?p ?o }"),
        ("ASK { ?x ?p ?o }", "ASK { VALUES (?x) { (<urn:a>) }  ?x ?p ?o }"),
    ],
)
def test_add_values(query, expected):
    assert add_values(query, {"x": "<urn:a>"}) == expected


@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?x ?p ?o }", "DESCRIBE <urn:a>", "nonsense"])
def test_add_values_refuses_what_it_cannot_bind(query):
    with pytest.raises(QueryError):
        add_values(query, {"x": "<urn:a>"})
