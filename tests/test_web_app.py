"""The web app through the ASGI test client, over the sample graph in an in-memory store."""

from __future__ import annotations

import gzip
import io
import json
import logging
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.web import ui
from mdgraph.web.app import create_app

QUERIES = Path(__file__).parent / "data" / "queries"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}
FORMAT_NAMES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
RESULT_FORMATS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
RESOURCES = ["programme/health-mobility", "organisation/iom", "country/md", "sector/health", "document/test-annex"]
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label"


def make_client(tmp_path: Path, dataset: rdflib.Dataset | None, **overrides) -> TestClient:
    store = open_store("memory://")
    if dataset is not None:
        store.publish(dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES, **overrides)
    return TestClient(create_app(settings, Service(settings, store)))


@pytest.fixture
def client(tmp_path, sample_dataset) -> TestClient:
    return make_client(tmp_path, sample_dataset)


def union(dataset: rdflib.Dataset) -> set:
    return {t for g in dataset.graphs() for t in g}


# -- /health -----------------------------------------------------------------------------------


def test_health(client, tmp_path):
    assert client.get("/health").json()["ok"] is True
    empty = make_client(tmp_path, None)
    answer = empty.get("/health")
    assert answer.status_code == 503 and answer.json()["status"] == "empty"


# -- /sparql: the query operation --------------------------------------------------------------


@pytest.mark.parametrize("media_type, fmt", RESULT_FORMATS.items())
@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_select_in_every_format_and_way(client, media_type, fmt, how):
    headers = {"Accept": media_type}
    if how == "get":
        answer = client.get("/sparql", params={"query": LABELS}, headers=headers)
    elif how == "form":
        answer = client.post("/sparql", data={"query": LABELS}, headers=headers)
    else:
        answer = client.post("/sparql", content=LABELS.encode(),
                             headers={**headers, "Content-Type": "application/sparql-query"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].split(";")[0] == media_type
    result = Result.parse(io.BytesIO(answer.content), format=fmt)
    assert len(list(result)) == 10


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask(client, media_type):
    answer = client.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/mdgraph/ontology#Programme> }"},
                        headers={"Accept": media_type})
    assert Result.parse(io.BytesIO(answer.content), format=RESULT_FORMATS[media_type]).askAnswer is True


@pytest.mark.parametrize("media_type, fmt", RDF_FORMATS.items())
@pytest.mark.parametrize("query", [
    "CONSTRUCT WHERE { ?s a <https://w3id.org/mdgraph/ontology#Country> }",
    "DESCRIBE <https://w3id.org/mdgraph/id/country/md>",
])
def test_graph_results_in_every_format(client, query, media_type, fmt):
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": media_type})
    assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media_type
    assert len(rdflib.Graph().parse(data=answer.content, format=fmt)) > 0


@pytest.mark.parametrize(
    "query, accept, status, says",
    [
        ("SELECT * WHERE { ?s ?p ?o }", "text/turtle", 406, "text/csv"),
        ("ASK {}", "text/csv", 406, "application/sparql-results+json"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv", 406, "text/turtle"),
        ("SELECT * WHERE { ?s ?p ", None, 400, "syntax error"),
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", None, 400, "SERVICE is refused"),
        ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", None, 400, "does not hold"),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", None, 400, "does not hold"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", None, 400, "update"),
    ],
)
def test_refused_queries_say_why(client, query, accept, status, says):
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": accept} if accept else {})
    assert answer.status_code == status and says in answer.text


def test_external_default_graph_uri_is_refused(client):
    answer = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "http://example.org/g"})
    assert answer.status_code == 400 and "does not hold" in answer.text
    own = "https://w3id.org/mdgraph/graph/document/test-sheet"
    answer = client.get("/sparql", params={"query": f"ASK FROM <{own}> {{ ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o }}"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_problem_json_when_asked(client):
    answer = client.get("/sparql", params={"query": "SELECT"}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json" and "syntax" in answer.json()["detail"]


@pytest.mark.parametrize(
    "content_type, body, status",
    [
        (None, b"query=ASK%20%7B%7D", 415),
        ("text/plain", b"ASK {}", 415),
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415),
        ("application/sparql-query", b"ASK { \xff }", 400),
        ("application/x-www-form-urlencoded", b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", 400),
        ("application/x-www-form-urlencoded", b"query=%FF", 400),
        ("application/x-www-form-urlencoded", b"query=ASK%20%7B%7D&update=CLEAR%20ALL", 400),
        ("application/x-www-form-urlencoded", b"nothing=here", 400),
    ],
)
def test_malformed_posts(client, content_type, body, status):
    headers = {"Content-Type": content_type} if content_type else {}
    assert client.post("/sparql", content=body, headers=headers).status_code == status


def test_body_limit(tmp_path, sample_dataset):
    limited = make_client(tmp_path, sample_dataset, max_body_bytes=100)
    query = "ASK { " + "?s ?p ?o . " * 20 + "}"
    answer = limited.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413 and "100 byte" in answer.text

    def chunks():  # no Content-Length: the limit holds for streamed bodies too
        yield query.encode()

    streamed = limited.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 413


def test_result_cap_is_announced(tmp_path, sample_dataset):
    capped = make_client(tmp_path, sample_dataset, result_limit=3)
    answer = capped.get("/sparql", params={"query": LABELS})
    assert answer.headers["X-Mdgraph-Truncated"] == "true" and answer.headers["X-Mdgraph-Result-Limit"] == "3"
    assert len(answer.json()["results"]["bindings"]) == 3
    whole = capped.get("/sparql", params={"query": "SELECT ?s WHERE { ?s a <https://w3id.org/mdgraph/ontology#Programme> }"})
    assert "X-Mdgraph-Truncated" not in whole.headers


def test_updates(tmp_path, sample_dataset):
    writable = make_client(tmp_path, sample_dataset, update_token="secret")
    auth = {"Authorization": "Bearer secret", "Content-Type": "application/sparql-update"}
    insert = b"INSERT DATA { GRAPH <urn:g:new> { <urn:a> <urn:b> <urn:c> } }"
    assert writable.post("/sparql", content=insert, headers={"Content-Type": "application/sparql-update"}).status_code == 403
    assert writable.post("/sparql", content=insert, headers=auth).status_code == 204
    assert writable.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"}).json()["boolean"] is True
    load = writable.post("/sparql", content=b"LOAD <http://example.org/data.ttl>", headers=auth)
    assert load.status_code == 400 and "LOAD is refused" in load.text
    service = writable.post("/sparql", content=b"INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }", headers=auth)
    assert service.status_code == 400 and "SERVICE is refused" in service.text
    read_only = make_client(tmp_path, sample_dataset)
    assert read_only.post("/sparql", content=insert, headers=auth).status_code == 403
    assert read_only.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 400


# -- service description and dumps -----------------------------------------------------------


@pytest.mark.parametrize("media_type, fmt", RDF_FORMATS.items())
def test_service_description(client, media_type, fmt):
    answer = client.get("/sparql", headers={"Accept": media_type})
    assert answer.status_code == 200
    graph = rdflib.Graph().parse(data=answer.content, format=fmt)
    endpoint = URIRef("http://testserver/sparql")
    dataset = URIRef("https://w3id.org/mdgraph/dataset")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (dataset, VOID.sparqlEndpoint, endpoint) in graph
    assert len(set(graph.objects(dataset, VOID.dataDump))) == 8
    assert int(graph.value(dataset, VOID.triples)) == len(union(rdflib.Dataset().parse(
        Path(__file__).parent / "data" / "sample.trig", format="trig")))
    assert len(set(graph.objects(dataset, VOID.exampleResource))) == 5
    assert set(graph.objects(dataset, rdflib.DCTERMS.source)) == {
        URIRef("https://w3id.org/mdgraph/id/document/test-annex"), URIRef("https://w3id.org/mdgraph/id/document/test-sheet")}
    assert graph.value(dataset, rdflib.DCTERMS.license) is not None
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert URIRef("https://w3id.org/mdgraph/ontology#Programme") in classes
    assert len(set(graph.objects(dataset, VOID.propertyPartition))) > 10


def test_public_base_is_used_behind_a_proxy(tmp_path, sample_dataset):
    proxied = make_client(tmp_path, sample_dataset, public_base="https://graph.example.org/mdgraph/")
    graph = rdflib.Graph().parse(data=proxied.get("/sparql").content, format="turtle")
    assert (None, SD.endpoint, URIRef("https://graph.example.org/mdgraph/sparql")) in graph
    assert (None, VOID.dataDump, URIRef("https://graph.example.org/mdgraph/dumps/mdgraph.ttl.gz")) in graph


@pytest.mark.parametrize("name, fmt", [("mdgraph.ttl", "turtle"), ("mdgraph.nt", "nt"),
                                       ("mdgraph.jsonld", "json-ld"), ("mdgraph.rdf", "xml")])
@pytest.mark.parametrize("compressed", [False, True])
def test_dumps(client, sample_dataset, name, fmt, compressed):
    answer = client.get(f"/dumps/{name}{'.gz' if compressed else ''}")
    assert answer.status_code == 200
    data = gzip.decompress(answer.content) if compressed else answer.content
    assert {t for t in rdflib.Graph().parse(data=data, format=fmt)} == union(sample_dataset)


def test_unknown_dump(client):
    assert client.get("/dumps/mdgraph.yaml").status_code == 404


# -- dereferenceable IRIs ----------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("media_type, fmt", RDF_FORMATS.items())
def test_resources_round_trip_by_accept(client, resource, media_type, fmt):
    answer = client.get(f"/id/{resource}", headers={"Accept": media_type})
    assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media_type
    graph = rdflib.Graph().parse(data=answer.content, format=fmt)
    assert (URIRef(f"https://w3id.org/mdgraph/id/{resource}"), None, None) in graph
    by_name = client.get(f"/id/{resource}", params={"format": {v: k for k, v in FORMAT_NAMES.items()}[fmt]})
    assert isomorphic(rdflib.Graph().parse(data=by_name.content, format=fmt), graph)


@pytest.mark.parametrize("resource", RESOURCES)
def test_resources_as_html(client, sample_dataset, resource):
    answer = client.get(f"/id/{resource}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    iri = URIRef(f"https://w3id.org/mdgraph/id/{resource}")
    label = next(o for g in sample_dataset.graphs() for p in (rdflib.RDFS.label, rdflib.SKOS.prefLabel,
                 rdflib.DCTERMS.title) for o in g.objects(iri, p))
    assert f"<h1>{label}</h1>" in answer.text


def test_resource_page_shows_links_inverse_links_and_quotes(client):
    page = client.get("/id/programme/health-mobility", params={"format": "html"}).text
    assert '<a href="/id/country/md">Moldova</a>' in page
    assert "implemented in the Republic of Moldova" in page and 'id="q-1a2b3c"' in page
    assert "line 42" in page
    country = client.get("/id/country/md", params={"format": "html"}).text
    assert "Linked from" in country and "Managing the mobility of health professionals" in country


def test_links_follow_the_root_path(tmp_path, sample_dataset):
    store = open_store("memory://")
    store.publish(sample_dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    proxied = TestClient(create_app(settings, Service(settings, store)), root_path="/mdgraph")
    page = proxied.get("/id/programme/health-mobility", params={"format": "html"}).text
    assert '<a href="/mdgraph/id/country/md">Moldova</a>' in page


@pytest.mark.parametrize("path, status", [
    ("/id/programme/unknown", 404),
    ("/id/planet/earth", 404),
    ("/id/programme/Health%20Mobility", 404),
    ("/id/programme/health-mobility?format=yaml", 400),
])
def test_resource_errors(client, path, status):
    assert client.get(path).status_code == status


def test_resource_406(client):
    assert client.get("/id/country/md", headers={"Accept": "image/png"}).status_code == 406


# -- ontology ----------------------------------------------------------------------------------


def _ontology_files() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.mark.skipif(not list((PROJECT_ROOT / "ontology").glob("*.ttl")), reason="ontology/ has no .ttl file yet")
@pytest.mark.parametrize("media_type, fmt", RDF_FORMATS.items())
def test_ontology_as_rdf(client, media_type, fmt):
    answer = client.get("/ontology", headers={"Accept": media_type})
    assert isomorphic(rdflib.Graph().parse(data=answer.content, format=fmt), _ontology_files())


@pytest.mark.skipif(not list((PROJECT_ROOT / "ontology").glob("*.ttl")), reason="ontology/ has no .ttl file yet")
def test_ontology_page_documents_every_term(client):
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    graph = _ontology_files()
    kinds = (rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.OWL.AnnotationProperty,
             rdflib.SKOS.Concept)
    terms = {t for k in kinds for t in graph.subjects(rdflib.RDF.type, k) if isinstance(t, URIRef)}
    assert terms
    missing = [t for t in terms if f'<p class="iri">{t}</p>' not in page]
    assert not missing


# -- named queries -----------------------------------------------------------------------------


def test_catalogue(client):
    listed = client.get("/queries").json()
    assert [q["name"] for q in listed] == ["programmes-in-country", "programmes-started-by"]
    assert listed[0]["params"][0]["type"] == "iri"
    page = client.get("/queries", headers={"Accept": "text/html"}).text
    assert "Programmes in a country" in page and 'name="country"' in page


@pytest.mark.parametrize("media_type, fmt", RESULT_FORMATS.items())
def test_named_query_in_every_format(client, media_type, fmt):
    answer = client.get("/queries/programmes-in-country", params={"country": "mdgid:country/md"},
                        headers={"Accept": media_type})
    rows = list(Result.parse(io.BytesIO(answer.content), format=fmt))
    assert len(rows) == 1 and str(rows[0][1]) == "https://w3id.org/mdgraph/id/programme/health-mobility"
    by_name = client.get("/queries/programmes-in-country", params={"country": "mdgid:country/md", "format": fmt})
    assert by_name.content == answer.content


def test_named_query_year(client):
    answer = client.get("/queries/programmes-started-by", params={"year": "2012", "format": "json"}).json()
    assert [b["programme"]["value"] for b in answer["results"]["bindings"]] == [
        "https://w3id.org/mdgraph/id/programme/health-mobility"]


@pytest.mark.parametrize("path, status", [
    ("/queries/nope", 404),
    ("/queries/programmes-in-country", 422),
    ("/queries/programmes-in-country?country=not%20an%20iri", 422),
    ("/queries/programmes-in-country?country=mdgid:country/md&colour=red", 422),
    ("/queries/programmes-started-by?year=last", 422),
    ("/queries/programmes-in-country?country=mdgid:country/md&format=ttl", 400),
])
def test_named_query_errors(client, path, status):
    assert client.get(path).status_code == status


def test_broken_catalogue_is_a_server_error(tmp_path, sample_dataset):
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "broken.rq").write_text("SELECT * {}\n", encoding="utf-8")
    store = open_store("memory://")
    store.publish(sample_dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=queries)
    broken = TestClient(create_app(settings, Service(settings, store)))
    answer = broken.get("/queries")
    assert answer.status_code == 500 and "broken.rq" in answer.text
    assert broken.get("/sparql", headers={"Accept": "text/html"}).status_code == 200


# -- the query UI, CORS, OpenAPI, logs ---------------------------------------------------------


def test_query_ui(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    if ui.yasgui_available():
        assert "/static/yasgui/yasgui.min.js" in page
        assert client.get("/static/yasgui/yasgui.min.js").status_code == 200
    config = json.loads(page.split('id="mdgraph-ui-config">')[1].split("</script>")[0]) if ui.yasgui_available() else None
    if config:
        assert "PREFIX mdg: <https://w3id.org/mdgraph/ontology#>" in config["default_query"]
        tab = next(t for t in config["tabs"] if t["name"] == "Programmes in a country")
        assert "VALUES (?country) { (<https://w3id.org/mdgraph/id/country/md>) }" in tab["query"]


def test_query_ui_without_yasgui(client, monkeypatch, tmp_path):
    monkeypatch.setattr(ui, "YASGUI_BUILD", tmp_path / "not-installed")
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    assert '<form method="get" action="/sparql">' in page and "yasgui" not in page
    assert "Programmes in a country" in page


def test_cors(client):
    answer = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://somewhere.example"})
    assert answer.headers["access-control-allow-origin"] == "*"


def test_cors_configurable(tmp_path, sample_dataset):
    strict = make_client(tmp_path, sample_dataset, cors_origins=("https://ok.example",))
    assert "access-control-allow-origin" not in strict.get("/health", headers={"Origin": "https://bad.example"}).headers
    assert strict.get("/health", headers={"Origin": "https://ok.example"}).headers["access-control-allow-origin"] == "https://ok.example"


def test_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/sparql", "/id/{kind}/{key}", "/ontology", "/queries", "/queries/{name}", "/health"} <= set(paths)
    assert {"get", "post"} <= set(paths["/sparql"])  # served by a plain route, described all the same
    assert client.get("/docs").status_code == 200


def test_sparql_methods(client):
    refused = client.put("/sparql?query=ASK%7B%7D")
    assert refused.status_code == 405 and set(refused.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    head = client.head("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
    assert head.status_code == 200 and head.headers["content-type"].startswith("application/sparql-results+json")


def test_access_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="mdgraph.access"):
        client.get("/health")
    record = json.loads(caplog.records[-1].getMessage())
    assert record["method"] == "GET" and record["path"] == "/health" and record["status"] == 200
    assert record["duration_ms"] >= 0
