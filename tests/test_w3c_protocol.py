"""The W3C SPARQL 1.1 Protocol test suite (rdf-tests sparql/sparql11/protocol) replayed against the app.

Every test runs twice:
- read-only (the default): the 20 query tests and the 7 malformed-update tests apply; the 7
  update tests cannot (updates are off by design) and are skipped with that reason;
- updates enabled with a token: all 34 apply. The harness adds `Authorization: Bearer <token>`
  to each request (the manifest has no notion of credentials), and a malformed request must
  then be refused for what is wrong with it, never with 403.

Datasets: each test's ut:graphData files are loaded as named graphs under their rdfs:label.
Six tests name http://kasei.us/2009/09/sparql/data/data0.rdf as default-graph-uri without
giving its data; mdgraph refuses dataset IRIs that are not graphs of the store (nothing is
fetched from elsewhere), so the store holds data0.rdf as an empty named graph, as the
suite's original endpoint held it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.web.app import create_app

SUITE = Path(__file__).parent / "data" / "w3c-protocol"
SHARED = PROJECT_ROOT.parent / "shared" / "w3c" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
TOKEN = "w3c-suite-token"

BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}


def _manifest() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    return graph


def _tests() -> list[dict]:
    graph = _manifest()
    manifest = next(graph.subjects(MF.entries, None))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = []
        for request in Collection(graph, graph.value(action, HT.requests)):
            body = graph.value(request, HT.body)
            headers = Collection(graph, graph.value(request, HT.headers)) if graph.value(request, HT.headers) else []
            response = graph.value(request, HT.resp)
            requests.append({
                "method": str(graph.value(request, HT.methodName)),
                "path": str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                "headers": {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue)) for h in headers},
                "body": str(graph.value(body, CNT.chars)) if body else None,
                "encoding": str(graph.value(body, CNT.characterEncoding) or "UTF-8") if body else None,
                "status": {str(s).rsplit("#", 1)[1] for s in graph.objects(response, MF.expectedStatus)},
                "format": str(graph.value(response, MF.expectedFormat) or ""),
                "boolean": graph.value(response, MF.expectedBoolean),
            })
        data = {
            str(graph.value(d, RDFS.label)): Path(str(graph.value(d, UT.graph)).removeprefix("file://"))
            for d in graph.objects(entry, UT.graphData)
        }
        tests.append({"id": str(entry).rsplit("#", 1)[1], "name": str(graph.value(entry, MF.name)),
                      "requests": requests, "data": data})
    return tests


TESTS = _tests()
UPDATE_TESTS = {t["id"] for t in TESTS if t["id"].startswith("update_")}


def _app(tmp_path: Path, data: dict[str, Path], token: str) -> TestClient:
    dataset = rdflib.Dataset()
    dataset.graph(URIRef(DATA0))
    for name, path in data.items():
        dataset.graph(URIRef(name)).parse(path, format="nt")
    store = open_store("memory://")
    store.publish(dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, update_token=token)
    return TestClient(create_app(settings, Service(settings, store)))


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def _check(response, expected: dict, with_token: bool) -> None:
    where = f"{expected['method']} {expected['path']} -> {response.status_code} {response.text[:300]!r}"
    assert _status_class(response.status_code) in expected["status"], where
    if with_token and expected["status"] == {"StatusCode4xx"}:
        assert response.status_code != 403, f"refused for lack of rights, not for the fault: {where}"
    media_type = response.headers.get("content-type", "").split(";")[0]
    if expected["format"] == "boolean":
        assert media_type in BOOLEAN_TYPES, where
        if media_type == "application/sparql-results+json":
            value = json.loads(response.content)["boolean"]
        else:
            value = b"<boolean>true</boolean>" in response.content
        if expected["boolean"] is not None:
            assert value == expected["boolean"].toPython(), where
    elif expected["format"] == "tabular":
        assert media_type in TABULAR_TYPES, where
    elif expected["format"] == "RDF":
        assert media_type in RDF_TYPES, where
        rdflib.Graph().parse(data=response.content, format=RDF_TYPES[media_type])


def _replay(test: dict, client: TestClient, with_token: bool) -> None:
    for request in test["requests"]:
        headers = dict(request["headers"])
        if with_token:
            headers["Authorization"] = f"Bearer {TOKEN}"
        body = request["body"].encode(request["encoding"].lower()) if request["body"] is not None else None
        response = client.request(request["method"], request["path"], content=body, headers=headers)
        _check(response, request, with_token)


@pytest.mark.parametrize("test", TESTS, ids=[t["id"] for t in TESTS])
def test_read_only(test, tmp_path):
    if test["id"] in UPDATE_TESTS:
        pytest.skip("not applicable read-only: updates are disabled unless MDGRAPH_UPDATE_TOKEN is set (see test_with_updates)")
    _replay(test, _app(tmp_path, test["data"], token=""), with_token=False)


@pytest.mark.parametrize("test", TESTS, ids=[t["id"] for t in TESTS])
def test_with_updates(test, tmp_path):
    _replay(test, _app(tmp_path, test["data"], token=TOKEN), with_token=True)


def test_suite_is_complete():
    assert len(TESTS) == 34 and len(UPDATE_TESTS) == 7


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared folder is not beside the repository")
def test_copy_matches_shared():
    for path in SHARED.iterdir():
        assert (SUITE / path.name).read_bytes() == path.read_bytes(), path.name


def test_update_without_token_is_forbidden(tmp_path):
    client = _app(tmp_path, {}, token=TOKEN)
    response = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    wrong = client.post("/sparql", content=b"CLEAR ALL",
                        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer wrong"})
    assert wrong.status_code == 403


def test_quoted_path_is_kept():
    """The manifest's absolute paths are replayed byte for byte (only /sparql/ is rewritten)."""
    paths = [r["path"] for t in TESTS for r in t["requests"]]
    assert all(p.startswith("/sparql") for p in paths)
    assert any(quote("http://kasei.us/", safe="") in p for p in paths)
