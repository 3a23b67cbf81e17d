"""SHACL shapes and violation queries: a good graph conforms, each defect is reported at its node."""

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from mdgraph.errors import MappingError, QueryError
from mdgraph.rdfterms import to_oxigraph
from mdgraph.reason import infer
from mdgraph.validate import ValidationResult, format_report, load_shapes, run_qc_queries, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "data" / "sample-instances.ttl"
QC_DIR = ROOT / "queries" / "qc"
SHAPES = "https://w3id.org/mdgraph/shapes#"
P = "https://w3id.org/mdgraph/id/programme/"
O = "https://w3id.org/mdgraph/id/organisation/"
C = "https://w3id.org/mdgraph/id/country/"

UPDATE_PREFIXES = """
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX p: <https://w3id.org/mdgraph/id/programme/>
PREFIX o: <https://w3id.org/mdgraph/id/organisation/>
PREFIX c: <https://w3id.org/mdgraph/id/country/>
PREFIX s: <https://w3id.org/mdgraph/id/sector/>
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def good(ontology) -> Graph:
    """The sample as it is published: asserted and inferred triples."""
    graph = Graph().parse(SAMPLE, format="turtle")
    graph += infer(graph, ontology)
    return graph


def test_the_sample_conforms(good, shapes, ontology):
    result = validate(good, shapes, ontology, qc_dir=QC_DIR)
    assert result.conforms, format_report(result)
    assert result.violations == ()
    assert format_report(result) == "conforms: no violations"


def test_the_sample_conforms_before_reasoning(shapes, ontology):
    result = validate(Graph().parse(SAMPLE, format="turtle"), shapes, ontology, qc_dir=QC_DIR)
    assert result.conforms, format_report(result)


@pytest.mark.parametrize("query", sorted(QC_DIR.glob("*-violation.rq")), ids=lambda p: p.stem)
def test_each_violation_query_returns_no_rows_on_the_sample(good, ontology, query):
    graph = good + ontology
    header = query.read_text(encoding="utf-8").splitlines()[:2]
    assert header[0].startswith("# title: ") and header[1].startswith("# description: ")
    assert list(graph.query(query.read_text(encoding="utf-8"))) == []


DEFECTS = [
    ("programme-without-label", "DELETE WHERE { p:jmdi rdfs:label ?l }",
     P + "jmdi", {SHAPES + "ProgrammeLabel"}),
    ("blank-label",
     'DELETE { p:jmdi rdfs:label ?l } INSERT { p:jmdi rdfs:label " "@en } WHERE { p:jmdi rdfs:label ?l }',
     P + "jmdi", {SHAPES + "ProgrammeLabelText"}),
    ("start-after-end",
     'DELETE { ?p mdg:startDate ?d } INSERT { ?p mdg:startDate "2016-01"^^xsd:gYearMonth } '
     "WHERE { BIND (p:md-diaspora-engagement AS ?p) ?p mdg:startDate ?d }",
     P + "md-diaspora-engagement", {SHAPES + "ProgrammeStartBeforeEnd", "start-after-end-violation"}),
    ("malformed-date", 'INSERT DATA { p:jmdi mdg:endDate "2013-13"^^xsd:gYearMonth }',
     P + "jmdi", {SHAPES + "ProgrammeEndDate"}),
    ("sector-outside-scheme", "INSERT DATA { p:jmdi mdg:hasSector s:tourism }",
     P + "jmdi", {SHAPES + "ProgrammeSector", "sector-outside-scheme-violation", "link-without-evidence-violation"}),
    ("country-notation-without-datatype",
     'DELETE DATA { c:md skos:notation "MD"^^mdg:ISO3166Alpha2 } ; INSERT DATA { c:md skos:notation "MD" }',
     C + "md", {SHAPES + "CountryNotation", "country-notation-mismatch-violation"}),
    ("country-notation-not-its-key",
     'DELETE DATA { c:md skos:notation "MD"^^mdg:ISO3166Alpha2 } ; INSERT DATA { c:md skos:notation "RO"^^mdg:ISO3166Alpha2 }',
     C + "md", {"country-notation-mismatch-violation"}),
    ("country-with-two-codes", 'INSERT DATA { c:md skos:notation "MDA"^^mdg:ISO3166Alpha2 }',
     C + "md", {SHAPES + "CountryNotationCount", SHAPES + "CountryNotation"}),
    ("programme-without-document", "DELETE WHERE { p:jmdi prov:wasDerivedFrom ?d }",
     P + "jmdi", {SHAPES + "ProgrammeDocument", "programme-without-document-violation"}),
    ("link-without-evidence",
     "DELETE { ?e ?x ?y } WHERE { ?e rdf:subject p:jmdi ; rdf:predicate mdg:fundedBy ; ?x ?y }",
     P + "jmdi", {"link-without-evidence-violation"}),
    ("evidence-without-link", "DELETE DATA { p:md-health-worker-migration mdg:hasPartner o:who }",
     P + "md-health-worker-migration#q-", {"evidence-without-link-violation"}),
    ("evidence-without-quote",
     "DELETE { ?e mdg:quote ?q } WHERE { ?e rdf:subject p:jmdi ; rdf:predicate mdg:implementedBy ; mdg:quote ?q }",
     P + "jmdi#q-", {SHAPES + "EvidenceQuote"}),
    ("organisation-without-label", "DELETE WHERE { o:ifad rdfs:label ?l }",
     O + "ifad", {SHAPES + "OrganisationLabel", "organisation-without-label-violation"}),
    ("no-country-and-no-reason", "DELETE WHERE { p:global-remittance-forum mdg:noCountryReason ?r }",
     P + "global-remittance-forum", {SHAPES + "ProgrammeCountryOrReason"}),
    ("same-title-twice-in-one-document",
     "DELETE { ?p rdfs:label ?l } INSERT { ?p rdfs:label \"strengthening  DIASPORA engagement in Moldova \"@en } "
     "WHERE { BIND (p:md-health-worker-migration AS ?p) ?p rdfs:label ?l }",
     P + "md-diaspora-engagement", {"duplicate-programme-labels-in-one-document-violation"}),
    ("funder-that-is-not-an-organisation", "INSERT DATA { p:jmdi mdg:fundedBy c:md }",
     P + "jmdi", {SHAPES + "ProgrammeFunder"}),
    ("role-asserted-by-hand", "INSERT DATA { o:who a mdg:Funder }", O + "who", {SHAPES + "FunderShape"}),
]


@pytest.mark.parametrize("update, node, expected", [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_each_defect_is_reported_at_its_node(good, shapes, ontology, update, node, expected):
    graph = Graph()
    graph += good
    graph.update(UPDATE_PREFIXES + update)
    result = validate(graph, shapes, ontology, qc_dir=QC_DIR)
    assert not result.conforms
    assert _found(result) == _found(validate(graph, shapes, ontology, qc_dir=QC_DIR, reference=True))
    found = {v.shape for v in result.violations if v.focus_node.startswith(node)}
    assert expected <= found, format_report(result)
    report = format_report(result)
    assert node.replace("https://w3id.org/mdgraph/id/", "mdgid:") in report
    assert all(v.message and "Node <" not in v.message for v in result.violations)


def _found(result) -> set[tuple]:
    """What a result reports, engine-independent: node, shape, path, value, severity."""
    return {(v.focus_node, v.shape, v.path, v.value, v.severity) for v in result.violations}


def test_the_fast_validator_agrees_with_pyshacl_on_the_sample(good, shapes, ontology):
    assert _found(validate(good, shapes, ontology)) == _found(validate(good, shapes, ontology, reference=True))


def test_the_reference_validates_rdflib_graphs_only(shapes):
    with pytest.raises(TypeError):
        validate(ox.Store(), shapes, reference=True)


def test_a_staged_store_is_validated_over_the_union_of_its_graphs(good, shapes, ontology):
    """What a build hands over: named graphs in a pyoxigraph Store, validated where they are."""
    store = ox.Store()
    for number, triple in enumerate(good):
        name = ox.NamedNode(f"urn:graph:{number % 3}")
        store.add(ox.Quad(*(to_oxigraph(term) for term in triple), name))
    store.bulk_extend(ox.Quad(*(to_oxigraph(term) for term in triple), ox.NamedNode("urn:graph:ontology"))
                      for triple in ontology)
    assert validate(store, shapes, qc_dir=QC_DIR).conforms
    store.remove(next(iter(store.quads_for_pattern(ox.NamedNode(O + "ifad"),
                                                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None))))
    found = {v.shape for v in validate(store, shapes, qc_dir=QC_DIR).violations}
    assert {SHAPES + "OrganisationLabel", "organisation-without-label-violation"} <= found


def test_report_has_one_line_per_violation(good, shapes, ontology):
    graph = Graph()
    graph += good
    graph.update(UPDATE_PREFIXES + "DELETE WHERE { o:ifad rdfs:label ?l }")
    result = validate(graph, shapes, ontology, qc_dir=QC_DIR)
    lines = format_report(result).splitlines()
    assert len(lines) == 1 + len(result.violations)
    assert lines[1].startswith("Violation: mdgid:organisation/ifad | ")
    assert {v.source for v in result.violations} == {"shacl", "organisation-without-label-violation"}


def test_warnings_are_reported_but_conform(good):
    warning = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix mdg: <https://w3id.org/mdgraph/ontology#> .
        <urn:shape:summary> a sh:NodeShape ; sh:targetClass mdg:Programme ;
            sh:property [ sh:path <http://purl.org/dc/terms/description> ; sh:minCount 1 ;
                          sh:severity sh:Warning ; sh:message "No summary."@en ] .
    """, format="turtle")
    result = validate(good, warning)
    assert result.conforms
    assert result.violations and {v.severity for v in result.violations} == {"Warning"}
    assert {v.shape for v in result.violations} == {"urn:shape:summary"}


def test_result_is_immutable(good, shapes, ontology):
    result = validate(good, shapes, ontology)
    assert isinstance(result, ValidationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.conforms = False


def test_malformed_shapes_file_is_a_mapping_error_naming_it(tmp_path):
    (tmp_path / "good.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> a sh:NodeShape ; sh:path .\n")
    with pytest.raises(MappingError, match="broken.ttl"):
        load_shapes(tmp_path)


def test_no_shapes_files_is_a_mapping_error(tmp_path):
    with pytest.raises(MappingError, match="no SHACL shapes"):
        load_shapes(tmp_path)


def test_unusable_shape_is_a_mapping_error(good):
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <https://w3id.org/mdgraph/ontology#Programme> ;
            sh:property [ sh:path <urn:p> ; sh:minCount "many" ] .
    """, format="turtle")
    with pytest.raises(MappingError, match="minCount"):
        validate(good, shapes)


@pytest.mark.parametrize("text, complaint", [
    ("SELECT ?resource ?message WHERE { broken", "not a valid SPARQL query"),
    ("SELECT ?resource WHERE { ?resource ?p ?o }", "must be a SELECT of ?resource and ?message"),
    ("ASK { ?s ?p ?o }", "must be a SELECT of ?resource and ?message"),
])
def test_malformed_violation_query_is_a_query_error_naming_it(tmp_path, text, complaint):
    (tmp_path / "odd-violation.rq").write_text(text)
    with pytest.raises(QueryError, match="odd-violation.rq") as raised:
        run_qc_queries(ox.Store(), tmp_path)
    assert complaint in str(raised.value)


@pytest.mark.parametrize("start, end, violates", [
    ('"2013-11"^^xsd:gYearMonth', '"2013"^^xsd:gYear', False),
    ('"2013"^^xsd:gYear', '"2013-01-15"^^xsd:date', False),
    ('"2012"^^xsd:gYear', '"2015-06"^^xsd:gYearMonth', False),
    ('"2014"^^xsd:gYear', '"2013-05"^^xsd:gYearMonth', True),
    ('"2013-02-01"^^xsd:date', '"2013-01"^^xsd:gYearMonth', True),
    ('"2013-06-02"^^xsd:date', '"2013-06-01"^^xsd:date', True),
])
def test_dates_are_compared_on_the_precision_they_share(good, shapes, ontology, start, end, violates):
    graph = Graph()
    graph += good
    graph.update(UPDATE_PREFIXES + f"""
        DELETE {{ ?p mdg:startDate ?s ; mdg:endDate ?e }} INSERT {{ ?p mdg:startDate {start} ; mdg:endDate {end} }}
        WHERE {{ BIND (p:md-diaspora-engagement AS ?p) ?p mdg:startDate ?s ; mdg:endDate ?e }}""")
    found = {v.shape for v in validate(graph, shapes, ontology, qc_dir=QC_DIR).violations}
    expected = {SHAPES + "ProgrammeStartBeforeEnd", "start-after-end-violation"}
    assert (expected <= found) if violates else not (expected & found)
