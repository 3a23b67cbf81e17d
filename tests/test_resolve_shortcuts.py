"""The shortcuts that make resolution fast give exactly what the plain searches give: the
sector cues' literals found in one pass (a cue is tried only where one starts), dates searched
from the first year of a text on, and the pure steps of organisation resolution remembered."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from mdgraph.extract import dates
from mdgraph.extract.text import fold
from mdgraph.resolve import load_resolver
from mdgraph.resolve.countries import CountryResolver
from mdgraph.resolve.organisations import OrganisationResolver
from mdgraph.resolve.sectors import (
    SectorResolver,
    _longest_of,
    _matches,
    case_blind,
    leading_literals,
)

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


@pytest.fixture(scope="module")
def sectors() -> SectorResolver:
    return SectorResolver.from_file(MAPPINGS / "sectors.yaml")


@pytest.fixture(scope="module")
def countries() -> CountryResolver:
    return CountryResolver.from_file(MAPPINGS / "countries.yaml")


# --- sectors ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "literals"), [
    ("(nationals|citizens) abroad|diaspora", ("nationals", "citizens", "diaspora")),
    ("(small|medium)(-sized)? enterprises|private sector", ("small", "medium", "private sector")),
    ("(remittances?|money) transfers", ("remittance", "money")),
    ("((a|b)c|d)e", ("a", "b", "d")),
    (r"(a\)|b)c", ("a", "b")),
    ("(ab)?c|d", None),       # a group that may be skipped says nothing of where a match starts
    ("(ab)*c", None),
    ("(ab)+c", None),
    ("(ab){1,2}c", None),
    ("(?:ab|cd)e", None),
    ("(ab|)c", None),
    ("(ab|[cd]e)f", None),
    ("(ab", None),
])
def test_leading_literals_of_opening_groups(expression, literals):
    assert leading_literals(expression, open_groups=True) == literals


@pytest.mark.parametrize(("literals", "text", "longest"), [
    (["a", "ab", "abc", "b"], "abd", "ab"),
    (["a", "ab", "abc", "b"], "abcd", "abc"),
    (["health", "healthcare", "hospital"], "healthcar", "health"),
    (["a.b", "a"], "axb", "a"),
    (["x y", "x"], "x y", "x y"),
])
def test_the_literal_found_at_an_offset_is_the_longest(literals, text, longest):
    assert re.match(_longest_of(literals), text).group() == longest


TEXTS = [
    "Policy coherence and health-care workers; HEALTHCARE, healthcare_workers and public health",
    "\u212aosovo \u017focial protection of migrants\u2019 rights; \u0130nsurance schemes and insurance",
    "Nationals living abroad, Moldovans settled abroad; small-sized enterprises and medium enterprises",
    "return of nationals, returning migrants, returnees; re-integration and reintegration",
    "data2data collection_data data-collection, data collection data collection data collection",
    "SMEs, MSMEs and SME owners: start-ups, startups; remittance-receiving households; a HIV clinic",
    "labor migration, labour migrants, LABOUR MOBILITY; migrant workers' rights; forced labour",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_cues_are_found_where_a_search_finds_them(sectors, text):
    text = fold(text)
    starts = sectors._index.starts(case_blind(text))
    for number, cue in enumerate(sectors._cues):
        expected = [m.span() for m in itertools.islice(cue.pattern.finditer(text), 4)]
        found = [m.span() for m in _matches(cue.pattern, text, starts[number], 4)] if number in starts else []
        assert found == expected, cue.pattern.pattern


def test_every_cue_of_the_data_file_has_literals(sectors):
    assert all(cue.literals for cue in sectors._cues)


@pytest.mark.parametrize("text", ["Hello", "ÀÉ \u212a \u017f \u0130 \u0131 x_1-y", "".join(map(chr, range(128)))])
def test_case_blind_keeps_word_boundaries(text):
    assert [m.span() for m in re.finditer(r"\b", case_blind(text))] == [m.span() for m in re.finditer(r"\b", text)]


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("date", [
    "end of september. , 2014", "27th september. , 2014", "september. 27th , 2014", "late september. , 2014",
    "end of 2014", "12/2014", "2014-05",
])
def test_no_date_holds_more_than_the_bound_before_its_year(date):
    assert dates.DATE.fullmatch(date) and date.index("2014") <= dates._BEFORE_YEAR


@pytest.mark.parametrize("text", [
    "x" * 300 + " end of September. , 2014 to 2016",
    "y" * 50 + " 27th September. , 2014",
    "A long text without any year at all, " * 10,
    "Since 2006, the office has run it",
    "late May 2013 – present",
    "Timeframe: January 2011 to December 2014",
    "in 12/2013 and 2014-05, 201 and 20145 then 1999",
    "",
])
def test_dates_are_searched_from_the_first_year(text):
    folded = " ".join(text.split())
    expected = dates.DATE.search(folded)
    found = dates._first_date(folded, folded=True)
    assert (found and (found.span(), found.groupdict())) == (expected and (expected.span(), expected.groupdict()))
    reference = dates.DATE.search(text)
    assert dates.parse_date(text) == (dates._iso(reference, end_of_year_as_december=True) if reference else None)


# --- organisations ----------------------------------------------------------------------------

NAMES = ["Ministry of Health", "Ministry of Health of Ghana", "Ghanaian Ministry of Health", "IOM Tirana, Albania",
         "Swiss Agency for Development and Cooperation (SDC)", "Government of Moldova", "MD Government",
         "National Partners", "Ministry of Economy (Ministerio de Economía)", "the UK", ""]


@pytest.mark.parametrize("step, arguments", [
    *[("_clean", (name,)) for name in NAMES],
    *[("_parse", (name,)) for name in NAMES],
    *[("_refused", (name,)) for name in NAMES],
    *[("_split_country", (name,)) for name in NAMES],
    *[("_generic_key", (name,)) for name in NAMES],
    *[("_government_country", (name, context)) for name in NAMES for context in ((), ("GH",), ("GH", "MD"))],
    *[("_office_named", (name,)) for name in [*NAMES, "IOM's Mission in Chisinau, Moldova", "UNICEF HQ"]],
    *[("_office_place", (place,)) for place in ["Tirana, Albania", "Albania", "HQ", "headquarters", "chisinau",
                                                "a, b, c, d, Moldova", "Mission, Chisinau", ""]],
])
def test_remembered_steps_answer_as_the_plain_ones(countries, step, arguments):
    resolver = OrganisationResolver.from_file(MAPPINGS / "organisations.yaml", countries)
    plain = getattr(OrganisationResolver, step).__wrapped__
    for _ in range(2):  # computed, then remembered
        assert getattr(resolver, step)(*arguments) == plain(resolver, *arguments)


def test_organisations_are_a_fresh_list_by_key():
    organisations = load_resolver(MAPPINGS).organisations
    for text in ("UNDP", "IOM Tirana, Albania", "Ministry of Health of Ghana", "Government of Moldova"):
        organisations.resolve(text)
    first = organisations.organisations()
    assert [o.key for o in first] == sorted(o.key for o in first)
    first.clear()
    assert organisations.organisations()
    organisations.resolve("UNICEF")
    assert "unicef" in [o.key for o in organisations.organisations()]
