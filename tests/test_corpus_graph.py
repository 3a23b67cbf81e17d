"""The graph built from the project's corpus: determinism, conformance, the named queries'
answers, the reasoning path against owlrl, and publishing only what conforms."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from rdflib import BNode
from rdflib.compare import isomorphic

from mdgraph.build import build, compile_graph
from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.service import Service

MD = "https://w3id.org/mdgraph/id/"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    data_dir = tmp_path_factory.mktemp("published")
    return replace(Settings.from_env({}), data_dir=data_dir)


@pytest.fixture(scope="module")
def report(settings):
    return build(settings)


@pytest.fixture(scope="module")
def service(settings, report):
    service = Service(settings, query_workers=1)
    yield service
    service.close()


def rows(service: Service, name: str, **params: str) -> list[dict[str, str]]:
    result = service.run_named(name, params) if name.isidentifier() or "-" in name else None
    data = json.loads(result.serialise("application/sparql-results+json"))
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_the_corpus_builds_conforms_and_is_published(report):
    assert report.published and report.conforms, report.validation and report.validation.text
    assert report.documents == 5
    assert report.programmes >= 85
    assert "published to" in report.summary()


def test_build_is_deterministic(settings):
    """Same input, same triples and IRIs; blank nodes exist only in the ontology's axioms,
    where each build's graph is the same up to their names."""
    first, _ = compile_graph(settings)
    second, _ = compile_graph(settings)
    names = set(first.graph_names())
    assert names == set(second.graph_names())
    for name in names:
        one, other = first.graph(name), second.graph(name)
        if name.endswith("/ontology"):
            assert isomorphic(one, other)
        else:
            assert not any(isinstance(term, BNode) for triple in one for term in triple), name
            assert set(one) == set(other), name


def test_which_iom_programmes_target_health_in_moldova(service):
    """The honest answer is "none", and the graph shows both halves of why."""
    answer = rows(service, "organisation-sector-country", organisation=MD + "organisation/iom",
                  sector=MD + "sector/health", country=MD + "country/md")
    by_match = {}
    for row in answer:
        by_match.setdefault(row["match"][0], []).append(row)
    assert "1" not in by_match
    health_in_moldova = {row["title"] for row in by_match["2"]}
    assert "Better managing the mobility of health professionals in the Republic of Moldova" in health_in_moldova
    [health_project] = [r for r in by_match["2"] if r["title"].startswith("Better managing")]
    assert "European Commission" in health_project["organisations"]
    assert "World Health Organization" in health_project["organisations"]
    iom_in_moldova = " | ".join(row["title"] + " " + row["sectors"] for row in by_match["3"])
    assert "Diaspora" in iom_in_moldova
    assert "mainstreaming" in iom_in_moldova.lower()
    assert "Migration Profile" in iom_in_moldova


def test_programmes_by_country(service):
    titles = {row["title"] for row in rows(service, "programmes-by-country", country=MD + "country/xk")}
    assert any("DEED" in t for t in titles)
    assert any("Micro, Small, and Medium Enterprises" in t for t in titles)


def test_programmes_by_sector(service):
    titles = {row["title"] for row in rows(service, "programmes-by-sector", sector=MD + "sector/remittances")}
    assert "Three for One (Trés por Uno) Program" in titles


def test_programmes_by_organisation_include_its_offices(service):
    answer = rows(service, "programmes-by-organisation", organisation=MD + "organisation/iom")
    roles = {(row["title"], row["role"]) for row in answer}
    assert ("Engaging the Tajik Diaspora in Development", "implementer") in roles
    assert ("Engaging the Tajik Diaspora in Development", "implementing office") in roles


def test_who_funds_what_where(service):
    answer = rows(service, "who-funds-what-where")
    pairs = {(row["funderLabel"], row["title"]) for row in answer}
    assert ("Ministry for Foreign Affairs of Finland",
            "Diaspora Engagement for Economic Development (DEED) in Kosovo*") in pairs


def test_three_w_matrix(service):
    cells = rows(service, "three-w-matrix")
    assert cells and all(int(cell["programmes"]) >= 1 for cell in cells)
    assert any(cell["organisationLabel"] == "International Organization for Migration"
               and cell["countryLabel"] == "Kosovo" for cell in cells)


def test_programmes_in_a_year(service):
    in_1998 = {row["title"] for row in rows(service, "programmes-in-year", year="1998")}
    assert "Microenterprise Development Project (MED) in Armenia" in in_1998
    in_2015 = {row["title"] for row in rows(service, "programmes-in-year", year="2015")}
    assert "Microenterprise Development Project (MED) in Armenia" in in_2015
    assert "Engaging the Tajik Diaspora in Development" not in in_2015


def test_partners_of_an_organisation(service):
    partners = {row["partnerLabel"] for row in rows(service, "partners-of-organisation",
                                                     organisation=MD + "organisation/iom")}
    assert "United Nations Development Programme" in partners
    assert "International Organization for Migration" not in partners


def test_every_link_of_a_programme_has_its_quote(service):
    programme = MD + "programme/better-managing-the-mobility-of-health-professionals-in-the-republic-of-moldova"
    quotes = rows(service, "programme-quotes", programme=programme)
    by_property = {}
    for row in quotes:
        by_property.setdefault(row["property"].rsplit("#", 1)[1], []).append(row)
    assert {"targetsCountry", "hasSector", "hasPartner"} <= set(by_property)
    assert any("Republic of Moldova" in row["quote"] for row in by_property["targetsCountry"])
    assert all(row["document"].endswith("001-bb497e209f5cb847") for row in quotes)


def test_a_non_conforming_build_leaves_the_last_good_graph(settings, service, tmp_path):
    """A rule the graph breaks (a test-only shape: real defects are kept out by extraction)."""
    before = service.store.count()
    shapes = tmp_path / "shapes"
    shutil.copytree(PROJECT_ROOT / "shapes", shapes)
    (shapes / "zz-test.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix mdg: <https://w3id.org/mdgraph/ontology#> .\n"
        "<urn:test:NoProgrammeEnds> a sh:NodeShape ; sh:targetClass mdg:Programme ;\n"
        "  sh:property [ sh:path mdg:endDate ; sh:maxCount 0 ; sh:message \"a test rule: no programme ends\" ] .\n")
    report = build(replace(settings, shapes_dir=shapes))
    assert not report.published and not report.conforms
    assert any(v.message == "a test rule: no programme ends" for v in report.validation.violations)
    assert service.store.count() == before
