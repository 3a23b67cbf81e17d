"""IOM project sheets: the list and name helpers they rest on, made-up sheets holding each
variation new showcase reports bring (tests/data/project_sheet/), and the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdgraph.extract.project_sheet import block_lines, extract_project_sheets, looks_like_project_sheets
from mdgraph.extract.names import is_generic_name, organisation_list
from mdgraph.extract.prose import roles_in_sentence
from mdgraph.model import PROJECT_SHEET

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "project_sheet"
CORPUS = ROOT / "corpus"


def corpus_text(prefix: str) -> str:
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def texts(mentions) -> list[str]:
    return [mention.text for mention in mentions]


def sheet(**fields: str) -> str:
    """A one-block document; `fields` replace the default field values."""
    values = {"title": "Youth Jobs", "mission": "IOM Kyiv, Ukraine", "donor": "IOM Development Fund (IDF)",
              "timeframe": "2015", **fields}
    return (f"Project Title: {values['title']}\nMission: {values['mission']}\n"
            f"Donor: {values['donor']}\nTimeframe: {values['timeframe']}\n")


# --- helpers ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("UNDP, the Ministry of Diaspora (MOD) and the Ministry of Trade and Industry of Kosovo*, is an",
     ["UNDP", "Ministry of Diaspora (MOD)", "Ministry of Trade and Industry of Kosovo*"]),
    ("governments and international organizations – UNHCR, UNDP, WHO, OCHA – on building capacities",
     ["UNHCR", "UNDP", "WHO", "OCHA"]),
    ("the Ministry of Labour, Health and Social Affairs (MoLHSA) and its Social Service Agency (SSA), "
     "the Ministry of Justice of Georgia, acting as a Secretariat to the State Commission (SCMI), and its "
     "Public Service Development Agency (PSDA).",
     ["Ministry of Labour, Health and Social Affairs (MoLHSA)", "Social Service Agency (SSA)",
      "Ministry of Justice of Georgia", "Public Service Development Agency (PSDA)"]),
    ("IOM, UN Women and the World Bank exemplified", ["IOM", "UN Women", "World Bank"]),
    ("the Academy of Public Governance under the Presidential Administration of the Kyrgyz Republic. IOM",
     ["Academy of Public Governance under the Presidential Administration of the Kyrgyz Republic"]),
    ("the Directorate General for Migration Management (DGMM) of the Ministry of Interior",
     ["Directorate General for Migration Management (DGMM)"]),
    ("ILO in Ukraine and Moldova", ["ILO"]),
    ("two employment centres in Bishkek and Osh", []),
    ("the Turkish stakeholders to systematize", []),
    ("government and non-governmental organizations, for over two decades.", []),
])
def test_organisation_list(text, expected):
    assert [name for name, _ in organisation_list(text)] == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Together, IOM and UNDP are implementing a four-year programme.",
     [("implementer", "IOM"), ("implementer", "UNDP")]),
    ("The programme implemented in three countries by IOM, UN Women and the World Bank exemplified it.",
     [("implementer", "IOM"), ("implementer", "UN Women"), ("implementer", "World Bank")]),
    ("The project is implemented jointly with UNDP.", [("implementer", "UNDP")]),
    ("IOM Ukraine is assisting the Ukrainian Government in developing policies.",
     [("partner", "Ukrainian Government")]),
    ("The project provided substantial assistance to the Government of Tajikistan (GoT) in 2014.",
     [("partner", "Government of Tajikistan (GoT)")]),
    ("In Kyrgyzstan, RMP assisted the Government with its strategy.", [("partner", "Government of Kyrgyzstan")]),
    ("RMP assisted the Government with its strategy.", [("partner", "Government")]),  # whose: the resolver's call
    ("The project was directly implemented with the Ministry of Labour and Social Security (MOLSS) as the "
     "main beneficiary in cooperation with the Directorate General for Migration Management (DGMM).",
     [("partner", "Ministry of Labour and Social Security (MOLSS)"),
      ("partner", "Directorate General for Migration Management (DGMM)")]),
    ("The activity is carried out under the EU funded and BP co-funded project.",
     [("funder", "EU"), ("funder", "BP")]),
    ("The network is co-chaired by IOM and UNHCR since 2007.", [("partner", "IOM"), ("partner", "UNHCR")]),
    ("Within this programme IOM cooperates with the following five Social Enterprise Implementing Partners:",
     []),
])
def test_roles_in_sentence(sentence, expected):
    assert [(mention.role, mention.name) for mention in roles_in_sentence(sentence)] == expected


@pytest.mark.parametrize(("name", "generic"), [
    ("Government", False), ("The Government", False), ("National Government", False), ("Governments", True),
    ("Ministry", True),
    ("Social Enterprise Implementing Partners", True), ("Ukrainian Government", False),
    ("Kyrgyz Government", False), ("Government of Albania", False), ("UNDP", False),
])
def test_is_generic_name(name, generic):
    assert is_generic_name(name) is generic


# --- field values -------------------------------------------------------------------------------

@pytest.mark.parametrize(("donor", "expected"), [
    ("The European Union, BP (co-funder)", ["European Union", "BP"]),
    ("The European Union and the Ministry of Trade and Industry (MTI)\n   in Kosovo*",
     ["European Union", "Ministry of Trade and Industry (MTI) in Kosovo*"]),
    ("United Kingdom, Department for International Development (DFID)",
     ["United Kingdom, Department for International Development (DFID)"]),
    ("Federal Office for Migration, Switzerland", ["Federal Office for Migration, Switzerland"]),
    ("US Bureau of Population, Refugees and Migration,\n   Government of the United States (PRM USA) with seed "
     "funding\n   from the Government of Kazakhstan",
     ["US Bureau of Population, Refugees and Migration, Government of the United States (PRM USA)",
      "Government of Kazakhstan"]),
    ("IOM Development Fund (IDF) , The European Union, Department for\n   International Development (DFID)",
     ["IOM Development Fund (IDF)", "European Union", "Department for International Development (DFID)"]),
    ("Multiple donors through seed funding", []),
    ("Various", []),
    ("Private Sector Foundation of Ghana", ["Private Sector Foundation of Ghana"]),
    ("United Kingdom", ["United Kingdom"]),
])
def test_donor_line_gives_one_funder_per_organisation(donor, expected):
    [record] = extract_project_sheets("doc", sheet(donor=donor))
    assert texts(record.funders) == expected


@pytest.mark.parametrize(("mission", "units", "countries"), [
    ("IOM Bishkek, Kyrgyzstan; IOM Belgrade, Serbia;\n   IOM Chisinau, Republic of Moldova",
     ["IOM Bishkek, Kyrgyzstan", "IOM Belgrade, Serbia", "IOM Chisinau, Republic of Moldova"],
     ["Kyrgyzstan", "Serbia", "Republic of Moldova"]),
    ("IOM sub-regional office for Central Asia, Astana, Kazakhstan",
     ["IOM sub-regional office for Central Asia, Astana, Kazakhstan"], ["Kazakhstan"]),
    ("IOM El Salvador", ["IOM El Salvador"], ["El Salvador"]),
    ("IOM Tirana, Albania and IOM Skopje, North Macedonia",
     ["IOM Tirana, Albania", "IOM Skopje, North Macedonia"], ["Albania", "North Macedonia"]),
    ("Russian Federation, Tajikistan, Kyrgyzstan, Kazakhstan", [],
     ["Russian Federation", "Tajikistan", "Kyrgyzstan", "Kazakhstan"]),
    ("Wester Balkans, South Caucasus, Central Asia, Russian Federation,\n   Moldova", [],
     ["Russian Federation", "Moldova"]),
    ("IOM Pristina, Kosovo*", ["IOM Pristina, Kosovo*"], ["Kosovo*"]),
    ("IOM  Podgorica, Montenegro", ["IOM Podgorica, Montenegro"], ["Montenegro"]),
])
def test_mission_gives_units_countries_and_iom(mission, units, countries):
    [record] = extract_project_sheets("doc", sheet(mission=mission))
    assert texts(record.units) == units
    assert texts(record.countries) == countries
    assert texts(record.implementers) == ["International Organization for Migration"]
    assert record.implementers[0].evidence.quote.startswith("Mission: ")


@pytest.mark.parametrize(("timeframe", "start", "end"), [
    ("February 2014—January 2018", "2014-02", "2018-01"),
    ("January 2014 – December 2016", "2014-01", "2016-12"),
    ("1997—Present (Open-ended)", "1997", None),
    ("2012–Ongoing", "2012", None),
    ("Ongoing", None, None),
    ("2013-2015", "2013", "2015"),
    ("During the last two decades and on-going", None, None),
])
def test_timeframe(timeframe, start, end):
    [record] = extract_project_sheets("doc", sheet(timeframe=timeframe))
    assert (record.start, record.end) == (start, end)
    assert record.timeframe is not None and record.timeframe.line == 4


def test_evidence_is_the_field_as_written_with_its_line():
    text = "Intro line.\n\n" + sheet(title="Supporting Labour\n   Migration in Turkey", mission="IOM Ankara, Turkey",
                                     donor="United Kingdom")
    [record] = extract_project_sheets("doc", text)
    assert record.family == PROJECT_SHEET
    assert record.title == "Supporting Labour Migration in Turkey"
    assert record.evidence.line == 3
    assert record.funders[0].evidence.quote == "Donor: United Kingdom"
    assert record.funders[0].evidence.line == 6
    assert block_lines(text) == {3, 4, 5, 6, 7}


def test_repeated_blocks_are_one_project_even_when_a_page_cuts_the_timeframe():
    text = sheet(title="Youth\n   Jobs") + "\nPage prose.\n\n" + "\n".join(sheet().split("\n")[:3]) \
        + "\n\n" + sheet(timeframe="2016") + "\n" + sheet(donor="The European Union")
    records = extract_project_sheets("doc", text)
    assert [(r.title, r.start) for r in records] == [("Youth Jobs", "2015"), ("Youth Jobs", "2016")]
    assert texts(records[0].funders) == ["IOM Development Fund (IDF)", "European Union"]


# --- made-up documents --------------------------------------------------------------------------

def record_facts(record) -> dict:
    return {
        "title": record.title, "aliases": list(record.aliases), "countries": texts(record.countries),
        "units": texts(record.units), "implementers": texts(record.implementers),
        "funders": texts(record.funders), "partners": texts(record.partners),
        "start": record.start, "end": record.end, "evidence_line": record.evidence.line,
    }


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda path: path.stem)
def test_made_up_sheets(path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    assert looks_like_project_sheets(text) is expected["looks_like_project_sheets"]
    assert [record_facts(r) for r in extract_project_sheets(path.stem, text)] == expected["records"]


# --- the corpus ---------------------------------------------------------------------------------

CORPUS_003 = [  # title (start), start, end: one row per project of the IOM showcase report
    ("Global Joint Programme on Mainstreaming Migration into National Development Strategies", "2014-02", "2018-01"),
    ("Research and Policy Dialogue Initiative on Migration and Remittances in Ukraine", "2013-08", "2016-02"),
    ("Engaging the Tajik Diaspora in Development", "2013-08", "2014-11"),
    ("Diaspora Engagement for Economic Development (DEED) in Kosovo*", "2014-07", "2016-06"),
    ("Harnessing the Positive Impact of Albanian Migration for the Development of Albania", "2015-09", "2016-11"),
    ("Support to Micro, Small, and Medium Enterprises in Kosovo* (MSMEs Grants Programme)", "2014-02", "2016-07"),
    ("Microenterprise Development Project (MED) in Armenia", "1997", None),
    ("EU-Beautiful Kosovo* Programme Phase II: Poverty Reduction", "2013-12", "2016-06"),
    ("Socioeconomic Integration through Social Enterprise Development", "2014-06", "2016-06"),
    ("Assisting Mine Survivors Residing in Conflict Affected Rural Areas", "2014-02", "2016-07"),
    ("Regional Migration Programme, DFID Central Asia", "2010-03", "2015-08"),
    ("Addressing Mixed Migration Flows through Capacity building in Central Asia", "2014-10", "2016-09"),
    ("Promoting Decent Work Opportunities and Protection of Migrant Workers in Albania", "2015-01", "2016-06"),
    ("Piloting Temporary Labour Migration of Georgian Workers to Poland and Estonia", "2015-10", "2017-10"),
    ("Regional Migration Programme", "2013-01", "2015-08"),
    ("Consolidation of Migration and Border Management Capacities in Azerbaijan (CMBA)", "2013-12", "2016-06"),
    ("Supporting Labour Migration Management in Turkey", "2015-04", "2016-09"),
    ("Streamlining Employment of Migrant Workers through a One Stop Shop", "2013-07", "2015-05"),
    ("Migrant resource centres", None, None),
    ("Capacity Building to Monitor and Implement National Mechanisms to Counter Xenophobia", "2013-10", "2015-06"),
]


@pytest.fixture(scope="module")
def showcase():
    return extract_project_sheets("003", corpus_text("003"))


def test_corpus_003_has_every_project_once(showcase):
    assert len(showcase) == len(CORPUS_003) == 20
    assert len({r.title for r in showcase}) == 20
    for record, (title, start, end) in zip(showcase, CORPUS_003):
        assert record.title.startswith(title) and (record.start, record.end) == (start, end), record.title


def test_corpus_003_projects_are_complete(showcase):
    for record in showcase:
        assert record.family == PROJECT_SHEET and record.document == "003"
        assert record.countries and record.description and record.description_line > 0, record.title
        assert "International Organization for Migration" in texts(record.implementers), record.title
    by_title = {r.title: r for r in showcase}
    assert texts(by_title["Global Joint Programme on Mainstreaming Migration into National Development "
                          "Strategies"].implementers) == ["International Organization for Migration", "UNDP"]
    assert texts(by_title["Regional Migration Programme, DFID Central Asia"].countries) == [
        "Russian Federation", "Tajikistan", "Kyrgyzstan", "Kazakhstan"]
    assert texts(by_title["Regional Migration Programme"].units) == ["IOM Moscow, Russian Federation"]
    assert texts(by_title["Piloting Temporary Labour Migration of Georgian Workers to Poland and Estonia"]
                 .countries) == ["Georgia", "Poland", "Estonia"]
    assert texts(by_title["Microenterprise Development Project (MED) in Armenia"].funders) == []
    assert "EU-BK" in by_title["EU-Beautiful Kosovo* Programme Phase II: Poverty Reduction through the "
                               "Enhancement of Economic Opportunities in Kosovo*"].aliases
    social = next(r for r in showcase if r.title.startswith("Socioeconomic Integration"))
    assert texts(social.partners) == ["Gori Sapling Tree Nursery", "Tanadgoma", "Centre for Crime Prevention",
                                      "LTD Perspektiva", "Kamara"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_other_corpus_documents_hold_no_project_sheets(prefix):
    text = corpus_text(prefix)
    assert not looks_like_project_sheets(text)
    assert extract_project_sheets(prefix, text) == []
