"""The compiled SPARQL rules and owlrl's OWL RL closure infer the same instance triples."""

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF

from mdgraph.errors import MappingError
from mdgraph.namespaces import MDG, MDGID, SCHEMA
from mdgraph.reason import compile_rules, infer, reference_closure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "data" / "sample-instances.ttl"
REASONERS = pytest.mark.parametrize("reasoner", ["owlrl", "compiled"])


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def sample() -> Graph:
    return Graph().parse(SAMPLE, format="turtle")


@pytest.fixture(scope="module")
def closures(ontology, sample) -> dict[str, Graph]:
    """What each reasoner infers from the sample, computed once."""
    return {"owlrl": reference_closure(sample, ontology), "compiled": infer(sample, ontology)}


def scaled(graph: Graph, copies: int) -> Graph:
    """`copies` disjoint copies of the sample's programmes, organisations, documents and evidence,
    sharing the countries and sectors: a bigger graph of the same shape."""
    shared = (str(MDGID["country/"]), str(MDGID["sector"]))

    def rename(term, copy):
        if isinstance(term, URIRef) and term.startswith(str(MDGID)) and not term.startswith(shared):
            base, hash_, fragment = str(term).partition("#")
            return URIRef(f"{base}-{copy}{hash_}{fragment}")
        return term

    bigger = Graph()
    for copy in range(copies):
        for s, p, o in graph:
            bigger.add((rename(s, copy), p, rename(o, copy)))
    return bigger


def _assert_same(reference: Graph, compiled: Graph) -> None:
    only_owlrl = set(reference) - set(compiled)
    only_compiled = set(compiled) - set(reference)
    assert not only_owlrl and not only_compiled, (sorted(only_owlrl)[:10], sorted(only_compiled)[:10])


@pytest.mark.parametrize("copies", [1, 10])
def test_compiled_rules_give_the_owlrl_closure(ontology, sample, copies):
    data = scaled(sample, copies)
    reference = reference_closure(data, ontology)
    assert len(reference) > 100 * copies
    _assert_same(reference, infer(data, ontology))


P = "https://w3id.org/mdgraph/id/programme/"
O = "https://w3id.org/mdgraph/id/organisation/"


@REASONERS
@pytest.mark.parametrize("triple", [
    (URIRef(O + "sdc"), MDG.funds, URIRef(P + "md-diaspora-engagement")),
    (URIRef(O + "sdc"), RDF.type, MDG.Funder),
    (URIRef(O + "iom"), MDG.implements, URIRef(P + "al-extended-migration-profile")),
    (URIRef(O + "iom"), RDF.type, MDG.Implementer),
    (URIRef(O + "iom"), RDF.type, MDG.Partner),  # partner in the JMDI
    (URIRef(O + "who"), MDG.partnerIn, URIRef(P + "md-health-worker-migration")),
    (URIRef(O + "who"), RDF.type, MDG.Partner),
    (URIRef(O + "who"), RDF.type, SCHEMA.Organization),
    (URIRef(P + "jmdi"), SCHEMA.funder, URIRef(O + "european-commission")),
    (URIRef(P + "jmdi"), PROV.wasAttributedTo, URIRef(O + "undp")),
    (URIRef(P + "jmdi"), SCHEMA.areaServed, MDGID["country/ph"]),
    (URIRef(P + "jmdi"), DCTERMS.subject, MDGID["sector/urban-local-development"]),
    (URIRef(P + "jmdi"), RDF.type, SCHEMA.Project),
    (MDGID["country/xk"], RDF.type, SCHEMA.Country),
], ids=lambda t: f"{t[0].rsplit('/', 1)[-1]}-{t[1].n3().rsplit('/', 1)[-1]}-{t[2].rsplit('/', 1)[-1]}")
def test_expected_inferences(closures, reasoner, triple):
    assert triple in closures[reasoner]


@REASONERS
@pytest.mark.parametrize("organisation, role", [("who", MDG.Funder), ("ifad", MDG.Funder),
                                                ("sdc", MDG.Implementer), ("undp", MDG.Partner)])
def test_no_role_without_its_property(closures, reasoner, organisation, role):
    assert (URIRef(O + organisation), RDF.type, role) not in closures[reasoner]


@REASONERS
def test_only_new_instance_level_triples(ontology, sample, closures, reasoner):
    for s, p, o in closures[reasoner]:
        assert isinstance(s, URIRef) and s.startswith(str(MDGID))
        assert (s, p, o) not in sample and (s, p, o) not in ontology
        assert not (p == OWL.sameAs and s == o)
        assert not (p == RDF.type and (o == OWL.Thing or isinstance(o, BNode)))


def test_rules_are_sparql_updates_and_deterministic(ontology):
    rules = compile_rules(ontology)
    assert rules == compile_rules(ontology)
    assert all("INSERT" in rule and "WHERE" in rule for rule in rules)


# Toy ontologies for the axioms the mdgraph ontology does not use yet: the compiler must still
# agree with owlrl on them.
TOY_PREFIXES = """
@prefix ex: <https://example.org/toy#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix id: <https://w3id.org/mdgraph/id/> .
"""
EX = "https://example.org/toy#"
ID = str(MDGID)


@pytest.mark.parametrize("axioms, data, expected", [
    ("ex:near a owl:SymmetricProperty .", "id:a ex:near id:b .", (ID + "b", EX + "near", ID + "a")),
    ("ex:part a owl:TransitiveProperty .", "id:a ex:part id:b . id:b ex:part id:c . id:c ex:part id:d .",
     (ID + "a", EX + "part", ID + "d")),
    ("ex:p owl:equivalentProperty ex:q .", "id:a ex:q id:b .", (ID + "a", EX + "p", ID + "b")),
    ("ex:A owl:equivalentClass ex:B . ex:B rdfs:subClassOf ex:C .", "id:a a ex:A .",
     (ID + "a", str(RDF.type), EX + "C")),
    ("ex:Red owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:colour ; owl:hasValue ex:red ] .",
     "id:a ex:colour ex:red . id:b a ex:Red .", (ID + "b", EX + "colour", EX + "red")),
    ("ex:Parent owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:child ; owl:someValuesFrom owl:Thing ] .",
     "id:a ex:child id:b .", (ID + "a", str(RDF.type), EX + "Parent")),
    ("ex:sub rdfs:subPropertyOf ex:p . ex:p owl:inverseOf ex:q . ex:q rdfs:range ex:R .",
     "id:a ex:sub id:b .", (ID + "a", str(RDF.type), EX + "R")),
])
def test_toy_axioms_agree_with_owlrl(axioms, data, expected):
    ontology = Graph().parse(data=TOY_PREFIXES + axioms, format="turtle")
    graph = Graph().parse(data=TOY_PREFIXES + data, format="turtle")
    reference = reference_closure(graph, ontology)
    assert tuple(URIRef(t) for t in expected) in reference
    _assert_same(reference, infer(graph, ontology))


@pytest.mark.parametrize("axioms, named", [
    ("ex:p a owl:FunctionalProperty .", "owl:FunctionalProperty"),
    ("ex:p owl:propertyChainAxiom ( ex:q ex:r ) .", "owl:propertyChainAxiom"),
    ("ex:A owl:equivalentClass [ owl:unionOf ( ex:B ex:C ) ] .", "owl:unionOf"),
    ("ex:A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:allValuesFrom ex:B ] .",
     "owl:allValuesFrom"),
])
def test_untranslated_axioms_are_refused(axioms, named):
    ontology = Graph().parse(data=TOY_PREFIXES + axioms, format="turtle")
    with pytest.raises(MappingError, match=named):
        compile_rules(ontology)


@REASONERS
def test_inferred_literals_keep_their_form(sample, closures, reasoner):
    """Sub-properties of datatype properties copy the literal exactly (language tag included)."""
    evidence, quote = next(iter(sample.subject_objects(MDG.quote)))
    assert isinstance(quote, Literal) and quote.language == "en"
    assert (evidence, PROV.value, quote) in closures[reasoner]
    assert (evidence, RDF.type, PROV.Entity) in closures[reasoner]
    assert (evidence, RDF.type, ORG.Organization) not in closures[reasoner]


def test_compiled_rules_give_the_owlrl_closure_on_the_corpus(ontology):
    """The whole pipeline's asserted graph (extraction, resolution, mapping) of corpus/."""
    from mdgraph.batches import Checker
    from mdgraph.build import assemble
    from mdgraph.extract.reader import read_corpus
    from mdgraph.mapping import load_rules
    from mdgraph.resolve import load_resolver
    from mdgraph.validate import load_shapes

    checker = Checker(load_rules(ROOT / "mappings" / "rdf.yaml"), ontology, load_shapes(ROOT / "shapes"),
                      ROOT / "queries" / "qc")
    corpus, _ = assemble(read_corpus(ROOT / "corpus"), load_resolver(ROOT / "mappings"), ontology, checker)
    asserted = corpus.asserted()
    reference = reference_closure(asserted, ontology)
    assert any(reference.subjects(RDF.type, MDG.Funder))
    _assert_same(reference, infer(asserted, ontology))
