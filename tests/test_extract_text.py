"""The helpers every extractor shares: country names in running text, sentences, timeframe
fields, organisation names in lists and sentences, and the roles sentences give them."""

from __future__ import annotations

import pytest

from mdgraph.extract.dates import parse_timeframe_field
from mdgraph.extract.names import join_qualified_names, organisation_list, qualify_by_place
from mdgraph.extract.prose import clause_of_programme, roles_in_sentence
from mdgraph.extract.text import find_countries, is_acronym, is_country, sentence_spans


@pytest.mark.parametrize(("text", "demonyms", "title", "expected"), [
    ("Workers from Papua\nNew Guinea and Guinea", False, False, ["Papua\nNew Guinea", "Guinea"]),
    ("returnees at the Benin City reception centre", False, False, []),
    ("IOM Guatemala City, Guatemala", False, False, ["Guatemala", "Guatemala"]),
    ("Senegalese small enterprises in Italy", True, False, ["Senegal", "Italy"]),
    ("the Italian Ministry of Foreign Affairs", True, False, []),  # a nationality opening a proper name
    ("Mobilization of Moroccans Living Abroad", True, True, ["Morocco"]),
    ("the Franco-Malian co-development framework", True, False, ["France", "Mali"]),
    ("Skills Registry for Overseas Pakistanis", True, True, ["Pakistan"]),
])
def test_find_countries(text, demonyms, title, expected):
    assert [name for name, _ in find_countries(text, demonyms=demonyms, title=title)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Kosovo*", True), ("the Philippines", True), ("UK", True), ("EC", False), ("IT", False), ("OECD", False),
])
def test_is_country(text, expected):
    assert is_country(text) is expected


@pytest.mark.parametrize(("token", "expected"), [
    ("IOM", True), ("(MoLHSA)", True), ("SU/SSC", True), ("MDG-F", True), ("Kosovo*", False), ("Health", False),
])
def test_is_acronym(token, expected):
    assert is_acronym(token) is expected


@pytest.mark.parametrize(("text", "breaks", "expected"), [
    ("Dr. Smith met the Minister. It went well.", (), ["Dr. Smith met the Minister.", "It went well."]),
    ("He said “It works.” Then he left.", (), ["He said “It works.”", "Then he left."]),
    ("e.g. IOM and UNDP. J. Smith wrote it.", (), ["e.g. IOM and UNDP.", "J. Smith wrote it."]),
    ("KEY RESULTS The project ended.", (11,), ["KEY RESULTS", "The project ended."]),
])
def test_sentence_spans(text, breaks, expected):
    assert [text[s:e] for s, e in sentence_spans(text, frozenset(breaks))] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2016", ("2016", "2016")),              # a year alone: the whole year
    ("since 2015", ("2015", None)),
    ("2011 – ongoing", ("2011", None)),
    ("April 2017—Present", ("2017-04", None)),
    ("2007—Present (Open-ended)", ("2007", None)),
    ("Jan. 2014 – Dec. 2018", ("2014-01", "2018-12")),
    ("2014–2017", ("2014", "2017")),
])
def test_parse_timeframe_field(text, expected):
    assert parse_timeframe_field(text) == expected


@pytest.mark.parametrize(("names", "expected"), [
    (["Department for International Development", "United Kingdom", "Swiss Agency for Development and Cooperation"],
     ["Department for International Development, United Kingdom", "Swiss Agency for Development and Cooperation"]),
    (["United Kingdom", "Department for International Development (DFID)"],
     ["United Kingdom, Department for International Development (DFID)"]),
    (["Brazil", "Brazilian Cooperation Agency (ABC)"], ["Brazil, Brazilian Cooperation Agency (ABC)"]),
    (["US Department of State", "Bureau of Population, Refugees and Migration (PRM)"],
     ["US Department of State, Bureau of Population, Refugees and Migration (PRM)"]),
    (["European Union", "Switzerland", "IOM"], ["European Union", "Switzerland", "IOM"]),
    (["Switzerland", "IOM Development Fund"], ["Switzerland", "IOM Development Fund"]),
    (["Ministry of Health of Ghana", "Togo"], ["Ministry of Health of Ghana", "Togo"]),
])
def test_join_qualified_names(names, expected):
    assert join_qualified_names(names) == expected


SENTENCES = ["The case of Ecuador is an example of the approach.", "It worked under the Ministry of Labor (MRL).",
             "Peru and Chile followed with the Ministry of Labor."]


@pytest.mark.parametrize(("name", "index", "countries", "expected"), [
    ("Ministry of Labor (MRL)", 1, {"EC", "PE", "CL"}, "Ministry of Labor (MRL) (Ecuador)"),
    ("Ministry of Labor", 2, {"EC", "PE", "CL"}, "Ministry of Labor"),      # two countries: which?
    ("Ministry of Labor (MRL)", 1, {"PE", "CL"}, "Ministry of Labor (MRL)"),  # Ecuador is not the programme's
    ("UNICEF", 1, {"EC", "PE"}, "UNICEF"),                                  # no national body
    ("Tunisia National Statistical Office", 0, {"EC", "TN"}, "Tunisia National Statistical Office"),
])
def test_qualify_by_place(name, index, countries, expected):
    assert qualify_by_place(name, SENTENCES, index, countries) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("the Ministry of Interior and Alien Department inspectors were trained",
     ["Ministry of Interior", "Alien Department"]),
    ("The UK Conflict, Stability and Security Fund (CSSF)", ["UK Conflict, Stability and Security Fund (CSSF)"]),
    ("the General Directorate of Migration (DGME) of El Salvador and the Honduran Centre (CAMR), refurbished",
     ["General Directorate of Migration (DGME) of El Salvador", "Honduran Centre (CAMR)"]),
    ("the Governments of the Philippines and the United States, to prepare",
     ["Governments of the Philippines", "United States"]),
    ("the Government with its strategy", ["Government"]),
])
def test_organisation_list(text, expected):
    assert [name for name, _ in organisation_list(text)] == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("IOM Haiti, together with the Civil Protection Directorate (DPC), manages the sites.",
     [("partner", "Civil Protection Directorate (DPC)")]),
    ("The programme, run together with the International Labour Organization (ILO), supports them.",
     [("implementer", "International Labour Organization (ILO)")]),
    ("In cooperation with the Ministry of Labour of Costa Rica, pickers were hired.",
     [("partner", "Ministry of Labour of Costa Rica")]),
    ("Since 2016, the Vice Ministry for Salvadorans Abroad has been interested in opening centres.",
     [("implementer", "Vice Ministry for Salvadorans Abroad")]),
    ("The Non-Resident Nepali Association (NRNA) has been a partner of the project since its design.",
     [("partner", "Non-Resident Nepali Association (NRNA)")]),
    ("215 staff of the Ministry of Interior were trained.", [("partner", "Ministry of Interior")]),
    ("Consular staff of Guatemala and Honduras were trained.", []),  # countries, not bodies
    ("In Kyrgyzstan, RMP assisted the Government with its strategy.", [("partner", "Government of Kyrgyzstan")]),
    ("Enabel implements it with the National Agency for Employment (ANAPEC).",
     [("partner", "National Agency for Employment (ANAPEC)")]),
])
def test_roles_in_sentence(sentence, expected):
    assert [(mention.role, mention.name) for mention in roles_in_sentence(sentence)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("the experience of the Migrants in Countries in Crisis (MICIC) Initiative, led by the ",
     "Migrants in Countries in Crisis (MICIC) Initiative"),
    ("The DEED Project, implemented in cooperation with ", "The DEED Project"),
    ("The project is implemented in cooperation with ", None),
])
def test_clause_of_programme(text, expected):
    assert clause_of_programme(text, len(text)) == expected
