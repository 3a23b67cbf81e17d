"""The ontology and sector scheme keep the public contract (../shared/CONTRACT.md sections 2-4)."""

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib import namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, ORG

from mdgraph.namespaces import MDG, MDGID, SCHEMA
from mdgraph.reason import infer, reference_closure

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_IRI = URIRef("https://w3id.org/mdgraph/ontology")
SCHEME = MDGID["sector"]

CONTRACT_SECTORS = (
    "health", "education", "employment", "labour-mobility", "remittances", "diaspora",
    "mainstreaming-policy-coherence", "integration-social-cohesion",
    "private-sector-entrepreneurship", "data-research", "governance-migration-management",
    "rights-protection", "trafficking-irregular-migration", "return-reintegration",
    "humanitarian-crisis", "environment-climate", "agriculture", "finance-inclusion",
    "social-protection", "urban-local-development", "gender", "youth-children",
)

# Every mdg: term of the contract and of the shared extension list, with its OWL kind.
MDG_TERMS = [
    ("Programme", OWL.Class), ("Organisation", OWL.Class), ("Country", OWL.Class),
    ("Sector", OWL.Class), ("Document", OWL.Class), ("Funder", OWL.Class),
    ("Implementer", OWL.Class), ("Partner", OWL.Class), ("Evidence", OWL.Class),
    ("targetsCountry", OWL.ObjectProperty), ("hasSector", OWL.ObjectProperty),
    ("implementedBy", OWL.ObjectProperty), ("implements", OWL.ObjectProperty),
    ("fundedBy", OWL.ObjectProperty), ("funds", OWL.ObjectProperty),
    ("hasPartner", OWL.ObjectProperty), ("partnerIn", OWL.ObjectProperty),
    ("implementingUnit", OWL.ObjectProperty), ("basedIn", OWL.ObjectProperty),
    ("startDate", OWL.DatatypeProperty), ("endDate", OWL.DatatypeProperty),
    ("noCountryReason", OWL.DatatypeProperty), ("extractedAs", OWL.DatatypeProperty),
    ("organisationType", OWL.DatatypeProperty), ("documentFamily", OWL.DatatypeProperty),
    ("sha256", OWL.DatatypeProperty), ("quote", OWL.DatatypeProperty), ("line", OWL.DatatypeProperty),
    ("ISO3166Alpha2", RDFS.Datatype), ("PartialDate", RDFS.Datatype),
]

# Terms of other vocabularies the contract uses: declared, with a note on how mdgraph uses them.
EXTERNAL_TERMS = [RDFS.label, SKOS.altLabel, SKOS.notation, SKOS.inScheme, PROV.wasDerivedFrom,
                  DCTERMS.title, SKOS.exactMatch, SKOS.closeMatch, ORG.unitOf, FOAF.page]

ALIGNMENTS = [
    (MDG.Programme, RDFS.subClassOf, SCHEMA.Project), (MDG.Programme, RDFS.subClassOf, PROV.Entity),
    (MDG.Organisation, RDFS.subClassOf, ORG.Organization),
    (MDG.Organisation, RDFS.subClassOf, SCHEMA.Organization),
    (MDG.Organisation, RDFS.subClassOf, FOAF.Organization),
    (MDG.Country, RDFS.subClassOf, SCHEMA.Country), (MDG.Sector, RDFS.subClassOf, SKOS.Concept),
    (MDG.Document, RDFS.subClassOf, FOAF.Document), (MDG.Document, RDFS.subClassOf, PROV.Entity),
    (MDG.Funder, RDFS.subClassOf, MDG.Organisation), (MDG.Implementer, RDFS.subClassOf, MDG.Organisation),
    (MDG.Partner, RDFS.subClassOf, MDG.Organisation), (MDG.Evidence, RDFS.subClassOf, RDF.Statement),
    (MDG.fundedBy, RDFS.subPropertyOf, SCHEMA.funder),
    (MDG.implementedBy, RDFS.subPropertyOf, PROV.wasAttributedTo),
    (MDG.targetsCountry, RDFS.subPropertyOf, SCHEMA.areaServed),
    (MDG.hasSector, RDFS.subPropertyOf, DCTERMS.subject),
    (MDG.quote, RDFS.subPropertyOf, PROV.value),
]


def _load(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(ROOT / "ontology" / name, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _load("mdgraph.ttl", "sectors.ttl")


def _english(graph: Graph, subject, predicate) -> list[str]:
    return [str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == "en"]


def test_ontology_metadata(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (OWL.versionInfo, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert _english(ontology, ONTOLOGY_IRI, DCTERMS.title)
    description = " ".join(_english(ontology, ONTOLOGY_IRI, DCTERMS.description))
    assert "mdg:Evidence" in description and "rdf:subject" in description  # the provenance pattern


@pytest.mark.parametrize("name, kind", MDG_TERMS)
def test_every_term_is_declared_labelled_and_defined(ontology, name, kind):
    term = MDG[name]
    assert (term, RDF.type, kind) in ontology
    assert len(_english(ontology, term, RDFS.label)) == 1
    assert _english(ontology, term, SKOS.definition)


def test_no_undeclared_mdg_term_is_used(ontology):
    declared = {MDG[name] for name, _ in MDG_TERMS}
    used = {t for triple in ontology for t in triple if isinstance(t, URIRef) and t.startswith(str(MDG))}
    assert used <= declared


@pytest.mark.parametrize("term", EXTERNAL_TERMS, ids=lambda t: t.n3().strip("<>").rsplit("/", 1)[-1])
def test_external_contract_terms_are_declared_with_a_usage_note(ontology, term):
    assert ontology.value(term, RDF.type) is not None
    assert _english(ontology, term, SKOS.scopeNote)


@pytest.mark.parametrize("triple", ALIGNMENTS, ids=lambda t: f"{t[0].fragment}-{t[2].n3()}")
def test_alignment_axioms(ontology, triple):
    assert triple in ontology


def test_dates_are_not_schema_dates_and_funding_is_not_foaf(ontology):
    for date in (MDG.startDate, MDG.endDate):
        assert not set(ontology.objects(date, RDFS.subPropertyOf))
    assert not any(FOAF.fundedBy in triple for triple in ontology)


@pytest.mark.parametrize("prop, inverse", [(MDG.implementedBy, MDG.implements),
                                           (MDG.fundedBy, MDG.funds), (MDG.hasPartner, MDG.partnerIn)])
def test_role_properties_have_inverses(ontology, prop, inverse):
    assert (prop, OWL.inverseOf, inverse) in ontology or (inverse, OWL.inverseOf, prop) in ontology


@pytest.mark.parametrize("role, prop", [(MDG.Funder, MDG.funds), (MDG.Implementer, MDG.implements),
                                        (MDG.Partner, MDG.partnerIn)])
def test_roles_are_defined_by_a_some_values_from_restriction(ontology, role, prop):
    restriction = ontology.value(role, OWL.equivalentClass)
    assert isinstance(restriction, BNode)
    assert ontology.value(restriction, OWL.onProperty) == prop
    assert ontology.value(restriction, OWL.someValuesFrom) == MDG.Programme


def test_country_code_datatype_is_a_restricted_string(ontology):
    definition = ontology.value(MDG.ISO3166Alpha2, OWL.equivalentClass)
    assert ontology.value(definition, OWL.onDatatype) == namespace.XSD.string
    facets = Collection(ontology, ontology.value(definition, OWL.withRestrictions))
    assert [str(ontology.value(facet, namespace.XSD.pattern)) for facet in facets] == ["[A-Z]{2}"]


def test_sector_scheme_has_exactly_the_contract_notations(ontology):
    sectors = set(ontology.subjects(RDF.type, MDG.Sector))
    notations = {str(ontology.value(s, SKOS.notation)) for s in sectors}
    assert notations == set(CONTRACT_SECTORS)
    assert len(sectors) == 22
    assert set(ontology.objects(SCHEME, SKOS.hasTopConcept)) == sectors
    assert (SCHEME, RDF.type, SKOS.ConceptScheme) in ontology
    assert _english(ontology, SCHEME, SKOS.prefLabel) and _english(ontology, SCHEME, DCTERMS.title)


@pytest.mark.parametrize("notation", CONTRACT_SECTORS)
def test_each_sector_concept(ontology, notation):
    sector = MDGID[f"sector/{notation}"]
    assert {MDG.Sector, SKOS.Concept} <= set(ontology.objects(sector, RDF.type))
    assert ontology.value(sector, SKOS.notation) == Literal(notation)  # a plain literal
    assert len(_english(ontology, sector, SKOS.prefLabel)) == 1
    assert _english(ontology, sector, SKOS.definition)
    assert (sector, SKOS.inScheme, SCHEME) in ontology
    assert (sector, SKOS.topConceptOf, SCHEME) in ontology


CRS = "https://iatistandard.org/en/iati-standard/203/codelists/sector/#"
DAC3 = "https://iatistandard.org/en/iati-standard/203/codelists/sectorcategory/#"


@pytest.mark.parametrize("notation, code", [
    ("governance-migration-management", CRS + "15190"), ("remittances", CRS + "24050"),
    ("data-research", CRS + "13096"), ("social-protection", CRS + "16010"),
    ("employment", CRS + "16020"), ("health", DAC3 + "121"), ("health", DAC3 + "122"),
    ("education", DAC3 + "111"), ("education", DAC3 + "114"), ("rights-protection", CRS + "15160"),
    ("gender", CRS + "15170"),
])
def test_sectors_match_dac_crs_codes(ontology, notation, code):
    assert (MDGID[f"sector/{notation}"], SKOS.closeMatch, URIRef(code)) in ontology


def test_every_matched_code_names_its_code(ontology):
    for predicate in (SKOS.closeMatch, SKOS.exactMatch, SKOS.broadMatch):
        for code in ontology.objects(None, predicate):
            assert str(code).startswith((CRS, DAC3))
            assert str(ontology.value(code, SKOS.notation)) == str(code).rpartition("#")[2]


TINY = """
@prefix mdg: <https://w3id.org/mdgraph/ontology#> .
<https://w3id.org/mdgraph/id/programme/p> a mdg:Programme ;
    mdg:fundedBy <https://w3id.org/mdgraph/id/organisation/donor> ;
    mdg:implementedBy <https://w3id.org/mdgraph/id/organisation/agency> ;
    mdg:hasPartner <https://w3id.org/mdgraph/id/organisation/ngo> .
"""


@pytest.mark.parametrize("reasoner", [reference_closure, infer], ids=["owlrl", "compiled"])
@pytest.mark.parametrize("organisation, role", [("donor", MDG.Funder), ("agency", MDG.Implementer),
                                                ("ngo", MDG.Partner)])
def test_reasoning_infers_roles(ontology, reasoner, organisation, role):
    data = Graph().parse(data=TINY, format="turtle")
    inferred = reasoner(data, ontology)
    node = MDGID[f"organisation/{organisation}"]
    assert (node, RDF.type, role) in inferred
    assert (node, RDF.type, MDG.Organisation) in inferred
    assert (node, RDF.type, ORG.Organization) in inferred
