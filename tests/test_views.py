"""The views answer as the graph does: search ranking, facet counts, programme lists and the
3W cube checked against SPARQL on the same published store, before and after a republish."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from mdgraph.errors import InputError, StoreError
from mdgraph.namespaces import MDG, instance_iri
from mdgraph.store import open_store
from mdgraph.views import Filters, Views, build_views
from mdgraph.views.bitsets import encode
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


FILTERS = [
    Filters(),
    Filters(countries=("md",)),
    Filters(countries=("md", "al")),
    Filters(sectors=("health",)),
    Filters(organisations=("iom",)),
    Filters(organisations=("iom",), roles=("partner",)),
    Filters(roles=("funder",)),
    Filters(roles=("implementer", "partner")),
    Filters(year=2015),
    Filters(year=2030),  # after every date: the open-ended programmes
    Filters(year=1990),
    Filters(countries=("md",), sectors=("health",), year=2014),
    Filters(organisations=("iom", "sdc"), sectors=("diaspora", "remittances")),
    Filters(countries=("zz",)),
]


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


@pytest.mark.parametrize("ids", [[], [0], [1, 2, 3], [7, 8, 9, 64], list(range(0, 200, 3))])
def test_bitsets_encode_sets_of_ids(ids):
    bits = int.from_bytes(encode(ids), "little")
    assert [i for i in range(bits.bit_length()) if bits >> i & 1] == sorted(ids)


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
def test_facet_counts_agree_with_sparql(store, views, filters):
    assert view_facets(views, filters) == nonzero(sparql_facets(store, filters))


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_programme_list_agrees_with_sparql(store, views, filters):
    rows = views.programmes(filters)
    assert sorted(row.iri for row in rows) == sparql_programmes(store, filters)
    assert views.count(filters) == len(rows)


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_three_w_cells_agree_with_sparql(store, views, filters):
    assert view_cells(views, filters) == sparql_cells(store, filters)


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

    store.publish(changed_dataset())
    assert views.stats().store_version != store.version()  # stale until rebuilt
    build_views(store, path)

    assert views.stats().store_version == store.version()
    assert views.search("jmdi") == [] and views.search("OIM")[0].iri == str(instance_iri("organisation", "iom"))
    for filters in FILTERS:
        assert view_facets(views, filters) == nonzero(sparql_facets(store, filters))
        assert view_cells(views, filters) == sparql_cells(store, filters)
        assert sorted(row.iri for row in views.programmes(filters)) == sparql_programmes(store, filters)
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

