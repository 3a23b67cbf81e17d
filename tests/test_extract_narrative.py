"""Programmes named only in running text: the name helpers, made-up passages holding each
case (tests/data/narrative/), and the corpus, where a spurious programme is worse than a
missed one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mdgraph.extract.narrative import extract_narrative_programmes
from mdgraph.extract.project_sheet import extract_project_sheets
from mdgraph.extract.prose import acronym_fits, defined_acronyms, make_passage, passage_sentences, vocabulary
from mdgraph.extract.text import find_countries
from mdgraph.model import NARRATIVE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "narrative"
CORPUS = ROOT / "corpus"
ANNEX_TITLE = re.compile(r"^\s*Title(?: of M&D Policy or Practice)?\s*:\s*(.*)$")


def corpus_text(prefix: str) -> str:
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def texts(mentions) -> list[str]:
    return [mention.text for mention in mentions]


def known_names(text: str) -> list[str]:
    """What the pipeline passes: the titles and aliases of the structured entries (annex
    titles, read here straight from their label lines or the line after, and project sheets)."""
    lines = text.split("\n")
    names = []
    for index, line in enumerate(lines):
        match = ANNEX_TITLE.match(line)
        if match:
            following = [rest.strip() for rest in lines[index + 1: index + 4] if rest.strip()]
            names.append(match.group(1).strip() or (following[0] if following else ""))
    return names + [n for r in extract_project_sheets("doc", text) for n in (r.title, *r.aliases)]


# --- helpers ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("acronym", "name", "fits"), [
    ("EU-BK", "EU-Beautiful Kosovo* Programme Phase II", True),
    ("MiGOF", "Migration Governance Operational Framework", True),
    ("PPA", "Public Private Alliance for Fair and Ethical Recruitment", True),
    ("CMBA", "Consolidation of Migration and Border Management Capacities in Azerbaijan", True),
    ("MSMEs", "Micro, Small, and Medium-sized Enterprises", True),
    ("PPA", "Promoting Decent Work Opportunities and Protection of Migrant Workers in Albania", False),
    ("UNPF", "Republic of Moldova Partnership Framework", False),
    ("MIDA", "Migration for development in Africa", False),
])
def test_acronym_fits(acronym, name, fits):
    assert acronym_fits(acronym, name) is fits


@pytest.mark.parametrize(("text", "expected"), [
    ("The Regional Migration Programme (RMP) implemented", [("Regional Migration Programme", "RMP")]),
    ("in line with the International Recruitment Integrity System (IRIS) and",
     [("International Recruitment Integrity System", "IRIS")]),
    ("by Micro, Small, and Medium-sized Enterprises (MSMEs) to upscale",
     [("Micro, Small, and Medium-sized Enterprises", "MSMEs")]),
    ("within the 2030 Agenda (for Sustainable Development)", []),
])
def test_defined_acronyms(text, expected):
    assert [(name, acronym) for name, acronym, _ in defined_acronyms(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Kosovo*, Papua New Guinea and Guinea-Bissau", ["Kosovo*", "Papua New Guinea", "Guinea-Bissau"]),
    ("returnees in Benin City and Benin", ["Benin"]),
    ("the Philippines, the Russian Federation, Turkey", ["Philippines", "Russian Federation", "Turkey"]),
    ("teaching at Mali's university", ["Mali"]),
    ("Western Balkans, South Caucasus, Central Asia", []),
])
def test_find_countries(text, expected):
    assert [name for name, _ in find_countries(text)] == expected


def test_passage_keeps_lines_and_joins_soft_hyphens():
    passage = make_passage([(3, "funded by the Department for Internation-"), (4, ""), (5, "al Development (DFID)."),
                            (6, "7"), (7, "THE DEED PROJECT"), (8, "The co-"), (9, "funded project ended.")])
    assert passage.text == ("funded by the Department for International Development (DFID). THE DEED PROJECT "
                            "The co-funded project ended.")
    assert passage.line_of(passage.text.index("al Development") - 10) == 3
    assert passage.line_of(passage.text.index("Development")) == 5
    assert [passage.text[s:e].strip() for s, e in passage_sentences(passage)] == [
        "funded by the Department for International Development (DFID).", "THE DEED PROJECT",
        "The co-funded project ended."]


def test_line_end_hyphens_are_kept_when_the_document_writes_the_first_part_alone():
    document = "It is already done.\nThe tradi-\ntional mill, already-\nfunctioning, Internation-\nal Development"
    lines = list(enumerate(document.split("\n")[1:], 2))
    assert make_passage(lines, words=vocabulary(document)).text == (
        "The traditional mill, already-functioning, International Development")


# --- made-up passages ---------------------------------------------------------------------------

def record_facts(record) -> dict:
    return {
        "title": record.title, "aliases": list(record.aliases), "countries": texts(record.countries),
        "implementers": texts(record.implementers), "funders": texts(record.funders),
        "partners": texts(record.partners), "start": record.start, "end": record.end,
        "evidence_line": record.evidence.line,
    }


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda path: path.stem)
def test_made_up_passages(path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    records = extract_narrative_programmes(path.stem, path.read_text(encoding="utf-8"), expected["known_names"])
    assert [record_facts(r) for r in records] == expected["records"]
    assert all(r.family == NARRATIVE and r.description for r in records)


def test_evidence_quotes_the_sentence_that_names_the_programme():
    text = "Intro.\n\nThe International Recruitment Integrity System (IRIS) is a new\nframework. Through IRIS, IOM hopes.\n"
    [record] = extract_narrative_programmes("doc", text)
    assert record.evidence.quote == "The International Recruitment Integrity System (IRIS) is a new framework."
    assert record.evidence.line == 3
    assert texts(record.implementers) == ["IOM"]
    assert record.implementers[0].evidence.quote == "Through IRIS, IOM hopes."


# --- the corpus ---------------------------------------------------------------------------------

CORPUS_NARRATIVE = {
    "000": [],
    "001": ["Migration for development in Africa", "Franco-Malian co-development framework",
            "Transfer of Knowledge through Expatriate Nationals", "Mobilization of Moroccans Living Abroad"],
    "002": [],
    "003": ["Extended Migration Profile", "My JMDI Toolbox", "EU-BK Phase I",
            "Almaty Process on Refugee Protection and International Migration",
            "International Recruitment Integrity System", "Extended Migration Profile in Albania",
            "Public Private Alliance for Fair and Ethical Recruitment"],
    "004": ["Joint Migration and Development Initiative"],
}


@pytest.mark.parametrize("prefix", sorted(CORPUS_NARRATIVE))
def test_corpus_narrative_programmes(prefix):
    text = corpus_text(prefix)
    known = known_names(text)
    records = extract_narrative_programmes(prefix, text, known)
    assert [r.title for r in records] == CORPUS_NARRATIVE[prefix]
    assert not {r.title.lower() for r in records} & {k.lower() for k in known}


def test_corpus_004_joint_migration_and_development_initiative():
    [record] = extract_narrative_programmes("004", corpus_text("004"))
    assert texts(record.countries) == ["Egypt", "Georgia", "Sri Lanka", "Tunisia", "Philippines", "Morocco"]
    assert texts(record.implementers) == ["UN Development Programme"]
    assert texts(record.partners) == ["IOM"]
    assert record.evidence.line == 236


def test_corpus_003_dates_and_aliases():
    text = corpus_text("003")
    records = {r.title: r for r in extract_narrative_programmes("003", text, known_names(text))}
    assert (records["EU-BK Phase I"].start, records["EU-BK Phase I"].end) == ("2011", "2013")
    assert records["Almaty Process on Refugee Protection and International Migration"].start == "2013-06"
    assert records["Extended Migration Profile"].aliases == ("EMP",)
    assert texts(records["Extended Migration Profile"].funders) == ["EU"]
    assert (records["Extended Migration Profile"].start, records["Extended Migration Profile"].end) == (None, None)
    assert texts(records["Extended Migration Profile in Albania"].countries) == ["Albania"]
