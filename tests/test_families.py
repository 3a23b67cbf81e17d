"""Documents of the three families that no extractor was written for (tests/data/families/):
made-up GFMD annexes, IOM showcase reports and briefs, each written with its reference facts
(the .json beside it, in the format of dev_gold.json) before the code was run on it. Each runs
through the real pipeline (extract_document, then resolve_document with the resolver of
mappings/) and is scored with the evaluator's own scoring, to the thresholds unseen documents
are judged by: programme recall >= 0.9, F1 >= 0.85 for countries, organisations, funders and
dates."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mdgraph.evaluate import GraphProgramme, Scores, score
from mdgraph.extract import extract_document
from mdgraph.model import Document, Programme
from mdgraph.resolve import load_resolver, resolve_document

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ROOT / "tests" / "data" / "families"
DOCUMENTS = sorted(FAMILIES.glob("*.txt"))
MIN_PROGRAMME_RECALL = 0.9
MIN_F1 = 0.85
JUDGED_FIELDS = ("countries", "organisations", "funders", "dates")


def as_graph_programmes(programmes: list[Programme], resolver, file_name: str) -> list[GraphProgramme]:
    """What the published graph would say of the programmes, as the evaluator reads it:
    organisations named by their label and alternative labels."""
    nodes = {node.key: node for node in resolver.organisations.organisations()}
    graph = []
    for programme in programmes:
        roles: dict[str, dict[str, set[str]]] = {}
        for role in ("implementers", "funders", "partners"):
            for link in getattr(programme, role):
                node = nodes[link.key]
                roles.setdefault(role[:-1], {})[link.key] = {node.label, *node.alt_labels}
        quotes = {link.evidence.quote for name in ("countries", "sectors", "implementers", "funders", "partners")
                  for link in getattr(programme, name)}
        graph.append(GraphProgramme(
            iri=programme.key, documents={file_name}, titles={programme.title, *programme.aliases},
            countries={link.key.upper() for link in programme.countries},
            sectors={link.key for link in programme.sectors},
            starts={programme.start} if programme.start else set(), ends={programme.end} if programme.end else set(),
            quotes=quotes | {programme.description}, roles=roles,
        ))
    return graph


def run_family_document(path: Path) -> Scores:
    text = path.read_text(encoding="utf-8")
    document = Document(key=path.stem, path=str(path), title=path.stem, publisher="", year=None, family="",
                        sha256=hashlib.sha256(text.encode()).hexdigest(), text=text)
    resolver = load_resolver(ROOT / "mappings")
    programmes = resolve_document(extract_document(document), resolver)
    gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return score(gold, as_graph_programmes(programmes, resolver, path.name))


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.stem for p in DOCUMENTS])
def test_unseen_document_extracts_as_well_as_the_corpus(path):
    scores = run_family_document(path)
    found = sum(f for f, _ in scores.found_by_kind.values())
    total = sum(t for _, t in scores.found_by_kind.values())
    assert found / total >= MIN_PROGRAMME_RECALL, scores.table()
    for name in JUDGED_FIELDS:
        assert scores.fields[name].f1 >= MIN_F1, f"{name}\n{scores.table()}"


def test_every_family_document_has_its_reference():
    assert DOCUMENTS
    assert all(path.with_suffix(".json").exists() for path in DOCUMENTS)
