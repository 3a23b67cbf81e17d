"""Sector resolution: GFMD thematic areas and tags through the label table, titles and
descriptions through the keyword rules, and the data file's checks."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from mdgraph.errors import MappingError
from mdgraph.model import Evidence, Mention
from mdgraph.resolve.sectors import SectorResolver, case_blind, leading_literals

ROOT = Path(__file__).resolve().parents[1]
DATA = yaml.safe_load((ROOT / "mappings" / "sectors.yaml").read_text(encoding="utf-8"))
GOLD = ROOT.parent / "shared" / "eval" / "dev_gold.json"
AT = Evidence("Thematic Area(s): ...", 12)


@pytest.fixture
def sectors() -> SectorResolver:
    return SectorResolver.from_data(DATA)


def mentions(*texts: str) -> list[Mention]:
    return [Mention(text, AT) for text in texts]


@pytest.mark.parametrize("areas, tags, expected", [
    (["Migration and Health"], [], {"health"}),
    (["Policy Coherence and Mainstreaming"], ["22Migration and Health"], {"mainstreaming-policy-coherence", "health"}),
    (["Labour migration and mobility"], ["Return and Reintegration", "Livelihood and Job Creation",
                                         "Labour-Market Matching"],
     {"labour-mobility", "return-reintegration", "employment"}),
    (["Governance of migration and coordination of dialogue"], ["Migration Management"],
     {"governance-migration-management"}),
    (["Diasporas"], ["Diaspora Empowerment and Engagement"], {"diaspora"}),
    (["Data and research«F19»"], ["Children left behind«F21»"], {"data-research", "youth-children"}),
    (["Strategies for minimising costs/maximising human development"], ["Brain Drain and Brain Gain",
                                                                         "Capacity building"], set()),
    (["Remittances, Data and research"], [], {"remittances", "data-research"}),   # two labels glued
    (["Addressing irregular migration,"], ["Skilled migration."], {"trafficking-irregular-migration"}),
    ([], ["Migration, Trade and Investments", "Youth Employment and Migration"],
     {"private-sector-entrepreneurship", "youth-children", "employment"}),
    (["THE MIGRATION AND EDUCATION"], [], {"education"}),
])
def test_labels(sectors: SectorResolver, areas, tags, expected) -> None:
    found = sectors.resolve(mentions(*areas), mentions(*tags), "", "", 0)
    assert {notation for notation, _ in found} == expected
    assert all(evidence == AT for _, evidence in found)
    assert sectors.unmapped() == []


def test_each_notation_once_with_its_first_evidence(sectors: SectorResolver) -> None:
    first, second = Evidence("Thematic Area(s): Health", 3), Evidence("Tags: Migration and Health", 4)
    found = sectors.resolve([Mention("Health", first)], [Mention("Migration and Health", second)], "", "", 0)
    assert found == [("health", first)]


def test_unknown_labels_are_reported(sectors: SectorResolver) -> None:
    found = sectors.resolve(mentions("Space tourism for migrants"), mentions("Capacity Building", "Zzz"), "", "", 0)
    assert found == []
    assert sectors.unmapped() == ["Space tourism for migrants", "Zzz"]


@pytest.mark.parametrize("title, description, expected", [
    ("Engaging the Tajik Diaspora in Development", "", {"diaspora"}),
    ("Research and Policy Dialogue Initiative on Migration and Remittances in Ukraine", "",
     {"remittances", "data-research"}),
    ("Supporting Labour Migration Management in Turkey", "", {"labour-mobility", "governance-migration-management"}),
    ("Microenterprise Development Project (MED) in Armenia", "", {"private-sector-entrepreneurship"}),
    ("Extended Migration Profile in Albania", "", {"data-research"}),
    ("Migrant Resource Centres", "", {"integration-social-cohesion"}),
    # one stray word adds nothing
    ("Support to returnees", "The programme also met some women.", {"return-reintegration"}),
    ("A project", "It helps local people.", set()),
    ("A project", "The capital has a hospital.", set()),
    # several cues, or one repeated, do
    ("A project", "Doctors and nurses from the diaspora work in hospitals. Hospitals gain skills.", {"health"}),
    ("A project", "The project grants microcredit loans to returning migrants, and loans to returnees.",
     {"finance-inclusion", "return-reintegration"}),
    # words that only support a sector add nothing on their own, however often they come
    ("A project", "Local people, local shops, local schools and local roads in the communities.", set()),
    # employment of migrant workers abroad is labour mobility
    ("Streamlining Employment of Migrant Workers", "Employment of foreign workers needs work permits.",
     {"labour-mobility"}),
    ("Youth Jobs", "Jobs and self-employment for young people in their home towns.", {"employment", "youth-children"}),
])
def test_keywords(sectors: SectorResolver, title: str, description: str, expected: set[str]) -> None:
    assert {notation for notation, _ in sectors.resolve([], [], title, description, 40)} == expected


def test_keyword_evidence_is_the_title_or_the_sentence(sectors: SectorResolver) -> None:
    description = "IOM works with the Government. Remittances and money transfers are studied in two surveys."
    found = dict(sectors.resolve([], [], "Engaging the Tajik Diaspora", description, 40))
    assert found["diaspora"] == Evidence("Engaging the Tajik Diaspora", 40)
    assert found["remittances"] == Evidence("Remittances and money transfers are studied in two surveys.", 40)
    title_line = Evidence("Project Title: Engaging the Tajik Diaspora", 7)
    found = dict(sectors.resolve([], [], "Engaging the Tajik Diaspora", "", 40, title_evidence=title_line))
    assert found["diaspora"] == title_line


def test_labels_make_keywords_stricter(sectors: SectorResolver) -> None:
    description = "Health workers and doctors return to teach."
    assert {n for n, _ in sectors.resolve([], [], "X", description, 1)} >= {"health"}
    assert {n for n, _ in sectors.resolve(mentions("Diaspora"), [], "X", description, 1)} == {"diaspora"}


@pytest.mark.skipif(not GOLD.exists(), reason="the shared reference facts are not here")
def test_every_gold_label_is_in_the_table(sectors: SectorResolver) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    for programme in gold["programmes"]:
        sectors.resolve(mentions(*programme.get("thematic_areas_verbatim") or []),
                        mentions(*programme.get("tags_verbatim") or []), "", "", 0)
    assert sectors.unmapped() == []


def _broken(change) -> dict:
    data = copy.deepcopy(DATA)
    change(data)
    return data


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("sectors"), "sectors"),
    (lambda d: d.update(colour="blue"), None),
    (lambda d: d["labels"].update({"Health": ["medicine"]}), "labels.Health"),
    (lambda d: d["labels"].update({"Health": "health"}), "labels.Health"),
    (lambda d: d["keywords"].update(medicine=[]), "keywords.medicine"),
    (lambda d: d["keywords"]["health"].append({"pattern": "(unclosed", "weight": 1}), "keywords.health[3]"),
    (lambda d: d["keywords"]["health"].append({"pattern": "x", "weight": 0}), "keywords.health[3]"),
    (lambda d: d.update(threshold="high"), "threshold"),
    (lambda d: d.update(relative=2), "relative"),
    (lambda d: d.update(yields=["employment"]), "yields"),
    (lambda d: d.update(yields={"jobs": ["labour-mobility"]}), "yields.jobs"),
    (lambda d: d.update(yields={"employment": ["travel"]}), "yields.employment"),
    (lambda d: d.update(spelling=["x"]), "spelling"),
])
def test_malformed_data_names_the_field(change, field) -> None:
    with pytest.raises(MappingError) as error:
        SectorResolver.from_data(_broken(change), "sectors.yaml")
    assert (error.value.path, error.value.field) == ("sectors.yaml", field)


def test_files(tmp_path: Path) -> None:
    assert SectorResolver.from_file(ROOT / "mappings" / "sectors.yaml").unmapped() == []
    with pytest.raises(MappingError, match="cannot read"):
        SectorResolver.from_file(tmp_path / "missing.yaml")


# --- the literal text a keyword match starts with (texts without it are not searched) -----------

@pytest.mark.parametrize(("expression", "literals"), [
    ("health ?(professionals?|workers?)|public health", ("health", "public health")),
    ("remittances?", ("remittance",)),
    ("labou?r migration|SMEs?", ("labo", "sme")),
    ("micro,? small|x[|]y|z", ("micro", "x", "z")),
    ("ab[^]|]x|yz", ("ab", "yz")),
    ("(nationals|citizens) abroad|diaspora", None),   # a group first: any text may match
    ("[ie]migrants|x", None),
    (r"\bhealth", None),
])
def test_leading_literals(expression, literals):
    assert leading_literals(expression) == literals


@pytest.mark.parametrize(("text", "folded"), [
    ("Health SMEs", "health smes"),
    ("\u212aosovo \u017fchool İnsurance ıd", "kosovo school insurance id"),  # what IGNORECASE matches too
    ("Santé “x”", "santé “x”"),
])
def test_case_blind(text, folded):
    assert case_blind(text) == folded


def test_keyword_sectors_are_the_same_with_and_without_the_literal_shortcut(sectors):
    plain = SectorResolver.from_data(DATA)
    plain._cues = tuple(dataclasses.replace(cue, literals=None) for cue in plain._cues)
    texts = [("Diaspora engagement in Moldova", "Returning MIGRANT WORKERS and \u212aosovo health ſervices. "
              "Financial İnclusion of remittance-receiving households; a HIV clinic.")]
    for title, description in texts:
        assert sectors.resolve((), (), title, description, 3) == plain.resolve((), (), title, description, 3)
