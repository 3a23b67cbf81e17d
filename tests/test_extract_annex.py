"""Annex-entry extraction: the list splitters, made-up documents that hold each messy case
the PDF extraction produces (tests/data/annex/), and the two annexes of the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdgraph.extract.annex import extract_annex_entries, looks_like_annex
from mdgraph.extract.names import ROLE_FUNDER, ROLE_IMPLEMENTER, split_organisations
from mdgraph.extract.text import (
    blank_page_furniture,
    fold,
    normalise_key,
    split_places,
    split_topics,
    urls_in_lines,
    wrap_lines,
)
from mdgraph.model import ANNEX_ENTRY

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "annex"
CORPUS = ROOT / "corpus"
GOLD = ROOT.parent / "shared" / "eval" / "dev_gold.json"


def corpus_text(prefix: str) -> str:
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def lines(text: str) -> list[str]:
    return text.split("\n")


# --- splitters ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("Germany, Ghana, \nNetherlands, United Kingdom", ["Germany", "Ghana", "Netherlands", "United Kingdom"]),
    ("Mali, Senegal, Comoros, \nand France", ["Mali", "Senegal", "Comoros", "France"]),
    ("El Salvador and diaspora \ndestination countries", ["El Salvador"]),
    ("El Salvador and \ncountries of destination for the \nSalvadorian diaspora.", ["El Salvador"]),
    ("Papua\nNew Guinea", ["Papua New Guinea"]),
    ("Armenia, Burkina\nFaso,\nCambodia, Côte d’Ivoire, Costa\nRica, The\nPhilippines",
     ["Armenia", "Burkina Faso", "Cambodia", "Côte d’Ivoire", "Costa Rica", "The Philippines"]),
    ("Bosnia and Herzegovina, Trinidad & Tobago", ["Bosnia and Herzegovina", "Trinidad & Tobago"]),
    ("South Sudan, Sudan Tunisia, Turkey", ["South Sudan", "Sudan", "Tunisia", "Turkey"]),
    ("Moldova and Bangladesh", ["Moldova", "Bangladesh"]),
    ("Cameroon, Tanzania, \nSenegal,  ", ["Cameroon", "Tanzania", "Senegal"]),
    ("Kosovo, Serbia", ["Kosovo", "Serbia"]),
    ("OECD", ["OECD"]),
])
def test_split_places(value, expected):
    assert split_places(lines(value)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("EC, WHO, National Partners (Ministry of Health, National Agency \nfor Employment, State Medical and "
     "Pharmaceutical University “Nicolae \nTestimiteanu”, National Medical and Pharmaceutical College). ",
     [("EC", None), ("WHO", None), ("Ministry of Health", None), ("National Agency for Employment", None),
      ("State Medical and Pharmaceutical University “Nicolae Testimiteanu”", None),
      ("National Medical and Pharmaceutical College", None)]),
    ("ETF  in collaboration with the Migration Policy Centre (MPC) of \nthe European University Institute "
     "(Florence, Italy), MD Government",
     [("ETF", ROLE_IMPLEMENTER), ("Migration Policy Centre (MPC)", None), ("MD Government", None)]),
    ("the Netherlands the UK and IOM", [("the Netherlands", None), ("the UK", None), ("IOM", None)]),
    ("IOM missions and government institutions in the \ntarget countries. Ministry of Foreign Affairs in the "
     "\nNetherlands (funding)",
     [("IOM missions", None), ("Ministry of Foreign Affairs in the Netherlands", ROLE_FUNDER)]),
    ("Initiative of the ACP Secretariat", [("ACP Secretariat", None)]),
    ("Ministry for Education, Ministry of External Relations, \nthrough the Vice ministry for Salvadorians Abroad",
     [("Ministry for Education", None), ("Ministry of External Relations", None),
      ("Vice ministry for Salvadorians Abroad", None)]),
    ("Ministries, Departments and Agencies (MDAs), private sector, Civil\nSociety Organizations (CSOs), "
     "International Development\nPartners including IOM and UNDP", [("IOM", None), ("UNDP", None)]),
    ("Swiss Development Cooperation (SDC)\nInternational Organization for Migration\n"
     "Diaspora Relations Bureau / State Chancellery",
     [("Swiss Development Cooperation (SDC)", None), ("International Organization for Migration", None),
      ("Diaspora Relations Bureau", None), ("State Chancellery", None)]),
    ("Ministry of Labour and Social Security, Ministry of Science, Industry\nand Technology",
     [("Ministry of Labour and Social Security", None), ("Ministry of Science, Industry and Technology", None)]),
    ("Centre de recherche médecine, sciences, santé et \nsociété (CERMES)",
     [("Centre de recherche médecine, sciences, santé et société (CERMES)", None)]),
    ("High Commission of Planning (HCP) and the National Observatory on Children’s Rights",
     [("High Commission of Planning (HCP)", None), ("the National Observatory on Children’s Rights", None)]),
    ("UNICEF, ILO, and the Special Unit for South-South Cooperation (SU/SSC)",
     [("UNICEF", None), ("ILO", None), ("the Special Unit for South-South Cooperation (SU/SSC)", None)]),
    ("Federal, State and Municipal Governments", []),
    ("UN agencies, National governments", []),
    ("DIGESTYC (national statistics office),  Office of Migration",
     [("DIGESTYC", None), ("Office of Migration", None)]),
    ("The European Union, BP (co-funder)", [("The European Union", None), ("BP", ROLE_FUNDER)]),
    ("Ministry of Health funded by the Swiss Agency for Development and Cooperation (SDC)",
     [("Ministry of Health", None), ("Swiss Agency for Development and Cooperation (SDC)", ROLE_FUNDER)]),
    ("National Commission for micro- and small enterprises",
     [("National Commission for micro- and small enterprises", None)]),
    ("IOM, United Nations Educational, Scientific and Cultural Organization, UK Conflict, Stability and "
     "Security Fund",  # names of the alias table that hold commas
     [("IOM", None), ("United Nations Educational, Scientific and Cultural Organization", None),
      ("UK Conflict, Stability and Security Fund", None)]),
    ("WHO, Centre de recherche médecine, sciences, santé et société",
     [("WHO", None), ("Centre de recherche médecine, sciences, santé et société", None)]),
    ("Ministry of Labour of Belarus, Office of the United Nations High Commissioner for Refugees",
     [("Ministry of Labour of Belarus", None), ("Office of the United Nations High Commissioner for Refugees", None)]),
])
def test_split_organisations(value, expected):
    assert split_organisations(lines(value)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("22Migration and Health; Brain Drain and \nBrain Gain", ["22Migration and Health", "Brain Drain and Brain Gain"]),
    ("Protection, empowerment and rights of \nmigrants;  Addressing irregular migration,   ",
     ["Protection, empowerment and rights of migrants", "Addressing irregular migration"]),
    ("Addressing irregular migration,   Return \nand reintegration. ",
     ["Addressing irregular migration", "Return and reintegration"]),
    ("a) Governance and Policy coherence (b)\nHuman Rights and Social Protection (c)\nDiaspora (d) Fa",
     ["Governance and Policy coherence", "Human Rights and Social Protection", "Diaspora"]),
    ("Policy and legal framework development\nMigration and Development\nCommunity development",
     ["Policy and legal framework development", "Migration and Development", "Community development"]),
    ("Access to public services and access to\njustice for migrants", ["Access to public services and access to "
                                                                       "justice for migrants"]),
    ("Skilled migration.  ", ["Skilled migration"]),
])
def test_split_topics(value, expected):
    assert split_topics(lines(value)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Web Links : http://a.org/x-\nhealth  ", ["http://a.org/x-health"]),
    ("http://www.undp.org/content/mainstr\neaming-of-migration-into-development-.html ",
     ["http://www.undp.org/content/mainstreaming-of-migration-into-development-.html"]),
    ("www.migracion.go.cr (There is no specific website for the program at this moment)",
     ["http://www.migracion.go.cr"]),
    ("see http://a.org/page.\n27", ["http://a.org/page"]),
    ("http://a.org/one\nTags:", ["http://a.org/one"]),
    ("ACP studies:  http://a.org/Our%20publications  \ncountries:  http://a.org/South  ",
     ["http://a.org/Our%20publications", "http://a.org/South"]),
])
def test_urls_in_lines(value, expected):
    assert [url for url, _ in urls_in_lines(lines(value))] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("OECD Development Centre, European Union, International Labour\nOrganization",
     ["OECD Development Centre, European Union, International Labour", "Organization"]),
    ("Empowerment and protection of migrant\nworker families", ["Empowerment and protection of migrant worker families"]),
    ("Fundación para el Desarrollo Económico y Social \n(FUSADES)", ["Fundación para el Desarrollo Económico y Social (FUSADES)"]),
])
def test_wrap_lines(value, expected):
    assert wrap_lines(lines(value)) == expected


def test_page_furniture_blanks_numbers_and_running_headers_only():
    text = ("Title: A\nSummary: one\n12\nJournal of Practice\ntwo\nCountry:\nJamaica\n"
            "three\n13\nJournal of Practice\nfour\n")
    cleaned = blank_page_furniture(text)
    assert cleaned.count("\n") == text.count("\n")
    assert "Journal" not in cleaned and "12" not in cleaned and "13" not in cleaned
    assert "Jamaica" in cleaned and "two" in cleaned


# --- what summaries and titles say ---------------------------------------------------------------

def one_entry(summary: str, title: str = "A programme") -> str:
    return f"Title: {title}\nCountry: Ghana\nTags: Health\nSummary: {summary}\nWeb Links:\n"


@pytest.mark.parametrize(("summary", "start", "end"), [
    ("The MIDA Ghana Health project started in 2002 and finished in December 2012.", "2002", "2012-12"),
    ("The project started from 2011 and will continue till the end of 2014.", "2011", "2014-12"),
    ("The programme was officially launched, after an exploration phase, on February 27, 2014, and is the first "
     "national conference.", "2014-02", None),
    ("In January 2013, the OECD launched the project.", "2013-01", None),
    ("Established in 2006, the UN Millennium Development Goals Achievement Fund (MDG-F) was built on it.", "2006", None),
    ("The MOMID pilot project, implemented in the period 2012 – 2013 in the Republic of Moldova, supported it.",
     "2012", "2013"),
    ("The project runs from March 2014 to June 2016.", "2014-03", "2016-06"),
    ("A new mechanism was established in 2011.", None, None),
    ("It underlines the results: between 2009 and 2012, 485 entrepreneurs have been supported.", None, None),
    ("An evaluation of this programme has been conducted in 2013.", None, None),
])
def test_summary_dates(summary, start, end):
    record = extract_annex_entries("doc", one_entry(summary))[0]
    assert (record.start, record.end) == (start, end)
    assert (record.timeframe is None) == (start is None and end is None)


@pytest.mark.parametrize(("summary", "implementers", "funders", "partners"), [
    ("The project was funded by the Netherlands and implemented by IOM in close cooperation with the Ministry of "
     "Health of Ghana and Ghanaian diaspora professionals.",
     ["IOM"], ["the Netherlands"], ["the Ministry of Health of Ghana"]),
    ("The Government of Ghana has attempted partial schemes to retain health professionals.",
     ["The Government of Ghana"], [], []),
    ("IOM the Netherlands is coordinating the project.", ["IOM the Netherlands"], [], []),
    ("The UK funds a health partnership scheme.", [], ["The UK"], []),
    ("In the context of the initiative Mainstreaming Migration, supported by the Swiss Agency for Development and "
     "Cooperation (SDC) and led by IOM and UNDP, UNICEF Tunisia has collaborated with UNDP, IOM and UNFPA to "
     "support national authorities.",
     ["IOM", "UNDP"], ["the Swiss Agency for Development and Cooperation (SDC)"],
     ["UNDP", "IOM", "UNFPA", "UNICEF Tunisia"]),
    ("The Ministry of Education hopes to accomplish the return of 500 teachers.", [], [], []),
    ("The Togo Diaspora Programme Committee decided to subdivide the conference.", [], [], []),
])
def test_summary_roles(summary, implementers, funders, partners):
    record = extract_annex_entries("doc", one_entry(summary))[0]
    assert [m.text for m in record.implementers] == implementers
    assert [m.text for m in record.funders] == funders
    assert [m.text for m in record.partners] == partners
    assert all(m.evidence.quote in record.description for m in record.implementers + record.funders)


@pytest.mark.parametrize(("title", "aliases", "start", "end", "funders"), [
    ("Temporary Return of Qualified Nationals (TRQN, 2006 – ongoing)", ["TRQN"], "2006", None, []),
    ("Inventory of Migrant support measures (MISMES)", ["MISMES"], None, None, []),
    ("Global Project “Mainstreaming of Migration” (MOMID)\nPhase II (2014 – 2017)",
     ["MOMID", "Mainstreaming of Migration"], "2014", "2017", []),
    ("PAISD, Programme d’appui aux initiatives (codevelopment program)", ["PAISD", "Programme d’appui aux initiatives"],
     None, None, []),
    ("Three for One (Trés por Uno) Program", ["Trés por Uno"], None, None, []),
    ("Research, African and Caribbean and Pacific (ACP) Observatory on Migration", [], None, None, []),
    ("Mainstreaming migration in the health sector, funded by SDC", [], None, None, ["SDC"]),
])
def test_title_aliases_dates_and_funders(title, aliases, start, end, funders):
    record = extract_annex_entries("doc", one_entry("It works.", title))[0]
    assert list(record.aliases) == aliases
    assert (record.start, record.end) == (start, end)
    assert [m.text for m in record.funders] == funders


# --- made-up documents -------------------------------------------------------------------------

FIELDS = ("title", "aliases", "countries", "partners", "funders", "implementers", "thematic_areas", "tags",
          "start", "end", "web_links")
EXPECTED = {
    "labels_on_own_lines.txt": [
        {
            "title": "Diaspora Health Volunteers: temporary assignments of diaspora doctors (DHV)",
            "aliases": ["DHV"],
            "countries": ["Papua New Guinea", "Solomon Islands", "Bosnia and Herzegovina", "Sudan", "Tunisia"],
            "partners": ["Swiss Agency for Development and Cooperation (SDC)", "International Organization for Migration",
                         "Diaspora Relations Bureau", "State Chancellery", "the Ministry of Health"],
            "funders": ["the Kingdom of the Netherlands"],
            "implementers": ["IOM"],
            "thematic_areas": ["Health", "Migration and Development",
                               "Access to public services and access to justice for migrants"],
            "tags": ["Brain gain", "circular migration", "return"],
            "start": "2012-03", "end": "2014",
            "web_links": ["http://www.example.org/projects/diaspora-health-volunteers/index.html"],
        },
        {
            "title": "Mainstreaming migration into planning at the sectoral level",
            "countries": ["Jamaica"],
            "partners": ["IOM", "UNDP"],
            "implementers": ["the Planning Institute"],
            "thematic_areas": ["Governance and Policy coherence", "Human Rights and Social Protection",
                               "Return, Integration and Reintegration"],
            "tags": ["Planning"],  # from the second printing of the entry
            "start": "2013-01", "end": None,
            "web_links": ["http://www.pioj.gov.jm"],
        },
        {
            "title": "Return Programme for Teachers (RPT) 2015 – 2018",
            "aliases": ["RPT"],
            "partners": ["Ecuador", "Chile", "Spain", "Uruguay", "the Andean Community of Nations (CAN)"],
            "implementers": ["The Ministry of Education"],
            "start": "2015", "end": "2018",
            "web_links": [],
        },
    ],
    "labels_run_together.txt": [
        {
            "title": "Retaining nurses in rural hospitals",
            "countries": ["Ghana"],
            "partners": ["Ministry of Health"],
            "implementers": ["The Government of Ghana"],
            "thematic_areas": ["Policy Coherence and Mainstreaming",
                               "Strategies for minimizing costs/maximizing human development"],
            "tags": ["Migration and Health", "Brain Drain and Brain Gain"],
            "start": None, "end": None,
            "web_links": ["http://www.moh.example.gh/pub_content.aspx?id=2"],
        },
        {
            "title": "Skills inventory for returning migrants (SIRM)",
            "aliases": ["SIRM"],
            "countries": ["Republic of Moldova"],
            "partners": ["ETF", "Migration Policy Centre (MPC)", "MD Government"],
            "implementers": ["ETF"],
            "thematic_areas": ["Labour migration and mobility"],
            "tags": ["Return and Reintegration", "Labour-Market Matching"],
            "start": "2013-11", "end": None,
            "web_links": ["http://www.example.org/sirm/", "http://www.example.org/extra-page-of-sirm"],
        },
        {
            "title": "Reintegration of medical specialists (MSR, 2006 – ongoing)",
            "aliases": ["MSR"],
            "countries": ["Malawi"],
            "partners": ["EU", "GIZ", "DFID", "Government of Malawi", "College of Medicine", "Nurses Council",
                         "UNICEF Country Offices"],
            "funders": ["EU"],
            "thematic_areas": ["Diasporas", "Labour migration and mobility"],
            "tags": ["Capacity building", "Gender"],
            "start": "2006", "end": None,
            "web_links": [],
        },
        {
            "title": "",
            "countries": ["Afghanistan", "Cape Verde", "Kosovo", "El Salvador"],
            "implementers": ["IOM Netherlands"],
            "partners": ["IOM missions", "Ministry of Foreign Affairs in the Netherlands"],
            "funders": ["Ministry of Foreign Affairs in the Netherlands", "European Union", "Switzerland",
                        "IOM Development Fund", "The Government of Spain", "Ford Foundation"],
            "thematic_areas": ["Diaspora"],
            "tags": ["Migration and Education"],
            "web_links": ["http://www.example.org/microinsurance/feasibility-resource-mobilization-migrant-health"],
        },
        {
            "title": "Policy-oriented research on remittances, African and Caribbean and Pacific (ACP) "
                     "Observatory on Migration",
            "aliases": [],
            "countries": ["Cameroon", "Tanzania", "Senegal"],
            "partners": ["ACP Secretariat"],
            "funders": ["the Netherlands", "the UK", "IOM"],
            "thematic_areas": ["Remittances", "Data and research"],
            "tags": ["Evaluation and impact assessment"],
            "start": "2014-02", "end": None,
        },
    ],
    "variations.txt": [
        {
            "title": "Youth Employment and Migration Window",
            "countries": ["Albania", "Papua New Guinea", "Tunisia"],
            "implementers": ["UNDP"],
            "funders": ["The Government of Spain"],
            "partners": [],
            "start": "2010", "end": None,  # the timeframe label wins over the summary
            "web_links": ["http://www.example.org/yem"],
        },
        {
            "title": "Skills partnership with a page break in the middle of the partner list",
            "partners": ["Ministry of Labour, Health and Social Affairs",
                         "Swiss Agency for Development and Cooperation (SDC)", "Georgian Employers' Association"],
            "thematic_areas": ["Labour migration"],
            "tags": ["Skills", "Employment"],
            "start": "2015-01", "end": "2017-12",
        },
        {
            "title": "Last entry without links",
            "countries": ["Nigeria (Benin City)"],
            "funders": ["European Union"],
            "web_links": [],
        },
    ],
}
CASES = [(name, position) for name, entries in EXPECTED.items() for position in range(len(entries))]


def _extract(name: str):
    return extract_annex_entries(name, (DATA / name).read_text(encoding="utf-8"))


def _as_plain(record, field: str):
    value = getattr(record, field)
    if isinstance(value, tuple):
        return [item.text if hasattr(item, "text") else item for item in value]
    return value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_test_documents_give_one_record_per_entry(name):
    records = _extract(name)
    assert [r.title for r in records] == [entry["title"] for entry in EXPECTED[name]]
    assert {r.family for r in records} == {ANNEX_ENTRY} and {r.document for r in records} == {name}


@pytest.mark.parametrize(("name", "position"), CASES)
def test_test_document_entries(name, position):
    record = _extract(name)[position]
    expected = EXPECTED[name][position]
    for field in FIELDS:
        if field in expected:
            assert _as_plain(record, field) == expected[field], field


def test_running_header_and_page_number_stay_out_of_the_summary():
    record = _extract("labels_on_own_lines.txt")[0]
    assert "Made-up Journal" not in record.description and " 12 " not in record.description
    assert record.description.endswith("the running header.")


def test_unlabelled_summary_is_the_description():
    record = _extract("labels_run_together.txt")[3]
    assert record.description.startswith("The purpose of this project is to evaluate")
    assert record.tags[0].text == "Migration and Education"


def test_text_after_the_annex_belongs_to_no_entry():
    record = _extract("variations.txt")[-1]
    assert record.description == "The project assists returnees in Benin City with reintegration grants."


def test_heading_between_entries_leaks_nowhere():
    for record in _extract("labels_on_own_lines.txt"):
        assert "Other related examples" not in " ".join(
            [record.description, *(m.text for m in record.tags + record.thematic_areas + record.partners)])


# --- evidence ----------------------------------------------------------------------------------

DOCUMENTS = [(DATA / name).read_text(encoding="utf-8") for name in sorted(EXPECTED)] + [
    corpus_text("000"), corpus_text("001")]


@pytest.mark.parametrize("text", DOCUMENTS, ids=[*sorted(EXPECTED), "000", "001"])
def test_evidence_points_at_the_line_it_quotes(text):
    document = text.split("\n")
    for record in extract_annex_entries("doc", text):
        mentions = [m for field in ("countries", "partners", "funders", "implementers", "thematic_areas", "tags")
                    for m in getattr(record, field)]
        for evidence in [record.evidence, record.timeframe, *(m.evidence for m in mentions)]:
            if evidence is None:
                continue
            assert evidence.quote == fold(evidence.quote)
            assert evidence.quote.split()[0] in document[evidence.line - 1], evidence
        if record.description:
            assert record.description.split()[0] in document[record.description_line - 1]


# --- the corpus --------------------------------------------------------------------------------

@pytest.mark.parametrize(("prefix", "expected"), [("000", True), ("001", True), ("002", False), ("003", False),
                                                  ("004", False)])
def test_looks_like_annex(prefix, expected):
    assert looks_like_annex(corpus_text(prefix)) is expected


@pytest.mark.parametrize(("prefix", "count"), [("000", 21), ("001", 39)])
def test_corpus_entry_counts(prefix, count):
    # 000 prints 22 entries, one of them twice; 001 prints 39, one without a title.
    assert len(extract_annex_entries(prefix, corpus_text(prefix))) == count


def _by_title(prefix: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for record in extract_annex_entries(prefix, corpus_text(prefix)):
        found.setdefault(record.title, []).append(record)
    return found


def test_corpus_spot_checks_001():
    records = _by_title("001")
    trqn = records["Temporary Return of Qualified Nationals (TRQN, 2006 – ongoing)"][0]
    assert len(trqn.countries) == 14 and "Kosovo" in [m.text for m in trqn.countries]
    assert (trqn.start, trqn.end, trqn.aliases) == ("2006", None, ("TRQN",))
    assert [m.text for m in trqn.implementers][0] == "IOM Netherlands"
    malawi = records["Reintegration of highly qualified medical staff (specialists) into the health sector in Malawi"][0]
    assert [m.text for m in malawi.funders] == ["EU"] and malawi.funders[0].evidence.line == 620
    mida = records["MIDA Ghana Health Project"][0]
    assert (mida.start, mida.end) == ("2002", "2012-12")
    assert [m.text for m in mida.countries] == ["Germany", "Ghana", "Netherlands", "United Kingdom"]
    untitled = records[""][0]
    assert [m.text for m in untitled.countries] == ["Eritrea"]
    mdg = records["Millennium Development Goals- Achievement Fund/ Thematic Window Youth, Employment and Migration"][0]
    assert [m.text for m in mdg.funders] == ["The Government of Spain"] and mdg.start == "2006"
    assert {"Sudan", "Tunisia", "South Sudan", "Bosnia & Herzegovina"} <= {m.text for m in mdg.countries}


def test_corpus_spot_checks_000():
    records = _by_title("000")
    assert len(records["Mainstreaming migration into planning at the sectoral level"]) == 1
    assert len(records["Mainstreaming migration in the health sector"]) == 2  # Ghana and Somalia
    mididom = next(r for title, rs in records.items() for r in rs if "(MIDIDOM)" in title)
    assert (mididom.start, mididom.end, mididom.aliases) == ("2015", "2018", ("MIDIDOM",))
    ippmd = next(r for title, rs in records.items() for r in rs if title.endswith("(IPPMD)"))
    assert len(ippmd.countries) == 10 and ippmd.countries[1].text == "Burkina Faso"


def test_extraction_is_deterministic():
    text = corpus_text("001")
    assert extract_annex_entries("001", text) == extract_annex_entries("001", text)


def measure_against_gold() -> dict[str, float]:
    """Titles and dates of the 001 annex entries against the hand-made reference."""
    gold = [p for p in json.loads(GOLD.read_text(encoding="utf-8"))["programmes"]
            if p["source"].startswith("001") and p["kind"] == "annex-entry"]
    records = {normalise_key(r.title): r for r in extract_annex_entries("001", corpus_text("001"))}
    matched = [(g, records[normalise_key(g["title"])]) for g in gold if normalise_key(g["title"]) in records]
    dates_right = sum((r.start, r.end) == (g["start"], g["end"]) for g, r in matched)
    return {
        "gold": len(gold),
        "found": len(matched),
        "date_accuracy": dates_right / len(matched) if matched else 0.0,
        "extra_001": len(records) - len(matched),
        "entries_000": len(extract_annex_entries("000", corpus_text("000"))),
    }


@pytest.mark.skipif(not GOLD.exists(), reason="reference facts not present")
def test_titles_and_dates_against_gold():
    scores = measure_against_gold()
    print(f"\nannex 001 vs gold: {scores}")
    assert scores["found"] == scores["gold"] == 39
    assert scores["date_accuracy"] >= 37 / 39
    assert scores["extra_001"] == 0
