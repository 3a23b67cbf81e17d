"""Organisation resolution: the alias table, the general rules (units, governments, national
bodies, descriptions, new organisations) and the data file's checks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mdgraph.errors import MappingError
from mdgraph.resolve.countries import CountryResolver
from mdgraph.resolve.organisations import OrganisationResolver

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
DATA = yaml.safe_load((MAPPINGS / "organisations.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def countries() -> CountryResolver:
    return CountryResolver.from_file(MAPPINGS / "countries.yaml")


@pytest.fixture
def resolver(countries: CountryResolver) -> OrganisationResolver:
    """A fresh resolver: the nodes it creates live as long as the test."""
    return OrganisationResolver.from_data(DATA, countries)


@pytest.mark.parametrize("text, context, key", [
    # the alias table, whatever the spelling
    ("IOM", (), "iom"),
    ("International Organisation for Migration", (), "iom"),
    ("International Organization for Migration (IOM)", (), "iom"),
    ("UNDP", (), "undp"),
    ("UN Women", (), "un-women"),
    ("The European Union", (), "eu"),
    ("EU", (), "eu"),
    ("EC", (), "european-commission"),
    ("ETF", (), "etf"),
    ("Swiss Development Cooperation", (), "sdc"),
    ("Swiss Agency for Development", (), "sdc"),
    ("the Swiss Agency for Development and Cooperation (SDC)", (), "sdc"),
    ("DFID", (), "dfid"),
    ("Department for International Development (United Kingdom)", (), "dfid"),
    ("United Kingdom, Department for International Development (DFID)", (), "dfid"),
    ("Deutsche Gesellschaft fur Internationale Zusammenarbeit", (), "giz"),
    ("the German Agency for International  Cooperation (GIZ)", (), "giz"),
    ("France (AFD)", (), "afd"),
    ("IOM Development Fund (IDF)", (), "iom-development-fund"),
    ("US Bureau of Population, Refugees and Migration,", (), "us-prm"),
    ("The UK Conflict Stability and Security Fund (CSSF)", (), "cssf"),
    ("Federal Office for Migration, Switzerland", (), "swiss-federal-office-for-migration"),
    ("Ministry for Foreign Affairs of Finland", (), "ministry-of-foreign-affairs-fi"),
    ("OSCE ODIHR", (), "odihr"),
    ("UN OCHA", (), "ocha"),
    ("BP (co-funder)", (), "bp"),
    ("Initiative of the ACP Secretariat", (), "acp-secretariat"),
    ("Migration Policy Centre (MPC) of the European University Institute (Florence, Italy)", ("MD",),
     "migration-policy-centre"),
    ("SEDESOL - The Social Development Secretariat", ("MX",), "social-development-secretariat-mx"),
    # offices of organisations with field offices
    ("IOM Tirana, Albania", (), "iom-tirana"),
    ("IOM Pristina, Kosovo*", (), "iom-pristina"),
    ("IOM El Salvador", (), "iom-el-salvador"),
    ("IOM Netherlands", (), "iom-netherlands"),
    ("IOM the Netherlands", (), "iom-netherlands"),
    ("IOM sub-regional office for Central Asia, Astana, Kazakhstan", (), "iom-sub-regional-office-for-central-asia-astana"),
    ("UNICEF HQ", (), "unicef"),
    ("UNFPA Country Office", ("SV",), "unfpa"),
    # governments
    ("Ghana", (), "government-gh"),
    ("Government of Ghana", (), "government-gh"),
    ("The Government of Ghana", (), "government-gh"),
    ("MD Government", (), "government-md"),
    ("Government of the Republic of Moldova", (), "government-md"),
    ("Moldovan Government", (), "government-md"),
    ("French government", (), "government-fr"),
    ("the UK", (), "government-gb"),
    ("United Kingdom", (), "government-gb"),
    ("Togo", ("TG",), "government-tg"),
    ("Kosovo* authorities", (), "government-xk"),
    ("Federal Government", ("MX",), "government-mx"),
    ("Federal Government", ("MX", "US"), None),
    # national bodies, qualified by the name or the programme's single country
    ("Ministry of Health", ("GH",), "ministry-of-health-gh"),
    ("Ministry of Health", ("gh", "GH"), "ministry-of-health-gh"),
    ("Ministry of Health of Ghana", (), "ministry-of-health-gh"),
    ("Ghana Ministry of Health", (), "ministry-of-health-gh"),
    ("Ghanaian Ministry of Health", ("MD",), "ministry-of-health-gh"),
    ("Ministry of Health (Ghana)", (), "ministry-of-health-gh"),
    ("Ministry of Health", ("MD", "GH"), None),
    ("Ministry of Health", (), None),
    ("National Agency for Employment", ("MD",), "national-agency-for-employment-md"),
    ("Ministry of Labour", ("SV",), "ministry-of-labour-sv"),
    ("Ministry of Labor", ("SV",), "ministry-of-labour-sv"),
    ("Ministry of External Relations", ("SV",), "ministry-of-foreign-affairs-sv"),
    ("Ministerio de Relaciones Exteriores (MRREE)", ("SV",), "ministry-of-foreign-affairs-sv"),
    ("Ministry of Foreign Affairs in the Netherlands (funding)", ("AF", "GH"), "ministry-of-foreign-affairs-nl"),
    ("Albanian Ministry of Foreign Affairs", (), "ministry-of-foreign-affairs-al"),
    ("Ministry of Trade and Industry of Kosovo*", (), "ministry-of-trade-and-industry-xk"),
    ("Ministry of Labour, Health and Social Affairs (MoLHSA)", ("GE",),
     "ministry-of-labour-health-and-social-affairs-ge"),
    ("Vice ministry for Salvadorians Abroad", ("SV",), "viceministry-of-nationals-abroad-sv"),
    ("Vice Ministry for Salvadorans Abroad", (), "viceministry-of-nationals-abroad-sv"),
    ("Migration Service of Tajikistan", (), "migration-service-tj"),
    ("National Medical and Pharmaceutical College", ("MD",), "national-medical-and-pharmaceutical-college-md"),
    # descriptions and lists: no organisation
    ("National Partners", ("MD",), None),
    ("members of the El Salvadorian diaspora", ("SV",), None),
    ("Ghanian diaspora groups in Europe", ("GH",), None),
    ("diaspora networks of Ghana", ("GH",), None),
    ("Federal, State and Municipal Governments", ("MX",), None),
    ("IOM missions and government institutions in the target countries", (), None),
    ("Multiple donors through seed funding", ("AM",), None),
    ("Salvadorian ministries and authorities", ("SV",), None),
    ("the Academy", ("KG",), None),
    ("the Netherlands the UK and IOM", ("GH",), None),
    ("IOM and UNDP", (), None),
    ("The European Union, BP (co-funder)", (), None),
    ("ETF in collaboration with the Migration Policy Centre (MPC)", ("MD",), None),
    ("", (), None),
    # organisations in no table
    ("Physicians for Peace", ("ER",), "physicians-for-peace"),
    ("Diaspora Network of Ghana", ("MD",), "diaspora-network-of-ghana"),
    ("Malawi College of Medicine", ("MW",), "malawi-college-of-medicine"),
    ("la Universidad Dr. José Matías Delgado (UJMD)", ("SV",), "universidad-dr-jose-matias-delgado"),
    ("Agencia de Promoción de Exportaciones e Inversiones de El Salvador (PROESA)", ("SV",),
     "agencia-de-promocion-de-exportaciones-e-inversiones-de-el-salvador"),
    ("State Medical and Pharmaceutical University “Nicolae Testimiteanu”", ("MD",),
     "state-medical-and-pharmaceutical-university-nicolae-testimiteanu"),
    ("University of Costa Rica", ("CR",), "university-of-costa-rica"),
    ("Academy of Sciences of Moldova", ("MD",), "academy-of-sciences-of-moldova"),
    (("National Commission for the Improvement of Justice Management (Comisión Nacional para el Mejoramiento de "
      "la Administración de la Justicia, CONAMAJ)"), ("CR",), "national-commission-for-the-improvement-of-justice-management"),
    ("US Bureau of Population, Refugees and Migration, Government of the United States (PRM USA)", ("KZ",), "us-prm"),
    ("Federal Government of Somali Republic", ("SO",), "government-so"),
    # rules added for the document families
    ("Governments of the Philippines", (), "government-ph"),
    ("Government (Ecuador)", ("EC", "PE"), "government-ec"),
    ("IOM missions", (), "iom"),
    ("UNICEF Country Offices", (), "unicef"),
    ("GMG Working Group on Mainstreaming", (), "gmg"),
    ("European Union (11th European Development Fund)", (), "eu"),
    ("Agency for Employment Abroad under the Ministry of Labour, Migration and Employment of Tajikistan", ("RU", "TJ"),
     "agency-for-employment-abroad-tj"),
    ("Ministry of Labor (Ecuador)", ("EC", "PE"), "ministry-of-labour-ec"),
    ("Overseas Workers Welfare Administration (OWWA)", ("PH", "KR"), "overseas-workers-welfare-administration"),
    ("Overseas Workers Welfare Administration", ("PH", "KR"), None),  # of which of two countries?
    ("Human Resources Development Service of Korea (HRD Korea)", ("PH", "KR"),
     "human-resources-development-service-of-korea"),
    ("Secretary of State for Communities", ("GW", "PT"), "secretary-of-state-for-communities"),
    ("national labour ministries of the participating countries", ("FJ", "WS"), None),
])
def test_resolve(resolver: OrganisationResolver, text: str, context: tuple[str, ...], key: str | None) -> None:
    node = resolver.resolve(text, context)
    assert (node.key if node else None) == key


@pytest.mark.parametrize("text, context, label, alt_label, country, kind, known", [
    ("MD Government", (), "Government of Moldova", "Government of the Republic of Moldova", "md", "government", True),
    ("the UK", (), "Government of the United Kingdom", "British Government", "gb", "government", True),
    ("Ministry of Health", ("GH",), "Ministry of Health (Ghana)", "Ministry of Health of Ghana", "gh", "ministry",
     False),
    ("Ministry for Foreign Affairs of Finland", (), "Ministry for Foreign Affairs of Finland", None, "fi", "ministry",
     True),
    ("IOM Tirana, Albania", (), "IOM Tirana", None, "al", "field-office", True),
    ("National Agency for Employment", ("MD",), "National Agency for Employment (Moldova)",
     "National Agency for Employment of Moldova", "md", "government-agency", False),
    ("Swiss Agency for Development and Cooperation (SDC)", (), "Swiss Agency for Development and Cooperation", "SDC",
     "ch", "donor-agency", True),
    ("Physicians for Peace", ("ER",), "Physicians for Peace", None, None, "other", False),
    ("LTD Perspektiva", ("GE",), "LTD Perspektiva", None, None, "private-company", False),
])
def test_node_fields(resolver, text, context, label, alt_label, country, kind, known) -> None:
    node = resolver.resolve(text, context)
    assert (node.label, node.country, node.kind, node.known) == (label, country, kind, known)
    assert alt_label is None or alt_label in node.alt_labels
    assert text.strip() in node.seen_as


def test_a_name_in_two_languages_is_one_body(resolver: OrganisationResolver) -> None:
    """ "Ministry of Economy (Ministerio de Economía)": the extractor pairs a list with its gloss."""
    node = resolver.resolve("Ministry y Agriculture and Stockbreeding (Ministerio de Agricultura y Ganadería)", ("SV",))
    assert "Ministerio de Agricultura y Ganadería" in node.alt_labels
    assert resolver.resolve("Ministerio de Agricultura y Ganadería", ("SV",)) is node


def test_acronym_with_a_place_in_brackets(resolver: OrganisationResolver) -> None:
    node = resolver.resolve("Human Resources Development Service of Korea (HRD Korea)", ("PH", "KR"))
    assert node.label == "Human Resources Development Service of Korea"
    assert resolver.resolve("HRD Korea", ("PH", "KR")) is node


def test_unit_of_iom(resolver: OrganisationResolver) -> None:
    unit = resolver.resolve_unit("IOM  Podgorica, Montenegro")
    assert (unit.key, unit.label, unit.parent, unit.country) == ("iom-podgorica", "IOM Podgorica", "iom", "me")
    assert [node.key for node in resolver.organisations()] == ["iom", "iom-podgorica"]


@pytest.mark.parametrize("text, key", [
    ("IOM Tirana, Albania", "iom-tirana"),
    ("IOM Mission in Tirana", "iom-tirana"),
    ("IOM's office in Kyiv", "iom-kyiv"),
    ("International Organization for Migration Country Office for Albania", "iom-albania"),
    ("IOM Kosovo*", "iom-kosovo"),
    ("UNHCR Ukraine", "unhcr-ukraine"),
    ("IOM Development Fund", "iom-development-fund"),
    ("IOM", None),
    ("IOM Member States", None),
    ("IOM staff", None),
    ("Russian Federation, Tajikistan, Kyrgyzstan, Kazakhstan", None),
    ("Wester Balkans, South Caucasus, Central Asia, Russian Federation, Moldova", None),
])
def test_resolve_unit(resolver: OrganisationResolver, text: str, key: str | None) -> None:
    unit = resolver.resolve_unit(text)
    assert (unit.key if unit else None) == key


def test_resolve_units_of_a_line_naming_several(resolver: OrganisationResolver) -> None:
    units = resolver.resolve_units("IOM Bishkek, Kyrgyzstan; IOM Belgrade, Serbia;\nIOM Chisinau, Republic of Moldova")
    assert [(u.key, u.country) for u in units] == [("iom-bishkek", "kg"), ("iom-belgrade", "rs"), ("iom-chisinau", "md")]


def test_new_organisation_keeps_its_acronym(resolver: OrganisationResolver) -> None:
    node = resolver.resolve("Diversity Initiative (DI) Network", ["UA"])
    assert (node.key, node.known, "DI" in node.alt_labels) == ("diversity-initiative-network", False, True)
    assert resolver.resolve("DI", ["UA"]) is node
    assert resolver.resolve("the Diversity Initiative Network", ["UA"]) is node


def test_a_bare_acronym_seen_first_gets_its_full_name_later(resolver: OrganisationResolver) -> None:
    node = resolver.resolve("the SENECYT", ["EC"])
    assert resolver.resolve("Secretariat of Higher Education, Science, Technology and Innovation (SENECYT)",
                            ["EC"]) is node
    assert (node.key, node.label) == ("senecyt", "Secretariat of Higher Education, Science, Technology and Innovation")
    assert "SENECYT" in node.alt_labels


def test_acronym_learned_for_a_national_body_stays_in_its_country(resolver: OrganisationResolver) -> None:
    ministry = resolver.resolve("Ministry of Diaspora (MOD)", ["XK"])
    assert resolver.resolve("MOD", ["XK"]) is ministry
    assert resolver.resolve("MOD", ["GB"]) is not ministry


def test_one_node_whatever_the_spelling(resolver: OrganisationResolver) -> None:
    spellings = ["Ministry of Health of Ghana", "Ghana Ministry of Health", "Ghanaian Ministry of Health",
                 "Ministry of Health (Ghana)"]
    nodes = {id(resolver.resolve(s)) for s in spellings} | {id(resolver.resolve("Ministry of Health", ["GH"]))}
    assert len(nodes) == 1
    assert len(resolver.organisations()) == 1


def test_keys_do_not_depend_on_the_order_of_calls(countries: CountryResolver) -> None:
    mentions = [("Ministry of External Relations", ("SV",)), ("Ministerio de Relaciones Exteriores", ("SV",)),
                ("IOM Tirana, Albania", ()), ("MD Government", ()), ("Tanadgoma", ("GE",)), ("DFID", ())]

    def run(order):
        resolver = OrganisationResolver.from_data(DATA, countries)
        keys = [resolver.resolve(text, context).key for text, context in order]
        return sorted(keys), [(n.key, n.label) for n in resolver.organisations()]

    assert run(mentions) == run(list(reversed(mentions)))


def test_refused_mentions_create_no_nodes(resolver: OrganisationResolver) -> None:
    for text in ("IOM and UNDP", "The European Union, BP (co-funder)", "Ministry of Health", "National Partners"):
        assert resolver.resolve(text, ["MD", "GH"]) is None
    assert resolver.organisations() == []


def test_organisations_include_parents_in_key_order(resolver: OrganisationResolver) -> None:
    resolver.resolve("ODIHR")
    resolver.resolve("MPC")
    assert [n.key for n in resolver.organisations()] == [
        "european-university-institute", "migration-policy-centre", "odihr", "osce"]


def _broken(change) -> dict:
    data = copy.deepcopy(DATA)
    change(data)
    return data


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("kinds"), "kinds"),
    (lambda d: d.update(colour="blue"), None),
    (lambda d: d["organisations"].append({"key": "Bad Key", "label": "x", "kind": "ngo"}), "organisations[74].key"),
    (lambda d: d["organisations"].append({"key": "x", "label": "", "kind": "ngo"}), "organisations.x.label"),
    (lambda d: d["organisations"].append({"key": "x", "label": "X", "kind": "club"}), "organisations.x.kind"),
    (lambda d: d["organisations"].append({"key": "x", "label": "X", "kind": "ngo", "country": "ZZ"}),
     "organisations.x.country"),
    (lambda d: d["organisations"].append({"key": "x", "label": "X", "kind": "ngo", "parent": "nobody"}),
     "organisations.x.parent"),
    (lambda d: d["organisations"].append({"key": "x", "label": "X", "kind": "ngo", "alt_labels": ["IOM"]}),
     "organisations.x.alt_labels"),
    (lambda d: d["organisations"].append({"key": "iom", "label": "X", "kind": "ngo"}), "organisations.iom"),
    (lambda d: d["organisations"].append({"key": "x", "label": "X", "kind": "ngo", "size": 3}), "organisations.x"),
    (lambda d: d["not_organisations"].append("(unclosed"), "not_organisations[8]"),
    (lambda d: d["kind_hints"].append({"pattern": "x", "kind": "club"}), "kind_hints[6]"),
    (lambda d: d["national_bodies"].update(vocabulary="health"), "national_bodies.vocabulary"),
    (lambda d: d.update(spelling=["labour"]), "spelling"),
])
def test_malformed_data_names_the_field(countries: CountryResolver, change, field) -> None:
    with pytest.raises(MappingError) as error:
        OrganisationResolver.from_data(_broken(change), countries, "organisations.yaml")
    assert error.value.path == "organisations.yaml"
    assert error.value.field == field


def test_reads_the_data_file(countries: CountryResolver) -> None:
    resolver = OrganisationResolver.from_file(MAPPINGS / "organisations.yaml", countries)
    assert resolver.resolve("IOM").label == "International Organization for Migration"


def test_unreadable_file(countries: CountryResolver, tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read"):
        OrganisationResolver.from_file(tmp_path / "missing.yaml", countries)
