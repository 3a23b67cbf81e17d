"""Country resolution: single strings, names in running text, and the data file's checks."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
import yaml

from mdgraph.errors import MappingError
from mdgraph.resolve.countries import CountryResolver

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


@pytest.fixture(scope="module")
def countries() -> CountryResolver:
    return CountryResolver.from_file(MAPPINGS / "countries.yaml")


@pytest.mark.parametrize("text, code", [
    ("Republic of Moldova", "MD"),
    ("Moldova", "MD"),
    ("Moldova, Republic of", "MD"),
    ("Kosovo*", "XK"),
    ("Kosovo", "XK"),
    ("Kosovo/UNSCR 1244", "XK"),
    ("Kosovo (UNSCR 1244)", "XK"),
    ("The Philippines", "PH"),
    ("Philippines", "PH"),
    ("Russian Federation", "RU"),
    ("Russia", "RU"),
    ("the Netherlands", "NL"),
    ("Kingdom of the Netherlands", "NL"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("United Kingdom", "GB"),
    ("USA", "US"),
    ("United States of America", "US"),
    ("MD", "MD"),
    ("XK", "XK"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
    ("Turkiye", "TR"),
    ("Côte d'Ivoire", "CI"),
    ("Cote d’Ivoire", "CI"),
    ("Ivory Coast", "CI"),
    ("Guinea-Bissau", "GW"),
    ("Guinea Bissau", "GW"),
    ("Papua New Guinea", "PG"),
    ("Democratic Republic of the Congo", "CD"),
    ("DR Congo", "CD"),
    ("Congo", "CG"),
    ("Republic of Tajikistan", "TJ"),
    ("Kyrgyz Republic", "KG"),
    ("Bosnia & Herzegovina", "BA"),
    ("Trinidad & Tobago", "TT"),
    ("St. Lucia", "LC"),
    ("St Vincent and the Grenadines", "VC"),
    ("Perú", "PE"),
    ("Viet Nam", "VN"),
    ("South Korea", "KR"),
    ("Ghana22", "GH"),          # footnote number glued by the PDF extraction
    ("  Ghana  ", "GH"),
    ("OECD", None),
    ("EU", None),
    ("El Salvador and diaspora destination countries", None),
    ("Central Asia", None),
    ("Benin City", None),
    ("", None),
])
def test_resolve(countries: CountryResolver, text: str, code: str | None) -> None:
    country = countries.resolve(text)
    assert (country.code if country else None) == code


@pytest.mark.parametrize("text, code", [("Italy", "IT"), ("the UK", "GB"), ("IT", None), ("EC", None), ("US", "US")])
def test_resolve_name_takes_no_codes(countries: CountryResolver, text: str, code: str | None) -> None:
    """In a list of organisations "EC" is the European Commission, not Ecuador."""
    country = countries.resolve_name(text)
    assert (country.code if country else None) == code


@pytest.mark.parametrize("text, expected", [
    ("Papua\nNew Guinea and Guinea", [("PG", "Papua\nNew Guinea"), ("GN", "Guinea")]),
    ("Benin City, Nigeria", [("NG", "Nigeria")]),
    ("Niger and Nigeria", [("NE", "Niger"), ("NG", "Nigeria")]),
    ("Guinea-Bissau, Equatorial Guinea", [("GW", "Guinea-Bissau"), ("GQ", "Equatorial Guinea")]),
    ("Atlanta, Georgia and Tbilisi, Georgia", [("US", "Atlanta, Georgia"), ("GE", "Georgia")]),
    ("Georgia, USA", [("US", "Georgia, USA")]),
    ("Dominica and the Dominican Republic", [("DM", "Dominica"), ("DO", "Dominican Republic")]),
    ("South Sudan and Sudan", [("SS", "South Sudan"), ("SD", "Sudan")]),
    ("DR Congo and Congo-Brazzaville", [("CD", "DR Congo"), ("CG", "Congo-Brazzaville")]),
    ("Turkey (Türkiye)", [("TR", "Turkey"), ("TR", "Türkiye")]),
    ("in Kosovo* and Serbia", [("XK", "Kosovo"), ("RS", "Serbia")]),
    ("USA, ITALY & GREECE", [("US", "USA"), ("IT", "ITALY"), ("GR", "GREECE")]),
    ("Let us not eat turkey in chad.", []),
    ("El Salvador and diaspora destination countries", [("SV", "El Salvador")]),
    ("the Niger Delta", [("NG", "Niger Delta")]),
    ("Moldovan doctors", []),
])
def test_find(countries: CountryResolver, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(c.code, text[s:e]) for c, s, e in countries.find(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("The Moldovan diaspora and Ghanaians in Italy", [("MD", "Moldovan"), ("GH", "Ghanaians"), ("IT", "Italy")]),
    ("Ghanian diaspora groups", [("GH", "Ghanian")]),
    ("South Sudanese and Sudanese refugees", [("SS", "South Sudanese"), ("SD", "Sudanese")]),
    ("Congolese migrants", []),
    ("the Franco-Malian framework", [("FR", "Franco"), ("ML", "Malian")]),
    ("General Franco and Mali", [("ML", "Mali")]),  # a prefix counts only before a hyphen
    ("Sino-Russian trade", [("CN", "Sino"), ("RU", "Russian")]),
])
def test_find_with_demonyms(countries: CountryResolver, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(c.code, text[s:e]) for c, s, e in countries.find(text, demonyms=True)] == expected


@pytest.mark.parametrize("code, label, wikidata, in_sentence, adjective", [
    ("MD", "Moldova", "Q217", "Moldova", "Moldovan"),
    ("XK", "Kosovo", "Q1246", "Kosovo", "Kosovar"),
    ("GB", "United Kingdom", "Q145", "the United Kingdom", "British"),
    ("NL", "Netherlands", "Q55", "the Netherlands", "Dutch"),
    ("GH", "Ghana", "Q117", "Ghana", "Ghanaian"),
    ("AL", "Albania", "Q222", "Albania", "Albanian"),
    ("RU", "Russia", "Q159", "Russia", "Russian"),
    ("CD", "Democratic Republic of the Congo", "Q974", "the Democratic Republic of the Congo", None),
])
def test_country_data(countries: CountryResolver, code, label, wikidata, in_sentence, adjective) -> None:
    country = countries.get(code.lower())
    assert (country.code, country.label, country.wikidata) == (code, label, wikidata)
    assert countries.name_in_sentence(code) == in_sentence
    assert countries.adjective(code) == adjective


def test_alt_labels_hold_official_and_other_names(countries: CountryResolver) -> None:
    assert {"Republic of Moldova", "Moldova, Republic of"} <= countries.get("MD").alt_labels
    assert "Kosovo*" in countries.get("XK").alt_labels
    assert "Moldova" not in countries.get("MD").alt_labels  # the label is not repeated


def test_every_iso_country_and_kosovo(countries: CountryResolver) -> None:
    codes = [c.code for c in countries.countries()]
    assert codes == sorted(codes) and "XK" in codes and len(codes) == len(set(codes)) == len(pycountry.countries) + 1
    assert all(c.wikidata is None or c.wikidata.startswith("Q") for c in countries.countries())


def test_get_unknown_code(countries: CountryResolver) -> None:
    with pytest.raises(KeyError, match="ZZ"):
        countries.get("ZZ")


def _data(**countries) -> dict:
    return {"countries": countries}


@pytest.mark.parametrize("data, field", [
    ([], None),
    ({"countries": {}, "extra": 1}, None),
    (_data(ZZ={"wikidata": "Q1"}), "countries.ZZ.label"),
    (_data(md={"wikidata": "Q217"}), "countries.md"),
    ({"countries": {False: {}}}, "countries.False"),
    (_data(MD={"wikidata": "217"}), "countries.MD.wikidata"),
    (_data(MD={"names": "Moldavia"}), "countries.MD.names"),
    (_data(FR={"prefixes": "Franco"}), "countries.FR.prefixes"),
    (_data(MD={"colour": "blue"}), "countries.MD"),
    (_data(MD={"article": "yes"}), "countries.MD.article"),
    (_data(MD={"names": ["Romania"]}), "countries.MD.names"),
    ({"countries": {}, "phrases": {"Benin City": "ZZ"}}, "phrases.Benin City"),
])
def test_malformed_data_names_the_field(data, field) -> None:
    with pytest.raises(MappingError) as error:
        CountryResolver.from_data(data, "countries.yaml")
    assert error.value.path == "countries.yaml"
    assert error.value.field == field


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read"):
        CountryResolver.from_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("countries: {MD: [", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid YAML"):
        CountryResolver.from_file(broken)


def test_data_file_round_trip() -> None:
    data = yaml.safe_load((MAPPINGS / "countries.yaml").read_text(encoding="utf-8"))
    assert CountryResolver.from_data(data).get("XK").label == "Kosovo"
