"""Batches (batches.py) reason and validate to exactly what the whole graph gives.

The corpus, with one document copied under a second key (so a programme is named in two
documents), is assembled once as one batch and once a few programmes per batch, in worker
processes; the stores must hold the same quads and the reports the same violations. Stricter
shapes and an extra violation query make the reports non-empty, so that agreement is not
the agreement of two empty lists.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from mdgraph import batches, build
from mdgraph.batches import Checker, plan
from mdgraph.build import assemble
from mdgraph.config import Settings
from mdgraph.extract.reader import read_corpus
from mdgraph.mapping import load_rules
from mdgraph.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from mdgraph.ontology import load_ontology
from mdgraph.resolve import load_resolver
from mdgraph.validate import load_shapes

ROOT = Path(__file__).resolve().parents[1]

STRICTER_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mdg: <https://w3id.org/mdgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix test: <https://example.org/test-shapes#> .

test:ProgrammeHasFunder a sh:NodeShape ; sh:targetClass mdg:Programme ;
    sh:property [ sh:path mdg:fundedBy ; sh:minCount 1 ; sh:severity sh:Warning ] .
test:ProgrammeHasStart a sh:NodeShape ; sh:targetClass mdg:Programme ;
    sh:property [ sh:path mdg:startDate ; sh:minCount 1 ] .
test:OrganisationHasAltLabel a sh:NodeShape ; sh:targetClass mdg:Organisation ;
    sh:property [ sh:path skos:altLabel ; sh:minCount 1 ; sh:severity sh:Info ] .
test:FunderFundsOne a sh:NodeShape ; sh:targetClass mdg:Funder ;
    sh:property [ sh:path mdg:funds ; sh:qualifiedValueShape [ sh:class mdg:Programme ] ; sh:qualifiedMinCount 1 ] .
"""

MANY_COUNTRIES = """PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
SELECT ?resource ?message WHERE {
  { SELECT ?resource (COUNT(DISTINCT ?country) AS ?n) WHERE { ?resource mdg:targetsCountry ?country } GROUP BY ?resource }
  FILTER(?n > 2) BIND("targets more than two countries" AS ?message) }
"""


@pytest.mark.parametrize("keys, size, expected", [
    ([], 5, []),
    ([["a"], ["b"], ["c"]], 1, [[0], [1], [2]]),
    ([["a"], ["b"], ["c"]], 2, [[0, 1], [2]]),
    ([["a", "b"], ["c"], ["b"]], 1, [[0, 2], [1]]),            # a shared programme joins documents
    ([["a"], ["b"], ["c", "a"], ["d"]], 1, [[0, 2], [1], [3]]),
    ([[], [], ["a"], ["b"]], 1, [[0, 1, 2], [3]]),               # documents without programmes ride along
    ([["a"], ["b"], ["c"], ["d"]], 3, [[0, 1, 2], [3]]),
])
def test_plan_keeps_documents_of_a_programme_together(keys, size, expected):
    assert plan(keys, size) == expected


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batches")
    shapes_dir, qc_dir = folder / "shapes", folder / "qc"
    shutil.copytree(ROOT / "shapes", shapes_dir)
    (shapes_dir / "stricter.ttl").write_text(STRICTER_SHAPES, encoding="utf-8")
    shutil.copytree(ROOT / "queries" / "qc", qc_dir)
    (qc_dir / "many-countries-violation.rq").write_text(MANY_COUNTRIES, encoding="utf-8")
    settings = replace(Settings(), data_dir=folder / "data", shapes_dir=shapes_dir, queries_dir=folder)
    documents = read_corpus(ROOT / "corpus")
    copied = next(d for d in documents if d.key.startswith("003"))
    documents.append(replace(copied, key="follow-up-2018", path=str(folder / "follow-up-2018.txt")))
    return settings, documents


def _assembled(settings, documents, size, monkeypatch, in_workers):
    """The staged quads and the validation result, and how many batches there were."""
    monkeypatch.setattr(batches, "BATCH_PROGRAMMES", size)
    counted = []

    def counting(chosen, *args):
        counted.append(len(chosen))
        return batches.check_all(chosen, *args)

    monkeypatch.setattr(build, "check_all", counting)
    ontology = load_ontology(settings.ontology_dir)
    checker = Checker(load_rules(settings.mappings_dir / "rdf.yaml"), ontology,
                      load_shapes(settings.shapes_dir), settings.queries_dir / "qc")
    assembly, result = assemble(documents, load_resolver(settings.mappings_dir), ontology, checker,
                                settings if in_workers else None)
    ontology_graph = ox.NamedNode(str(ONTOLOGY_GRAPH))  # parsed once per run: its blank nodes differ
    return {q for q in assembly.staged if q.graph_name != ontology_graph}, result, counted[0]


def test_batches_in_workers_give_the_whole_graph_and_report(setup, monkeypatch):
    settings, documents = setup
    whole_quads, whole, one = _assembled(settings, documents, 10**9, monkeypatch, in_workers=False)
    batched_quads, batched, several = _assembled(settings, documents, 5, monkeypatch, in_workers=True)
    assert (one, several) == (1, 4)
    assert batched_quads == whole_quads
    assert any(q.graph_name == ox.NamedNode(str(INFERRED_GRAPH)) for q in whole_quads)
    assert batched.violations == whole.violations
    sources = {v.source for v in whole.violations}
    severities = {v.severity for v in whole.violations}
    assert {"shacl", "many-countries-violation"} <= sources
    assert {"Violation", "Warning", "Info"} <= severities
    assert not whole.conforms and not batched.conforms


def test_a_programme_named_in_two_documents_is_checked_in_one_batch(setup, monkeypatch):
    """With one programme per batch, the copied document still shares the original's batch,
    and that batch is the only one holding either document."""
    settings, documents = setup
    monkeypatch.setattr(batches, "BATCH_PROGRAMMES", 1)
    checked = []

    def recording(chosen, *args):
        checked.extend(chosen)
        return batches.check_all(chosen, *args)

    monkeypatch.setattr(build, "check_all", recording)
    resolver = load_resolver(settings.mappings_dir)
    ontology = load_ontology(settings.ontology_dir)
    checker = Checker(load_rules(settings.mappings_dir / "rdf.yaml"), ontology,
                      load_shapes(ROOT / "shapes"), ROOT / "queries" / "qc")
    assembly, result = assemble(documents, resolver, ontology, checker)
    assert result.conforms, result.text
    original = next(k for k in assembly.programmes if k.startswith("003"))
    shared = {p.key for p in assembly.programmes[original]} & {p.key for p in assembly.programmes["follow-up-2018"]}
    assert shared
    holding = [{facts.document["key"] for facts in batch.documents} & {original, "follow-up-2018"} for batch in checked]
    assert [keys for keys in holding if keys] == [{original, "follow-up-2018"}]
    assert len(checked) > 2  # one programme per batch did split the rest of the corpus
