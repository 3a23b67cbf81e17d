"""The pure parts of the browsing pages, table-driven: marking names in quotes, counting,
dates, the timeline layout, the map projection and TopoJSON decoding, the 3W matrix and its
drill-down filters, facet links, and the Content-Security-Policy."""

from __future__ import annotations

import csv
import io
import json
import math
from urllib.parse import parse_qs

import pytest

from mdgraph.views import FacetValue, Filters, ProgrammeRow, Ref
from mdgraph.web.browse import common
from mdgraph.web.browse.common import query_string
from mdgraph.web.browse.geo import Arcs, Shape, WorldMap, equal_earth, rings, svg_path, world_map
from mdgraph.web.browse.pictures import choropleth, legend, numeric_code, shape_for
from mdgraph.web.browse.programmes import CSV_COLUMNS, csv_row, facet_view
from mdgraph.web.browse.resource_pages import kind_of
from mdgraph.web.browse.security import CYTOSCAPE_STYLE, POLICY, policy_for, style_hash
from mdgraph.web.browse.text import heat_level, highlight, safe_url, span, tally, year_of
from mdgraph.views.filters import filterable
from mdgraph.web.browse.threew import drill_query
from mdgraph.web.browse.timeline import layout, year_position

ID = "https://w3id.org/mdgraph/id/"


def ref(kind: str, key: str, label: str | None = None) -> Ref:
    return Ref(f"{ID}{kind}/{key}", kind, key, label or key.upper())


def row(key: str, start=None, end=None, countries=(), sectors=(), implementers=(), funders=(), partners=()) -> ProgrammeRow:
    return ProgrammeRow(f"{ID}programme/{key}", key, key.title(), start, end,
                        tuple(ref("country", c) for c in countries), tuple(ref("sector", s) for s in sectors),
                        tuple(ref("organisation", o) for o in implementers), tuple(ref("organisation", o) for o in funders),
                        tuple(ref("organisation", o) for o in partners))


# -- text helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, names, expected", [
    ("implemented in the Republic of Moldova", ["Moldova"], [("implemented in the Republic of ", False), ("Moldova", True)]),
    ("implemented in the Republic of Moldova", ["Moldova", "Republic of Moldova"],
     [("implemented in the ", False), ("Republic of Moldova", True)]),
    ("Funded by IOM and iom", ["IOM"], [("Funded by ", False), ("IOM", True), (" and ", False), ("iom", True)]),
    ("Moldovan officials", ["Moldova"], [("Moldovan officials", False)]),  # whole words only
    ("a (b) c", ["(b)"], [("a ", False), ("(b)", True), (" c", False)]),  # names are not patterns
    ("nothing here", [], [("nothing here", False)]),
    ("", ["x"], []),
    ("x y", ["x", ""], [("x y", False)]),  # one-letter and empty names mark nothing
])
def test_highlight(text, names, expected):
    assert highlight(text, names) == expected
    assert "".join(piece for piece, _ in highlight(text, names)) == text


def test_tally_counts_groups_and_skips_the_page_itself():
    a, b, c = ref("organisation", "a", "Alpha"), ref("organisation", "b", "Beta"), ref("organisation", "c", "alpha2")
    assert tally([(a, b), (a, a, c), (b,)], skip=c.iri) == [(a, 2), (b, 2)]
    assert tally([]) == []


@pytest.mark.parametrize("start, end, expected", [
    ("2011", "2014-06", "2011 – 2014-06"), ("2013-11-27", None, "2013-11-27 – open-ended"),
    (None, "2015", "until 2015"), (None, None, ""),
])
def test_span(start, end, expected):
    assert span(start, end) == expected


@pytest.mark.parametrize("lexical, year", [("2014", 2014), ("2014-06", 2014), ("2014-06-30", 2014), ("", None),
                                           (None, None), ("soon", None)])
def test_year_of(lexical, year):
    assert year_of(lexical) == year


@pytest.mark.parametrize("count, highest, level", [(0, 10, 0), (1, 0, 0), (1, 1, 6), (10, 10, 6), (1, 10, 2),
                                                   (1, 1000, 1), (999, 1000, 6), (20, 10, 6)])
def test_heat_level(count, highest, level):
    assert heat_level(count, highest) == level


@pytest.mark.parametrize("iri, kind", [
    (f"{ID}country/md", "country"), (f"{ID}programme/a-b", "programme"), (f"{ID}programme/a#q-1", None),
    (f"{ID}planet/earth", None), (f"{ID}sector", None), ("http://example.org/country/md", None),
])
def test_kind_of(iri, kind):
    assert kind_of(iri) == kind


@pytest.mark.parametrize("iri, safe", [
    ("https://www.wikidata.org/entity/Q217", True), ("http://example.org/a?b=1&c=2", True), ("HTTPS://x.org", True),
    ("javascript:alert(1)", False), ("data:text/html,<script>", False), ("  https://x.org", False),
    ("urn:isbn:123", False), ("//evil.org", False),
])
def test_safe_url(iri, safe):
    assert (safe_url(iri) == iri) is safe and (safe_url(iri) is None) is not safe


@pytest.mark.parametrize("key, expected", [("md", True), ("iom-tirana", True), ("javascript:alert(6)", False),
                                           ("Upper", False), ("", False)])
def test_filterable(key, expected):
    assert filterable(key) is expected


# -- the timeline ------------------------------------------------------------------------------


@pytest.mark.parametrize("lexical, end, position", [
    ("2014", False, 2014.0), ("2014", True, 2015.0), ("2014-07", False, 2014.5), ("2014-06", True, 2014.5),
    ("2014-07-15", False, 2014.5), ("", False, None), ("n/a", True, None),
])
def test_year_position(lexical, end, position):
    assert year_position(lexical, end) == position


def test_timeline_layout():
    rows = [row("late", "2014", "2015"), row("early", "2010-01", "2011-12"), row("open", "2012"), row("undated")]
    timeline = layout(rows)
    assert (timeline.first, timeline.last) == (2010, 2016)
    assert [b.row.key for b in timeline.bars] == ["early", "open", "late"]
    early, open_ended, late = timeline.bars
    assert early.left == 0 and math.isclose(early.width, 100 * 2 / 6, abs_tol=0.02)
    assert open_ended.open_ended and math.isclose(open_ended.left + open_ended.width, 100, abs_tol=0.02)
    assert [r.key for r in timeline.undated] == ["undated"]
    assert timeline.ticks[0] == (2010, 0.0) and timeline.ticks[-1] == (2016, 100.0)
    assert layout([row("undated")]).bars == ()


def test_timeline_ticks_thin_out_over_long_spans():
    timeline = layout([row("a", "1950"), row("b", "2020", "2021")])
    assert len(timeline.ticks) <= 12 and all(year % 10 == 0 for year, _ in timeline.ticks)


# -- the map -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lon, lat", [(0, 0), (180, 0), (-180, 0), (0, 90), (0, -90), (28.8, 47.0), (-74, -12)])
def test_equal_earth_is_symmetric_and_bounded(lon, lat):
    x, y = equal_earth(lon, lat)
    assert equal_earth(-lon, -lat) == pytest.approx((-x, -y))
    assert abs(x) <= 2.7067 and abs(y) <= 1.3175
    assert equal_earth(0, 0) == (0.0, 0.0)


def test_equal_earth_extremes():
    assert equal_earth(180, 0)[0] == pytest.approx(2 * math.sqrt(3) * math.pi / (3 * 1.340264))
    assert equal_earth(0, 90)[1] == pytest.approx(1.3173, abs=1e-4)


TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [1, 1], "translate": [0, 0]},
    "arcs": [[[0, 0], [10, 0], [0, 10]], [[10, 10], [-10, 0], [0, -10]], [[20, 20], [1, 0], [0, 1], [-1, 0]]],
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]], "id": "498", "properties": {"name": "Moldova"}},
        {"type": "MultiPolygon", "arcs": [[[~1, ~0]], [[2]]], "properties": {"name": "Kosovo"}},
        {"type": "Polygon", "arcs": [[0, 1]], "id": "010", "properties": {"name": "Far south"}},
    ]}},
}


def test_arcs_are_delta_decoded_and_reversed():
    arcs = Arcs(TOPOLOGY)
    assert arcs[0] == [(0, 0), (10, 0), (10, 10)]
    assert arcs[~0] == [(10, 10), (10, 0), (0, 0)]
    assert rings(TOPOLOGY["objects"]["countries"]["geometries"][0], arcs) == [[(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]]
    assert len(rings(TOPOLOGY["objects"]["countries"]["geometries"][1], arcs)) == 2
    assert rings({"type": "Point", "coordinates": [0, 0]}, arcs) == []


def test_svg_path_rounds_and_drops_repeats_and_slivers():
    assert svg_path([[(0.04, 0), (0.01, 0.02), (5, 0), (5, 5)], [(1, 1), (1.01, 1.02)]]) == "M0,0L5,0L5,5Z"


def test_world_map_scales_to_the_width_and_marks_tiny_countries():
    world = world_map(TOPOLOGY, width=100, smallest=5)
    assert world.width == 100 and world.height > 0
    assert [(s.numeric, s.name) for s in world.shapes] == [("498", "Moldova"), (None, "Kosovo"), ("010", "Far south")]
    assert all(s.path.startswith("M") for s in world.shapes)
    detailed = world_map({**TOPOLOGY, "objects": {"countries": {"geometries": TOPOLOGY["objects"]["countries"]["geometries"][:1]}}},
                         detail=TOPOLOGY, width=100)
    assert [s.name for s in detailed.shapes] == ["Moldova", "Kosovo", "Far south"]  # the detail adds the missing ones


@pytest.mark.parametrize("alpha2, numeric", [("md", "498"), ("MD", "498"), ("xk", None), ("cv", "132")])
def test_numeric_code(alpha2, numeric):
    assert numeric_code(alpha2) == numeric


def test_choropleth_finds_shapes_by_code_or_name():
    world = WorldMap(10, 10, (Shape("498", "Moldova", "M0,0Z"), Shape(None, "Kosovo", "M1,1Z", (1, 1)),
                              Shape("008", "Albania", "M2,2Z")))
    values = [FacetValue("md", "Moldova", f"{ID}country/md", 8, False), FacetValue("xk", "Kosovo", f"{ID}country/xk", 1, False),
              FacetValue("zz", "Atlantis", None, 3, False)]
    assert shape_for(world.shapes, values[1]).name == "Kosovo"
    drawn = choropleth(world, values, lambda iri: iri.replace(ID, "/id/"))
    moldova, kosovo, albania = drawn["shapes"]
    assert (moldova["level"], moldova["href"], moldova["label"]) == (6, "/id/country/md", "Moldova: 8 programmes")
    assert kosovo["marker"] == (1, 1) and kosovo["label"] == "Kosovo: 1 programme"
    assert (albania["level"], albania["href"], albania["marker"]) == (0, None, None)
    assert [v.key for v in drawn["unplaced"]] == ["zz"]


@pytest.mark.parametrize("highest, expected", [(0, []), (1, [(6, "1")]), (3, [(3, "1"), (5, "2"), (6, "3")])])
def test_legend(highest, expected):
    assert legend(highest, 6) == expected


# -- 3W, facets, exports -----------------------------------------------------------------------

@pytest.mark.parametrize("filters, rows_axis, row_key, columns_axis, column_key, expected", [
    (Filters(), "organisation", "iom", "sector", "health", {"organisation": ["iom"], "sector": ["health"]}),
    (Filters(countries=("md", "al"), roles=("funder",), year=2014), "organisation", "eu", "country", "md",
     {"organisation": ["eu"], "country": ["md"], "role": ["funder"], "year": ["2014"]}),
    (Filters(organisations=("iom", "eu")), "organisation", "eu", "sector", "health",
     {"organisation": ["eu"], "sector": ["health"]}),
    (Filters(sectors=("health", "diaspora"), organisations=("iom",), year=2012), "country", "xk", "sector", "health",
     {"country": ["xk"], "sector": ["health"], "organisation": ["iom"], "year": ["2012"]}),
    (Filters(countries=("md",), roles=("partner", "funder")), "sector", "remittances", "organisation", "unit.iom~md",
     {"country": ["md"], "sector": ["remittances"], "organisation": ["unit.iom~md"], "role": ["funder", "partner"]}),
])
def test_drill_query(filters, rows_axis, row_key, columns_axis, column_key, expected):
    query = drill_query(filters, rows_axis, columns_axis)(row_key, column_key)
    assert Filters.from_query(parse_qs(query[1:])).to_query() == expected
    # the same text as query_string writes for the narrowed filters
    narrowed = filters.without(rows_axis, columns_axis).toggle(rows_axis, row_key).toggle(columns_axis, column_key)
    assert query == query_string(narrowed)


@pytest.mark.parametrize("filters, extra, expected", [
    (Filters(), {}, ""), (Filters(countries=("md",)), {}, "?country=md"),
    (Filters(sectors=("health", "diaspora")), {"page": "2"}, "?sector=diaspora&sector=health&page=2"),
    (Filters(), {"rows": "country", "all": None}, "?rows=country"),
])
def test_query_string(filters, extra, expected):
    assert query_string(filters, **extra) == expected


def test_facet_view_toggles_and_clears():
    facets = {"country": [FacetValue("md", "Moldova", f"{ID}country/md", 2, True),
                          FacetValue("al", "Albania", f"{ID}country/al", 1, False)],
              "year": [FacetValue("2015", "2015", None, 1, False), FacetValue("2014", "2014", None, 2, False)]}
    view = {f["facet"]: f for f in facet_view(Filters(countries=("md",)), facets, "/programmes", rows="sector")}
    moldova, albania = view["country"]["options"]
    assert moldova["href"] == "/programmes?rows=sector" and albania["href"] == "/programmes?country=al&country=md&rows=sector"
    assert view["country"]["clear_href"] == "/programmes?rows=sector" and view["sector"]["clear_href"] is None
    assert [v["key"] for v in view["year"]["options"]] == ["2014", "2015"]


def test_rows_csv_quotes_and_defuses_formulas():
    rows = [ProgrammeRow(f"{ID}programme/x", "x", "=HYPERLINK(\"http://evil\")", "2014", None,
                         (ref("country", "md", "Moldova"), ref("country", "al", "Albania")), (), (), (), ())]
    text = "".join(common.csv_chunks(CSV_COLUMNS, map(csv_row, rows)))
    lines = text.splitlines()
    assert lines[0] == "programme,title,start,end,countries,sectors,implementers,funders,partners"
    assert lines[1] == f'{ID}programme/x,"\'=HYPERLINK(""http://evil"")",2014,,Moldova; Albania,,,,'


# -- the policy ----------------------------------------------------------------------------------


def test_cytoscape_style_hash_is_the_one_browsers_compute():
    assert style_hash(CYTOSCAPE_STYLE) == "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"


@pytest.mark.parametrize("path, inline_scripts, inline_styles", [
    ("/", False, False), ("/id/country/md", False, False), ("/sparql", False, True), ("/docs", True, True),
    ("/redoc", True, True), ("/sparql/x", False, False),
])
def test_policy_for(path, inline_scripts, inline_styles):
    policy = policy_for(path)
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert ("'unsafe-inline'" in directives["script-src"]) == inline_scripts
    assert ("'unsafe-inline'" in directives["style-src"]) == inline_styles
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy
    assert policy_for("/") == POLICY


# -- downloads, rendered a chunk at a time --------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6, 7, 20])
def test_downloads_in_chunks_are_the_whole_text(count, monkeypatch):
    """Streamed CSV and JSON are byte for byte what rendering everything at once gives, for
    empty lists, partial batches and exact multiples of a batch, in one piece or many."""
    monkeypatch.setattr(common, "BATCH_ROWS", 2)
    monkeypatch.setattr(common, "CHUNK_CHARS", 60)  # a piece every two or three rows
    rows = [[f"p{n}", f"Title, {n}", "é\"", n] for n in range(count)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([["programme", "title", "note", "n"], *rows])
    assert "".join(common.csv_chunks(["programme", "title", "note", "n"], rows)) == out.getvalue()
    records = [{"programme": f"p{n}", "labels": ["é", n]} for n in range(count)]
    head = {"filters": {"country": ["md"]}, "count": count}
    assert "".join(common.json_chunks(head, "programmes", records)) == json.dumps(
        {**head, "programmes": records}, ensure_ascii=False)
