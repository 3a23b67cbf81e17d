"""The browsing pages through the ASGI test client, over the sample graph plus a document whose
data holds markup: status, key content, links that agree with each other (a 3W cell and its
programme list, a page and its SPARQL query), escaping, the CSP header, fresh views."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
import rdflib
from fastapi.testclient import TestClient

from mdgraph.config import Settings
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.views import Filters, Views, build_views
from mdgraph.web.app import create_app
from mdgraph.web.browse import graphview, pictures
from mdgraph.web.browse.security import POLICY

QUERIES = Path(__file__).parent / "data" / "queries"
SAMPLE = Path(__file__).parent / "data" / "sample.trig"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
EVIL_TITLE = "<script>alert(1)</script>"
#: A document whose strings are markup, a programme with no country, a unit, a sector match.
MARKUP = """
@prefix mdg: <https://w3id.org/mdgraph/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix id: <https://w3id.org/mdgraph/id/> .

<https://w3id.org/mdgraph/graph/document/test-markup> {
    id:document\\/test-markup a mdg:Document ; dcterms:title "Markup <b>test</b> document"@en ;
        dcterms:publisher "Evil & Sons" ; dcterms:issued "2016"^^xsd:gYear .
    id:programme\\/evil a mdg:Programme ; rdfs:label "<script>alert(1)</script>"@en ;
        skos:altLabel "\\"><img src=x onerror=alert(2)>" ;
        dcterms:description "Runs </script><script>alert(3)</script> everywhere."@en ;
        mdg:targetsCountry id:country\\/md ; mdg:hasSector id:sector\\/health ;
        mdg:implementedBy id:organisation\\/evil-co ; mdg:implementingUnit id:organisation\\/iom-chisinau ;
        mdg:startDate "2016"^^xsd:gYear ;
        foaf:page <https://example.org/evil?a=1&b=2> , <javascript:alert(4)> ;
        prov:wasDerivedFrom id:document\\/test-markup .
    <https://w3id.org/mdgraph/id/programme/evil#q-e1> a rdf:Statement , mdg:Evidence ;
        rdf:subject id:programme\\/evil ; rdf:predicate mdg:implementedBy ; rdf:object id:organisation\\/evil-co ;
        prov:wasDerivedFrom id:document\\/test-markup ; mdg:quote "run by <i>Evil & Co</i> in Chisinau" ; mdg:line 3 .
    id:organisation\\/evil-co a mdg:Organisation ; rdfs:label "<i>Evil & Co</i>"@en .
    id:organisation\\/iom-chisinau a mdg:Organisation , org:OrganizationalUnit ; rdfs:label "IOM Chisinau"@en ;
        org:unitOf id:organisation\\/iom ; mdg:basedIn id:country\\/md .
    id:programme\\/global-forum a mdg:Programme ; rdfs:label "Global forum on remittances"@en ;
        mdg:noCountryReason "The forum is global."@en ;
        mdg:hasSector id:sector\\/health ; mdg:implementedBy id:organisation\\/iom ;
        prov:wasDerivedFrom id:document\\/test-markup .
    id:country\\/md a mdg:Country ; rdfs:label "Moldova"@en ; skos:exactMatch <javascript:alert(5)> .
    id:programme\\/evil mdg:hasPartner <javascript:alert(6)> .
}
<https://w3id.org/mdgraph/graph/ontology> {
    id:sector\\/health skos:closeMatch <https://example.org/dac3#121> .
    <https://example.org/dac3#121> skos:notation "121" ; skos:prefLabel "Health, general"@en .
}
"""
KINDS = ["programme/health-mobility", "organisation/iom", "country/md", "sector/health", "document/test-annex"]


def dataset() -> rdflib.Dataset:
    """The sample graph and the markup document."""
    combined = rdflib.Dataset()
    combined.parse(SAMPLE, format="trig")
    combined.parse(data=MARKUP, format="trig")
    return combined


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app over the sample graph and the markup document, in an in-memory store."""
    store = open_store("memory://")
    store.publish(dataset())
    settings = Settings(store_url="memory://", data_dir=tmp_path_factory.mktemp("browse"), queries_dir=QUERIES)
    with TestClient(create_app(settings, Service(settings, store))) as opened:
        yield opened
    store.close()


def page(client, path: str, status: int = 200) -> str:
    answer = client.get(path, headers=HTML)
    assert answer.status_code == status, answer.text[:500]
    if status == 200:
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["content-security-policy"] == POLICY
    return answer.text


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def table_rows(html: str) -> int:
    body = re.search(r'<table class="programmes">.*?<tbody>(.*?)</tbody>', html, re.S)
    return body.group(1).count("<tr>") if body else 0


# -- every page: status, content, policy -------------------------------------------------------


@pytest.mark.parametrize("path, expected", [
    ("/", ['type="search"', 'href="/id/country/md"', 'href="/id/sector/health"', 'href="/id/organisation/iom"',
           'href="/id/document/test-annex"', "programmes</a>"]),
    ("/countries", ['href="/id/country/md"', "Albania"]),
    ("/organisations", ["International Organization for Migration", "European Union"]),
    ("/sectors", ['href="/id/sector/health"', 'href="/id/sector/diaspora"']),
    ("/search?q=Moldova", ['<h2 id="h-country">Countries', 'href="/id/country/md"']),
    ("/search?q=IOM", ['href="/id/organisation/iom"', "Organisations"]),
    ("/search", ['type="search"']),
    ("/programmes", ["Managing the mobility of health professionals", "Diaspora engagement for development",
                     "Download", "programmes.csv"]),
    ("/3w", ['class="matrix"', "International Organization for Migration"]),
    ("/3w?rows=country&columns=organisation", ['class="matrix"', "Moldova"]),
    ("/timeline", ['class="bar', "Managing the mobility of health professionals"]),
    ("/map", ["Moldova", "Albania"]),
    ("/graph/country/md", ['id="graph-data"', "Managing the mobility of health professionals"]),
    ("/graph/organisation/iom?depth=2", ['id="graph-data"', "Albania"]),
])
def test_pages(client, path, expected):
    html = page(client, path)
    for text in expected:
        assert text in html
    assert "<main" in html and 'aria-label="Main"' in html and "<h1" in html


@pytest.mark.parametrize("path, status", [
    ("/search?kind=planet&q=x", 400),
    ("/programmes?role=boss", 400),
    ("/programmes?year=20x", 400),
    ("/programmes?country=Not%20A%20Key", 400),
    ("/3w?rows=sector&columns=sector", 400),
    ("/3w?rows=planet", 422),
    ("/programmes?page=0", 422),
    ("/graph/planet/earth", 404),
    ("/graph/country/zz", 404),
])
def test_bad_requests_say_why(client, path, status):
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.text


def test_every_html_answer_has_the_policy_and_json_none(client):
    for path in ("/sparql", "/ontology", "/queries", "/documents", "/id/country/md"):
        answer = client.get(path, headers=HTML)
        assert answer.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "'unsafe-inline'" in client.get("/sparql", headers=HTML).headers["content-security-policy"]
    assert "content-security-policy" not in client.get("/search/suggest?q=io").headers
    assert "content-security-policy" not in client.get("/programmes.json").headers


# -- markup in the data renders as text --------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/programmes", "/programmes?country=md", "/search?q=script", "/search?q=alert",
                                  "/id/programme/evil", "/id/country/md", "/id/organisation/evil-co",
                                  "/id/document/test-markup", "/3w", "/timeline", "/map", "/graph/country/md",
                                  "/graph/programme/evil"])
def test_markup_in_the_data_is_text(client, path):
    html = page(client, path)
    assert EVIL_TITLE not in html and "<img src=x" not in html and "<i>Evil" not in html and "<b>test" not in html
    # every script element loads a file or carries inert JSON: nothing inline runs
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'\bsrc="[^"]+"', tag) or 'type="application/json"' in tag, tag
    for data in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        assert "<" not in data
        json.loads(data)


@pytest.mark.parametrize("path", ["/id/programme/evil", "/id/country/md", "/graph/programme/evil"])
def test_links_from_the_data_are_never_scripts(client, path):
    anchors = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', page(client, path))
    assert anchors and not [h for h in anchors if not re.match(r"(https?://|/|\?|#)", unescape(h))]


def test_markup_shows_as_written(client):
    html = page(client, "/id/programme/evil")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "&lt;i&gt;Evil &amp; Co&lt;/i&gt;" in html
    graph = page(client, "/graph/programme/evil")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', graph, re.S).group(1))
    assert EVIL_TITLE in {node["data"]["label"] for node in data["nodes"]}
    rows = list(csv.DictReader(io.StringIO(client.get("/programmes.csv?country=md").text)))
    assert EVIL_TITLE in {row["title"] for row in rows}


# -- resource pages ----------------------------------------------------------------------------


def test_programme_page(client):
    html = page(client, "/id/programme/health-mobility")
    assert "<h1>Managing the mobility of health professionals</h1>" in html
    assert "HEALTH-MOB" in html and "Supports circular migration" in html
    for heading in ("Countries", "Sectors", "Implemented by", "Funded by", "Source documents"):
        assert f">{heading} <span class=\"count\">" in html
    assert "2011 – 2014-06" in html
    assert 'id="q-1a2b3c"' in html and 'href="#q-1a2b3c"' in html
    assert "implemented in the <mark>Republic of Moldova</mark>" in html  # its alternative name
    assert "funded by the <mark>European Union</mark>" in html
    assert "line 42" in html
    for fmt in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="?format={fmt}"' in html
    evil = page(client, "/id/programme/evil")
    assert "https://example.org/evil?a=1&amp;b=2" in evil and "Implementing units" in evil


def test_organisation_page(client):
    html = page(client, "/id/organisation/iom")
    assert '<h2 id="h-implementers">Implements <span class="count">3</span>' in html
    assert "United Nations Development Programme" in html  # a co-partner
    assert '<h2 id="h-countries">Countries covered' in html and 'href="/id/country/al"' in html
    assert '<h2 id="h-units">Units' in html and "IOM Chisinau" in html
    unit = page(client, "/id/organisation/iom-chisinau")
    assert "Implements, as the unit on the ground" in unit and 'href="/id/organisation/iom"' in unit


def test_country_page(client):
    html = page(client, "/id/country/md")
    assert "<h1>Moldova</h1>" in html and "Linked from" in html
    assert '<h2 id="h-programmes">Programmes <span class="count">2</span>' in html
    assert '<h2 id="h-funders">Funders' in html and "European Union" in html
    assert "Organisations based here" in html and "IOM Chisinau" in html
    assert "Q217" in html and "MD" in html


def test_sector_page(client):
    html = page(client, "/id/sector/health")
    assert "OECD DAC / CRS codes" in html and "<code>121</code>" in html and "Health, general" in html
    assert "close match" in html
    assert "Global forum on remittances" in html  # programmes with no country are listed too


def test_document_page(client):
    html = page(client, "/id/document/test-markup")
    assert "Evil &amp; Sons" in html and "2016" in html
    assert 'href="/id/programme/global-forum"' in html and 'href="/id/programme/evil"' in html


@pytest.mark.parametrize("resource", KINDS)
def test_the_sparql_link_reproduces_the_page(client, resource):
    html = page(client, f"/id/{resource}")
    href = next(h for h in links(html) if h.startswith("/sparql?query="))
    query = unquote(href.partition("=")[2])
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    bindings = answer.json()["results"]["bindings"]
    assert bindings
    iris = {value["value"] for row in bindings for value in row.values() if value["type"] == "uri"}
    shown = {f"https://w3id.org/mdgraph{h}" for h in links(html) if h.startswith("/id/programme/") and "#" not in h}
    if resource.startswith("programme"):
        shown = {h for h in {f"https://w3id.org/mdgraph{x}" for x in links(html) if x.startswith("/id/")}
                 if "#" not in h and not h.endswith(resource)}
    assert shown and shown <= iris


def test_graph_view_is_the_neighbourhood(client):
    html = page(client, "/graph/country/md")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', html, re.S).group(1))
    ids = {node["data"]["id"] for node in data["nodes"]}
    assert "https://w3id.org/mdgraph/id/programme/health-mobility" in ids
    assert all(edge["data"]["source"] in ids and edge["data"]["target"] in ids for edge in data["edges"])
    centre = [node["data"] for node in data["nodes"] if node["data"]["centre"]]
    assert [c["href"] for c in centre] == ["/id/country/md"]
    deeper = json.loads(re.search(r'id="graph-data">(.*?)</script>', page(client, "/graph/country/md?depth=2"),
                                  re.S).group(1))
    assert len(deeper["nodes"]) > len(data["nodes"])


# -- search and autocomplete -------------------------------------------------------------------


@pytest.mark.parametrize("typed, first", [("IOM", "organisation/iom"), ("mold", "country/md"), ("UNDP", "organisation/undp"),
                                          ("HEALTH-MOB", "programme/health-mobility"), ("diasp", "sector/diaspora")])
def test_suggest_ranks_names_and_acronyms(client, typed, first):
    suggestions = client.get("/search/suggest", params={"q": typed}).json()["suggestions"]
    assert suggestions[0]["href"] == f"/id/{first}"


def test_suggest_of_nothing_is_empty(client):
    assert client.get("/search/suggest", params={"q": "  "}).json()["suggestions"] == []


def test_search_groups_by_kind_in_order(client):
    html = page(client, "/search?q=health")
    order = re.findall(r'<h2 id="h-(\w+)">', html)
    assert order == sorted(order, key=["country", "organisation", "sector", "programme", "document"].index)
    assert "sector" in order and "programme" in order


# -- the faceted list, exports and the 3W matrix -----------------------------------------------


def test_facets_combine_and_count(client):
    html = page(client, "/programmes?country=md&sector=health")
    assert table_rows(html) == 2
    assert "<strong>2</strong> programmes" in html
    assert 'aria-current="true"' in html
    one = page(client, "/programmes?country=md&organisation=eu&role=funder")
    assert table_rows(one) == 1 and "Managing the mobility of health professionals" in one
    none = page(client, "/programmes?organisation=eu&role=implementer")
    assert table_rows(none) == 0 and "<strong>0</strong> programmes" in none


def test_facet_links_toggle(client):
    html = page(client, "/programmes?country=md")
    hrefs = links(html)
    assert "/programmes" in hrefs  # the selected value's link removes it
    assert any(parse_qs(urlsplit(h).query) == {"country": ["al", "md"]} for h in hrefs)


def test_exports_follow_the_filters(client):
    answer = client.get("/programmes.csv?sector=health")
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="programmes-health.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    listed = client.get("/programmes.json?sector=health").json()
    assert len(rows) == listed["count"] == 3
    assert {row["programme"] for row in rows} == {p["programme"] for p in listed["programmes"]}
    assert listed["filters"] == {"sector": ["health"]}


@pytest.mark.parametrize("query", ["", "?country=md", "?role=funder", "?year=2014&sector=health"])
def test_the_3w_table_downloads_as_the_views_give_it(client, query):
    filters = Filters.from_query(parse_qs(query[1:]))
    with Views.open(client.app.state.settings.views_path) as views:
        cells = views.three_w(filters)
    answer = client.get("/3w.csv" + query)
    assert answer.headers["content-type"].startswith("text/csv")
    assert f'filename="{"-".join(["3w", *(v for vs in filters.to_query().values() for v in vs)])}.csv"' \
        in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["organisation"], row["sector"], row["country"], int(row["programmes"]), row["programme_iris"].split())
            for row in rows] == [(c.organisation.key, c.sector.key, c.country.key, c.count, list(c.programmes))
                                 for c in cells]
    listed = client.get("/3w.json" + query).json()
    assert listed["filters"] == filters.to_query() and listed["count"] == len(cells)
    assert [(c["organisation"]["iri"], c["count"], c["programmes"]) for c in listed["cells"]] == \
        [(c.organisation.iri, c.count, list(c.programmes)) for c in cells]
    canonical = "?" + urlencode(filters.to_query(), doseq=True) if filters else ""
    assert {"/3w.csv" + canonical, "/3w.json" + canonical} <= set(links(page(client, "/3w" + query)))


def test_every_3w_cell_drills_down_to_its_programmes(client):
    for axes in ("", "?rows=country&columns=sector", "?rows=sector&columns=organisation&role=implementer"):
        html = page(client, "/3w" + axes)
        cells = re.findall(r'<td class="heat-\d"><a href="([^"]+)"[^>]*>(\d+)</a></td>', html)
        assert cells
        for href, count in cells:
            assert table_rows(page(client, unescape(href))) == int(count)


# -- views stay in step with the published graph -----------------------------------------------


def test_views_are_rebuilt_when_the_graph_changes(tmp_path, sample_dataset):
    store = open_store("memory://")
    store.publish(sample_dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    with TestClient(create_app(settings, Service(settings, store))) as fresh:
        assert table_rows(page(fresh, "/programmes")) == 2
        assert Views.open(settings.views_path).store_version == store.version()
        store.publish(dataset())
        assert table_rows(page(fresh, "/programmes")) == 4
        assert "Global forum on remittances" in page(fresh, "/id/sector/health")


def test_links_follow_the_root_path(client):
    state = client.app.state
    with TestClient(create_app(state.settings, state.service), root_path="/mdgraph") as proxied:
        html = page(proxied, "/programmes?country=md")
        assert 'href="/mdgraph/id/country/md"' in html and 'href="/mdgraph/programmes.csv?country=md"' in html
        assert 'action="/mdgraph/search"' in html


def test_a_views_file_of_another_graph_is_rebuilt_before_answering(tmp_path, sample_dataset):
    other = open_store("memory://")
    other.publish(dataset())
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    build_views(other, settings.views_path)
    store = open_store("memory://")
    store.publish(sample_dataset)
    with TestClient(create_app(settings, Service(settings, store))) as fresh:
        assert table_rows(page(fresh, "/programmes")) == 2


def test_pages_work_without_the_npm_packages(client, monkeypatch, tmp_path):
    monkeypatch.setattr(graphview, "CYTOSCAPE", tmp_path / "missing")
    monkeypatch.setattr(pictures, "COARSE", tmp_path / "missing.json")
    graph = page(client, "/graph/country/md")
    assert "npm install" in graph and "cytoscape" not in graph and 'href="/id/programme/health-mobility"' in graph
    world = page(client, "/map")
    assert "npm install" in world and "<svg" not in world and 'href="/id/country/md"' in world


def test_an_unreadable_views_file_is_rebuilt(tmp_path, sample_dataset):
    store = open_store("memory://")
    store.publish(sample_dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    settings.views_path.write_bytes(b"not a views file")
    with TestClient(create_app(settings, Service(settings, store))) as fresh:
        assert table_rows(page(fresh, "/programmes")) == 2
