"""The views answer as the graph does: search ranking, facet counts, programme lists and the
3W cube checked against SPARQL on the same published store, before and after a republish."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from mdgraph.errors import InputError, StoreError
from mdgraph.extract.text import normalise_key
from mdgraph.namespaces import MDG, instance_iri
from mdgraph.store import open_store
from mdgraph.views import ROLES, Filters, Views, build_views
from mdgraph.views.bitsets import FacetBits, decode, encode
from mdgraph.views import reader
from mdgraph.views.reader import fts_query

DATA = Path(__file__).parent / "data" / "views" / "graph.trig"
THREE_W_QUERY = Path(__file__).parents[1] / "queries" / "three-w-matrix.rq"
ROLE_PROPERTIES = {"implementer": MDG.implementedBy, "funder": MDG.fundedBy, "partner": MDG.hasPartner}
PREFIXES = "PREFIX mdg: <https://w3id.org/mdgraph/ontology#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


def load_dataset() -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(DATA, format="trig")
    return dataset


@pytest.fixture(scope="module")
def store():
    store = open_store("memory://")
    store.publish(load_dataset())
    yield store
    store.close()


@pytest.fixture(scope="module")
def views(store, tmp_path_factory):
    path = tmp_path_factory.mktemp("views") / "views.sqlite"
    build_views(store, path)
    with Views.open(path) as opened:
        yield opened


def warmed_again(views: Views):
    """The same views file opened again and warmed, as mdgraph serve has it: the facets and
    matrices one click away from an unfiltered page are then answers made when warming."""
    with Views.open(views.path) as opened:
        assert opened.warm()
        yield opened


@pytest.fixture(scope="module", params=["cold", "warm"])
def both_views(request, views):
    """The views as first opened (every answer counted when asked), then warmed."""
    if request.param == "cold":
        yield views
    else:
        yield from warmed_again(views)


# -- SPARQL versions of the filter semantics (the reference the views must agree with) ---------

def _values(variable: str, kind: str, keys) -> str:
    return f"VALUES ?{variable} {{ {' '.join(f'<{instance_iri(kind, key)}>' for key in keys)} }}"


def _patterns(filters: Filters, skip=()) -> str:
    parts = []
    if filters.countries and "country" not in skip:
        parts.append(f"?p mdg:targetsCountry ?fc . {_values('fc', 'country', filters.countries)}")
    if filters.sectors and "sector" not in skip:
        parts.append(f"?p mdg:hasSector ?fs . {_values('fs', 'sector', filters.sectors)}")
    if (filters.organisations or filters.roles) and not {"organisation", "role"} & set(skip):
        roles = filters.roles or tuple(ROLE_PROPERTIES)
        parts.append(f"?p ?frole ?forg . VALUES ?frole {{ {' '.join(f'<{ROLE_PROPERTIES[r]}>' for r in roles)} }}")
        if filters.organisations:
            parts.append(_values("forg", "organisation", filters.organisations))
    if filters.year is not None and "year" not in skip:
        parts.append(_year_pattern("p", filters.year))
    return "\n".join(parts)


def _year_pattern(programme: str, year: int) -> str:
    return (f"?{programme} mdg:startDate ?start . OPTIONAL {{ ?{programme} mdg:endDate ?end }} "
            f"FILTER(xsd:integer(SUBSTR(STR(?start), 1, 4)) <= {year} && "
            f"(!BOUND(?end) || xsd:integer(SUBSTR(STR(?end), 1, 4)) >= {year}))")


def _key(iri) -> str:
    return str(iri).rsplit("/", 1)[1]


def sparql_counts(store, select_value: str, filters: Filters, skip) -> dict[str, int]:
    query = (f"{PREFIXES}SELECT ?value (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a mdg:Programme . "
             f"{select_value}\n{_patterns(filters, skip)} }} GROUP BY ?value")
    return {_key(value): int(n) for value, n in store.query(query).rows()}


def sparql_facets(store, filters: Filters) -> dict[str, dict[str, int]]:
    roles = filters.roles or tuple(ROLE_PROPERTIES)
    organisation = (f"?p ?orole ?value . VALUES ?orole {{ {' '.join(f'<{ROLE_PROPERTIES[r]}>' for r in roles)} }}")
    role_counts = {}
    for role, prop in ROLE_PROPERTIES.items():
        pattern = f"?p <{prop}> ?o ." + (_values("o", "organisation", filters.organisations)
                                           if filters.organisations else "")
        rows = store.query(f"{PREFIXES}SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a mdg:Programme . "
                           f"{pattern}\n{_patterns(filters, ('organisation', 'role'))} }}").rows()
        role_counts[role] = int(rows[0][0])
    years = {}
    for year in range(2010, 2017):  # up to the last year any date names (2016)
        rows = store.query(f"{PREFIXES}SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a mdg:Programme . "
                           f"{_year_pattern('p', year)}\n{_patterns(filters, ('year',))} }}").rows()
        years[str(year)] = int(rows[0][0])
    return {
        "country": sparql_counts(store, "?p mdg:targetsCountry ?value .", filters, ("country",)),
        "sector": sparql_counts(store, "?p mdg:hasSector ?value .", filters, ("sector",)),
        "organisation": sparql_counts(store, organisation, filters, ("organisation", "role")),
        "role": role_counts,
        "year": years,
    }


def sparql_programmes(store, filters: Filters) -> list[str]:
    rows = store.query(f"{PREFIXES}SELECT DISTINCT ?p WHERE {{ ?p a mdg:Programme . {_patterns(filters)} }}").rows()
    return sorted(str(p) for (p,) in rows)


def sparql_cells(store, filters: Filters) -> dict[tuple[str, str, str], list[str]]:
    roles = filters.roles or tuple(ROLE_PROPERTIES)
    parts = [(f"?p ?role ?o ; mdg:hasSector ?s ; mdg:targetsCountry ?c . "
              f"VALUES ?role {{ {' '.join(f'<{ROLE_PROPERTIES[r]}>' for r in roles)} }}")]
    for variable, kind, keys in (("o", "organisation", filters.organisations), ("s", "sector", filters.sectors),
                                 ("c", "country", filters.countries)):
        if keys:
            parts.append(_values(variable, kind, keys))
    if filters.year is not None:
        parts.append(_year_pattern("p", filters.year))
    rows = store.query(f"{PREFIXES}SELECT DISTINCT ?o ?s ?c ?p WHERE {{ {' '.join(parts)} }}").rows()
    cells: dict[tuple[str, str, str], list[str]] = {}
    for o, s, c, p in rows:
        cells.setdefault((_key(o), _key(s), _key(c)), []).append(str(p))
    return {cell: sorted(programmes) for cell, programmes in cells.items()}


def view_cells(views, filters: Filters) -> dict[tuple[str, str, str], list[str]]:
    return {(c.organisation.key, c.sector.key, c.country.key): sorted(c.programmes) for c in views.three_w(filters)}


def view_facets(views, filters: Filters) -> dict[str, dict[str, int]]:
    return {facet: {v.key: v.count for v in values if v.count} for facet, values in views.facets(filters).items()}


def nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {facet: {k: n for k, n in values.items() if n} for facet, values in counts.items()}


#: Every set of roles, each a filter the whole cube has a precomputed answer for.
ROLE_SETS = [tuple(role for bit, role in enumerate(ROLES) if mask >> bit & 1) for mask in range(1, 8)]

FILTERS = [
    Filters(),
    Filters(countries=("md",)),
    Filters(countries=("md", "al")),
    Filters(sectors=("health",)),
    Filters(organisations=("iom",)),
    Filters(organisations=("iom",), roles=("partner",)),
    *(Filters(roles=roles) for roles in ROLE_SETS),
    *(Filters(year=year) for year in range(2011, 2018)),  # the years any date names are 2012 to 2016
    Filters(year=2030),  # after every date: the open-ended programmes
    Filters(year=1990),
    Filters(roles=("funder",), year=2015),
    Filters(countries=("md",), roles=("implementer",)),
    Filters(countries=("md",), sectors=("health",), year=2014),
    Filters(organisations=("iom", "sdc"), sectors=("diaspora", "remittances")),
    Filters(countries=("zz",)),
]


def in_served_order(cells) -> bool:
    """Largest first, then by organisation, sector and country name (as resource ids order them)."""
    def by_name(ref):
        return normalise_key(ref.label), ref.iri
    keys = [(-c.count, by_name(c.organisation), by_name(c.sector), by_name(c.country)) for c in cells]
    return keys == sorted(keys)


# -- search ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, first", [
    ("IOM", "organisation/iom"),
    ("iom", "organisation/iom"),
    ("moldova", "country/md"),
    ("Moldova", "country/md"),
    ("Republic of Moldova", "country/md"),
    ("kosovo", "country/xk"),
    ("SDC", "organisation/sdc"),
    ("Swiss Development Cooperation", "organisation/sdc"),
    ("DEED", "programme/diaspora-engagement-for-economic-development"),
    ("health", "sector/health"),
    ("joint migration", "programme/jmdi"),
    ("IOM\"", "organisation/iom"),
    ("Moldóva", "country/md"),
])
def test_search_ranks_the_expected_resource_first(views, text, first):
    hits = views.search(text)
    assert hits and hits[0].iri.endswith(first), [h.iri for h in hits]


def test_search_ranks_names_above_descriptions(views):
    hits = views.search("IOM")
    fields = [h.field for h in hits]
    assert hits[0].matched == "IOM" and hits[0].field == "alt"
    assert "description" in fields
    assert fields.index("description") > max(i for i, f in enumerate(fields) if f != "description")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("text", ["IOM", "moldova", "migration", "health", "mol", "diaspora engagement"])
@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_a_smaller_limit_keeps_the_first_hits(views, text, limit):
    assert views.search(text, limit=limit) == views.search(text, limit=100)[:limit]
    assert views.suggest(text, limit=limit) == views.suggest(text, limit=100)[:limit]


def test_search_words_in_any_order_and_by_kind(views):
    assert views.search("migration joint")[0].iri.endswith("programme/jmdi")
    assert {h.kind for h in views.search("moldova", kinds=["programme"])} == {"programme"}
    assert views.search("moldova", kinds=["document"]) == []


@pytest.mark.parametrize("prefix, first", [
    ("mol", "country/md"),
    ("swiss dev", "organisation/sdc"),
    ("jm", "programme/jmdi"),
    ("inter", "organisation/iom"),
    ("Alb", "country/al"),
])
def test_suggest_completes_names(views, prefix, first):
    hits = views.suggest(prefix)
    assert hits and hits[0].iri.endswith(first), [h.iri for h in hits]


def test_suggest_ignores_descriptions(views):
    assert views.search("practice")[0].field == "description"
    assert views.suggest("practice") == []


HOSTILE = ['"', "*", "OR", "AND", "NOT", "NEAR(", "NEAR(a b", '"unbalanced', "'", "(", ")", "{label}:", "label:iom",
           "^iom", "iom*", "-iom", "+", 'a" OR "b', "x" * 10_000, "IOM " * 3_000, "\x00", "\ud800", "", "   ",
           "🙂", "%", "_", "\\", "iom' --", "; DROP TABLE name;"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_raises(views, text):
    assert isinstance(views.search(text), list)
    assert isinstance(views.suggest(text), list)


@pytest.mark.parametrize("ids", [[], [0], [1, 2, 3], [7, 8, 9, 64], list(range(0, 200, 3)), [5, 1, 3, 3],
                                 list(range(70_000, 140_000)), [2**32 - 1]])
def test_programme_sets_read_back_as_written(ids):
    """Sets span containers (ids past 65,535), long stretches of consecutive ids and the largest id alike."""
    programmes = decode(encode(ids))
    assert list(programmes) == sorted(set(ids))
    assert list(programmes[1:4]) == sorted(set(ids))[1:4]


def random_facet_sets(seed: int) -> dict[tuple[str, int, int], set[int]]:
    """Facet sets as Python sets, keyed as facet_bits rows are: 3,000 programmes with ids up to
    150,000 (three roaring containers), 9 countries, 4 sectors, 12 organisations in up to
    three roles, from one programme to half of them."""
    rng = random.Random(seed)
    programmes = rng.sample(range(1, 150_000), 3000)
    sets = {("all", 0, 0): set(programmes)}
    for facet, values, share in (("country", range(500, 509), 0.2), ("sector", range(600, 604), 0.4)):
        for value in values:
            sets[facet, value, 0] = set(rng.sample(programmes, int(len(programmes) * share * rng.random())))
    for organisation in range(700, 712):
        size = rng.choice([1, 3, 10, 40, 1500])
        for role in rng.sample([1, 2, 4], rng.randint(1, 3)):
            sets["organisation", organisation, role] = set(rng.sample(programmes, rng.randint(1, size)))
    return sets


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facet_sets_count_as_python_sets_do(seed):
    """An organisation in any set of roles, a facet's counts under a filter and a matrix."""
    sets = random_facet_sets(seed)
    bits = FacetBits.from_rows([(facet, value, role, encode(ids)) for (facet, value, role), ids in sets.items()])
    organisations = range(700, 712)
    for mask in range(8):
        for organisation in organisations:
            assert set(bits.organisation(organisation, mask)) == set().union(*(
                ids for (facet, value, role), ids in sets.items()
                if facet == "organisation" and value == organisation and (not mask or role & mask)))
    ids = {"country": [], "sector": [601], "organisation": []}
    counts = bits.counts("country", Filters(sectors=("health",)), ids)
    assert counts == {country: found for (facet, country, _), programmes in sets.items() if facet == "country"
                      if (found := len(programmes & sets["sector", 601, 0]))}
    down = {organisation: bits.organisation(organisation, 5) for organisation in organisations}
    crossed = bits.crossed(down, bits.countries)
    for organisation in organisations:
        for (facet, country, _), programmes in sets.items():
            if facet == "country":
                assert crossed.count(organisation, country) == len(set(down[organisation]) & programmes)


@pytest.mark.parametrize("tokens, prefix, expected", [
    (["iom"], False, '{label alt} : ("iom")'),
    (["swiss", "dev"], True, '{label alt} : ("swiss" "dev"*)'),
    (['a"b'], False, '{label alt} : ("a""b")'),
])
def test_fts_query_quotes_every_token(tokens, prefix, expected):
    assert fts_query(tokens, ["label", "alt"], prefix) == expected


def test_search_rejects_unknown_kinds_and_bad_limits(views):
    with pytest.raises(InputError, match="kinds"):
        views.search("iom", kinds=["person"])
    with pytest.raises(InputError, match="limit"):
        views.search("iom", limit=0)


# -- filters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("params, expected", [
    ({}, Filters()),
    ({"country": ["md"]}, Filters(countries=("md",))),
    ({"country": ["MD", "al"]}, Filters(countries=("al", "md"))),
    ({"country": ["md,al"]}, Filters(countries=("al", "md"))),
    ({"sector": ["health"], "role": ["funder"]}, Filters(sectors=("health",), roles=("funder",))),
    ({"organisation": ["iom"], "year": ["2014"]}, Filters(organisations=("iom",), year=2014)),
    ({"country": [""], "year": [""], "page": ["2"]}, Filters()),
    ({"role": "implementer"}, Filters(roles=("implementer",))),
])
def test_filters_from_query(params, expected):
    assert Filters.from_query(params) == expected


@pytest.mark.parametrize("params, parameter", [
    ({"role": ["boss"]}, "role"),
    ({"year": ["20x4"]}, "year"),
    ({"year": ["2014", "2015"]}, "year"),
    ({"year": ["14"]}, "year"),
    ({"country": ["<script>"]}, "country"),
    ({"organisation": ["iom org"]}, "organisation"),
    ({"sector": ["x" * 300]}, "sector"),
    ({"country": [f"c{i}" for i in range(101)]}, "country"),
])
def test_filters_name_the_bad_parameter(params, parameter):
    with pytest.raises(InputError, match=f"'{parameter}'"):
        Filters.from_query(params)


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_filters_round_trip_through_the_url(filters):
    assert Filters.from_query(filters.to_query()) == filters


def test_filters_toggle_and_clear():
    filters = Filters().toggle("country", "md").toggle("sector", "health").toggle("year", "2014")
    assert filters == Filters(countries=("md",), sectors=("health",), year=2014)
    assert filters.toggle("country", "md").without("year") == Filters(sectors=("health",))
    with pytest.raises(InputError, match="unknown facet"):
        filters.without("colour")
    with pytest.raises(InputError, match="unknown facet"):
        filters.toggle("colour", "red")


# -- views against SPARQL on the same store ------------------------------------------------------

@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_facet_counts_agree_with_sparql(store, both_views, filters):
    assert view_facets(both_views, filters) == nonzero(sparql_facets(store, filters))


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_programme_list_agrees_with_sparql(store, views, filters):
    rows = views.programmes(filters)
    assert sorted(row.iri for row in rows) == sparql_programmes(store, filters)
    assert views.count(filters) == len(rows)


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_three_w_cells_agree_with_sparql(store, views, filters):
    assert view_cells(views, filters) == sparql_cells(store, filters)
    assert in_served_order(views.three_w(filters))


def test_three_w_agrees_with_the_named_query(store, views):
    rows = store.query(THREE_W_QUERY.read_text(encoding="utf-8")).rows()
    expected = {(_key(row[0]), _key(row[2]), _key(row[4])): int(row[6]) for row in rows}
    cells = views.three_w(Filters())
    assert {(c.organisation.key, c.sector.key, c.country.key): c.count for c in cells} == expected
    assert [c.count for c in cells] == sorted((c.count for c in cells), reverse=True)


def test_selected_values_are_listed_even_without_programmes(views):
    facets = views.facets(Filters(countries=("zz",), year=1990))
    assert [(v.key, v.count, v.selected) for v in facets["country"] if v.selected] == [("zz", 0, True)]
    assert [(v.key, v.count, v.selected) for v in facets["year"] if v.selected] == [("1990", 0, True)]


def test_programme_rows_carry_roles_and_pages(views):
    rows = views.programmes(Filters(organisations=("iom",)))
    pilot = next(row for row in rows if row.key == "md-labour-mobility-pilot")
    assert [r.key for r in pilot.implementers] == ["iom"] and [r.key for r in pilot.partners] == ["iom"]
    assert [r.key for r in pilot.countries] == ["al", "md"] and pilot.start == "2016" and pilot.end is None
    assert pilot.as_dict()["implementers"] == ({"iri": str(instance_iri("organisation", "iom")), "kind": "organisation",
                                                "key": "iom", "label": "International Organization for Migration"},)
    assert [row.key for row in views.programmes(Filters(), limit=2, offset=1)] == \
           [row.key for row in views.programmes(Filters())][1:3]


# -- one views file per published graph --------------------------------------------------------

def changed_dataset() -> rdflib.Dataset:
    """The fixture without JMDI, with a new programme in Kosovo and a new acronym for IOM."""
    dataset = load_dataset()
    jmdi = instance_iri("programme", "jmdi")
    for graph in list(dataset.graphs()):
        graph.remove((jmdi, None, None))
    graph = dataset.graph(URIRef("https://w3id.org/mdgraph/graph/document/doc-b"))
    new = instance_iri("programme", "kosovo-health-diaspora")
    graph.add((new, rdflib.RDF.type, MDG.Programme))
    graph.add((new, rdflib.RDFS.label, Literal("Health diaspora in Kosovo", lang="en")))
    graph.add((new, MDG.targetsCountry, instance_iri("country", "xk")))
    graph.add((new, MDG.hasSector, instance_iri("sector", "health")))
    graph.add((new, MDG.fundedBy, instance_iri("organisation", "sdc")))
    graph.add((instance_iri("organisation", "iom"), SKOS.altLabel, Literal("OIM", lang="fr")))
    return dataset


def test_rebuild_after_publish_changes_the_answers(tmp_path):
    store = open_store("memory://")
    store.publish(load_dataset())
    path = tmp_path / "views.sqlite"
    build_views(store, path)
    views = Views.open(path)
    assert views.search("jmdi") and not views.search("OIM")
    assert views.stats().store_version == store.version()
    for filters in FILTERS:  # fill what the views keep in memory, which the rebuild must replace
        views.three_w(filters)
        views.programmes(filters)
        views.matrix(filters, "organisation", "sector")

    store.publish(changed_dataset())
    assert views.stats().store_version != store.version()  # stale until rebuilt
    build_views(store, path)

    assert views.stats().store_version == store.version()
    assert views.search("jmdi") == [] and views.search("OIM")[0].iri == str(instance_iri("organisation", "iom"))
    for filters in FILTERS:
        assert view_facets(views, filters) == nonzero(sparql_facets(store, filters))
        assert view_cells(views, filters) == sparql_cells(store, filters)
        assert sorted(row.iri for row in views.programmes(filters)) == sparql_programmes(store, filters)
        table = views.matrix(filters, "organisation", "sector")
        assert (table.counts, table.row_totals, table.column_totals, table.total) == \
            sparql_matrix(store, filters, "organisation", "sector")
    assert [path.name] == [p.name for p in tmp_path.iterdir()]  # no temporary files left
    views.close()


class FailingStore:
    url = "memory://failing"

    def version(self) -> str:
        return "broken"

    def query(self, *args, **kwargs):
        raise StoreError("memory://failing: the store went away")


def test_a_failed_build_keeps_the_previous_views(store, tmp_path):
    path = tmp_path / "views.sqlite"
    build_views(store, path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="went away"):
        build_views(FailingStore(), path)
    assert path.read_bytes() == before
    assert Views.open(path).search("IOM")


def test_missing_or_damaged_views_name_the_file(tmp_path):
    missing = tmp_path / "none.sqlite"
    with pytest.raises(StoreError, match="none.sqlite"):
        Views.open(missing)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged.sqlite"):
        Views.open(damaged)


@pytest.mark.parametrize("filters", [Filters(), Filters(year=2015), Filters(roles=("funder", "partner"))], ids=str)
def test_three_w_limit_keeps_the_largest_cells_and_lists_programmes_by_title(views, filters):
    cells = views.three_w(filters)
    assert views.three_w(filters, limit=3) == cells[:3]
    by_title = [row.iri for row in views.programmes(Filters())]
    assert all(list(c.programmes) == sorted(c.programmes, key=by_title.index) for c in cells)
    assert any(c.count > 1 for c in cells)


# -- the whole cube under every single filter, on a larger random graph --------------------------

SYNTHETIC = {
    "country": {"md": "Moldova", "al": "Albania", "xk": "Kosovo", "ph": "Philippines", "ng": "Nigeria"},
    "sector": {"health": "Health", "diaspora": "Diaspora engagement", "remittances": "Remittances",
               "labour-mobility": "Labour mobility"},
    "organisation": {"iom": "International Organization for Migration", "sdc": "Swiss Agency for Development",
                     "undp": "United Nations Development Programme", "who": "World Health Organization",
                     "ec": "European Commission", "ifad": "International Fund for Agricultural Development"},
}
WORDS = ["strengthening", "diaspora", "health", "labour", "mobility", "remittances", "youth", "return", "skills"]


def synthetic_dataset(seed: int = 5, count: int = 90) -> rdflib.Dataset:
    """Programmes with zero to three countries, zero to two sectors, one to three organisations
    each in one to three roles, and every kind of dates: none, a start only (open-ended), an end
    only (in no year), one year, several; titles in an order unrelated to their keys."""
    rng = random.Random(seed)
    dataset = rdflib.Dataset()
    graph = dataset.graph(URIRef("https://w3id.org/mdgraph/graph/document/synthetic"))
    for kind, labels in SYNTHETIC.items():
        for key, label in labels.items():
            graph.add((instance_iri(kind, key), RDF.type, MDG[kind.capitalize()]))
            graph.add((instance_iri(kind, key), RDFS.label, Literal(label, lang="en")))
    for number in range(count):
        programme = instance_iri("programme", f"p{number}")
        graph.add((programme, RDF.type, MDG.Programme))
        graph.add((programme, RDFS.label, Literal(f"{' '.join(rng.sample(WORDS, 2))} {number}", lang="en")))
        for country in rng.sample(sorted(SYNTHETIC["country"]), rng.choice([0, 1, 1, 2, 3])):
            graph.add((programme, MDG.targetsCountry, instance_iri("country", country)))
        for sector in rng.sample(sorted(SYNTHETIC["sector"]), rng.choice([0, 1, 1, 2])):
            graph.add((programme, MDG.hasSector, instance_iri("sector", sector)))
        for organisation in rng.sample(sorted(SYNTHETIC["organisation"]), rng.choice([1, 1, 2, 3])):
            for role in rng.sample(sorted(ROLE_PROPERTIES), rng.choice([1, 1, 1, 2, 3])):
                graph.add((programme, ROLE_PROPERTIES[role], instance_iri("organisation", organisation)))
        start = rng.choice([None, *range(2008, 2016)])
        end = rng.choice([None, start, start + rng.randint(1, 4)]) if start else rng.choice([None, 2012])
        for prop, year in ((MDG.startDate, start), (MDG.endDate, end)):
            if year is not None:
                graph.add((programme, prop, Literal(str(year), datatype=XSD.gYear)))
    return dataset


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    store = open_store("memory://")
    store.publish(synthetic_dataset())
    path = tmp_path_factory.mktemp("synthetic") / "views.sqlite"
    build_views(store, path)
    with Views.open(path) as opened:
        yield store, opened
    store.close()


@pytest.fixture(scope="module", params=["cold", "warm"])
def both_synthetic(request, synthetic):
    """`synthetic` as first opened, then warmed."""
    store, views = synthetic
    if request.param == "cold":
        yield store, views
    else:
        for warmed in warmed_again(views):
            yield store, warmed


SINGLE_FILTERS = [
    Filters(),
    *(Filters(roles=roles) for roles in ROLE_SETS),
    *(Filters(year=year) for year in (1990, *range(2007, 2021), 2030)),
    *(Filters(**{facet: (key,)}) for facet, kind in (("countries", "country"), ("sectors", "sector"),
                                                    ("organisations", "organisation")) for key in SYNTHETIC[kind]),
    Filters(countries=("md", "al"), sectors=("health",)),
    Filters(organisations=("iom",), year=2012),
    Filters(roles=("partner", "funder"), year=2011),
    Filters(roles=("funder",), year=2012),
    Filters(roles=("implementer",), year=2030),
    Filters(roles=("partner",), year=1990),
    Filters(countries=("md",), roles=("implementer",), year=2015),
    Filters(organisations=("iom",), roles=("partner",), year=2012),
    Filters(sectors=("health",), roles=("funder", "implementer"), year=2014),
    Filters(countries=("xk",), roles=("funder",)),
    Filters(countries=("md", "al"), sectors=("health",), year=2012),
    Filters(sectors=("health",), roles=("implementer", "partner")),
    Filters(countries=("md",), year=2030),
    Filters(sectors=("remittances",), year=2012),
    Filters(organisations=("undp",), roles=("funder",)),
]


@pytest.mark.parametrize("filters", SINGLE_FILTERS, ids=str)
def test_the_whole_cube_under_any_filter_agrees_with_sparql(synthetic, filters):
    store, views = synthetic
    cells = views.three_w(filters)
    assert view_cells(views, filters) == sparql_cells(store, filters)
    assert in_served_order(cells)
    assert views.three_w(filters, limit=7) == cells[:7]
    by_title = {row.iri: place for place, row in enumerate(views.programmes(Filters()))}
    assert all(list(c.programmes) == sorted(c.programmes, key=by_title.__getitem__) for c in cells)
    assert sorted(row.iri for row in views.programmes(filters)) == sparql_programmes(store, filters)


@pytest.mark.parametrize("filters", [Filters(roles=("funder",), year=2012), Filters(roles=("partner",), year=2015),
                                     Filters(countries=("md", "al"), roles=("implementer",), year=2014)], ids=str)
def test_a_role_set_with_a_year_cut_at_any_limit_is_the_head_of_the_whole_answer(synthetic, filters):
    """Slice.held stops reading once the limit is met; cells that lost programmes wait until
    no cell still to come can be larger, so a cut never skips or reorders one."""
    _, views = synthetic
    cells = views.three_w(filters)
    in_the_year = {_where(c): c.count for c in views.three_w(dataclasses.replace(filters, roles=()))}
    assert any(c.count < in_the_year[_where(c)] for c in cells)  # some cells wait, and move down
    for limit in range(len(cells) + 2):
        assert views.three_w(filters, limit=limit) == cells[:limit]


def _where(cell) -> tuple[str, str, str]:
    return cell.organisation.key, cell.sector.key, cell.country.key


def test_only_resources_typed_as_programmes_are_listed(tmp_path):
    """Links of a subject not typed mdg:Programme (a document, an untyped node) make no programme."""
    dataset = synthetic_dataset(count=6)
    graph = dataset.graph(URIRef("https://w3id.org/mdgraph/graph/document/other"))
    stray, document = instance_iri("programme", "untyped"), instance_iri("document", "d1")
    graph.add((document, RDF.type, MDG.Document))
    for subject in (stray, document):
        graph.add((subject, MDG.targetsCountry, instance_iri("country", "md")))
        graph.add((subject, MDG.implementedBy, instance_iri("organisation", "iom")))
    store = open_store("memory://")
    store.publish(dataset)
    build_views(store, tmp_path / "views.sqlite")
    with Views.open(tmp_path / "views.sqlite") as views:
        listed = {row.iri for row in views.programmes(Filters())}
        assert listed == {str(instance_iri("programme", f"p{n}")) for n in range(6)}
        assert all(str(stray) not in cell.programmes and str(document) not in cell.programmes
                   for cell in views.three_w(Filters(countries=("md",))))
    store.close()


def test_the_synthetic_cube_has_cells_kept_in_part(synthetic):
    """The random graph exercises what the precomputed answers are for: cells of several
    programmes that a role or a year keeps only some of."""
    _, views = synthetic
    whole = {(c.organisation.key, c.sector.key, c.country.key): c.count for c in views.three_w()}
    for filters in (Filters(roles=("funder",)), Filters(year=2012), Filters(sectors=("remittances",), year=2012),
                    Filters(organisations=("undp",), roles=("funder",)), Filters(roles=("implementer",), year=2012)):
        narrowed = [c for c in views.three_w(filters)
                    if c.count < whole[c.organisation.key, c.sector.key, c.country.key]]
        assert any(c.count > 1 for c in narrowed)


# -- the 3W matrix: two axes crossed, as the /3w page shows them -----------------------------------

AXIS_PAIRS = [("organisation", "sector"), ("sector", "organisation"), ("organisation", "country"),
              ("country", "sector")]


def _axis_pattern(axis: str, variable: str, filters: Filters) -> str:
    """The values of one 3W axis for ?p: only the selected ones of a filtered facet, and
    organisations only in the selected roles."""
    if axis == "organisation":
        roles = filters.roles or tuple(ROLE_PROPERTIES)
        properties = " ".join(f"<{ROLE_PROPERTIES[role]}>" for role in roles)
        pattern = f"?p ?{variable}role ?{variable} . VALUES ?{variable}role {{ {properties} }}"
        keys = filters.organisations
    else:
        pattern = f"?p {'mdg:targetsCountry' if axis == 'country' else 'mdg:hasSector'} ?{variable} ."
        keys = filters.countries if axis == "country" else filters.sectors
    return pattern + (_values(variable, axis, keys) if keys else "")


def sparql_matrix(store, filters: Filters, rows: str, columns: str) -> tuple:
    where = f"?p a mdg:Programme . {_patterns(filters)}"
    down, across = _axis_pattern(rows, "r", filters), _axis_pattern(columns, "c", filters)
    counts = {(_key(r), _key(c)): int(n) for r, c, n in store.query(
        f"{PREFIXES}SELECT ?r ?c (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} {down} {across} }} GROUP BY ?r ?c").rows()}
    totals = [{_key(value): int(n) for value, n in store.query(
        f"{PREFIXES}SELECT ?{v} (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} {pattern} }} GROUP BY ?{v}").rows()}
        for v, pattern in (("r", down), ("c", across))]
    both = store.query(f"{PREFIXES}SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} {down} {across} }}").rows()
    total = int(both[0][0])
    return counts, *totals, total


def by_size(refs, totals) -> bool:
    keys = [(-totals[ref.key], ref.label.casefold(), ref.key) for ref in refs]
    return keys == sorted(keys)


@pytest.mark.parametrize("rows, columns", AXIS_PAIRS)
@pytest.mark.parametrize("filters", SINGLE_FILTERS[::3] + [Filters(organisations=("iom", "sdc"), roles=("partner",)),
                                                           Filters(countries=("zz",))], ids=str)
def test_matrix_agrees_with_sparql(both_synthetic, filters, rows, columns):
    store, views = both_synthetic
    table = views.matrix(filters, rows, columns)
    assert (table.counts, table.row_totals, table.column_totals, table.total) == \
        sparql_matrix(store, filters, rows, columns)
    for refs, totals in ((table.rows, table.row_totals), (table.columns, table.column_totals)):
        assert set(totals) == {ref.key for ref in refs} and by_size(refs, totals)


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_matrix_on_the_fixture_graph_agrees_with_sparql(store, both_views, filters):
    for rows, columns in AXIS_PAIRS:
        table = both_views.matrix(filters, rows, columns)
        assert (table.counts, table.row_totals, table.column_totals, table.total) == \
            sparql_matrix(store, filters, rows, columns)


def test_matrix_axes_must_differ(views):
    with pytest.raises(InputError, match="two different axes"):
        views.matrix(Filters(), "sector", "sector")
    with pytest.raises(InputError, match="two different axes"):
        views.matrix(Filters(), "sector", "year")


def test_search_scores_the_first_names_that_match_entities_then_shortest(views, monkeypatch):
    assert {"organisation", "programme"} <= {hit.kind for hit in views.suggest("dev", limit=10)}
    monkeypatch.setattr(reader, "CANDIDATES", 1)  # as if thousands of titles had a word starting "dev"
    assert [hit.key for hit in views.suggest("dev", limit=10)] == ["sdc"]  # an organisation's name comes first
    matching = ("SELECT n.text, r.kind FROM name_fts f JOIN name n ON n.id = f.rowid JOIN resource r ON r.id = n.resource "
                "WHERE name_fts MATCH '{label alt} : (\"moldova\"*)'")
    with sqlite3.connect(views.path) as connection:
        names = connection.execute(matching).fetchall()
    before = sum(kind != "programme" for _, kind in names)  # the names of other kinds come first
    titles = sorted((len(text), text) for text, kind in names if kind == "programme")
    assert len(titles) >= 3
    for shortest in range(1, len(titles)):  # then programme titles, shortest first
        if titles[shortest - 1][0] == titles[shortest][0]:
            continue  # a tie: either may come first
        monkeypatch.setattr(reader, "CANDIDATES", before + shortest)
        hits = views.suggest("moldova", kinds=["programme"], limit=10)
        assert {hit.matched for hit in hits} == {text for _, text in titles[:shortest]}
