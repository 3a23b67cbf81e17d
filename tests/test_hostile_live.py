"""Hostile queries against a real uvicorn server over the on-disk store: nothing leaves the
machine, runaway work stops at the time limit, and a crashed query worker is replaced."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mdgraph.config import Settings
from mdgraph.store import default_store_url, open_store

SRC = Path(__file__).resolve().parents[1] / "src"
TIMEOUT = 1.5
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
ALL = "(<http://x/p>|!<http://x/p>)"
RUNAWAY = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }",
    "regex on long strings": 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
                             'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), STR(?c), STR(?f)), "^(a|aa|.)*(x|y)+$")) }',
    "unbounded property paths": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {ALL}* ?o . ?x {ALL}* ?y . ?o {ALL}* ?z . ?z {ALL}* ?w . ?y {ALL}* ?v }}",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def publish_to(data_dir: Path, dataset) -> Path:
    """Publish `dataset` to the embedded on-disk store of `data_dir`, as `mdgraph build` would."""
    store = open_store(default_store_url(Settings(data_dir=data_dir)))
    try:
        store.publish(dataset)
    finally:
        store.close()
    return data_dir


def start_server(data_dir: Path, wait_healthy: bool = True, **env_extra) -> tuple[str, subprocess.Popen]:
    """`mdgraph.web.app.run` in its own process on a free loopback port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "MDGRAPH_DATA_DIR": str(data_dir),
           "MDGRAPH_QUERY_TIMEOUT": str(TIMEOUT), **env_extra}
    code = f"from mdgraph.config import Settings; from mdgraph.web.app import run; run(Settings.from_env(), '127.0.0.1', {port})"
    log = data_dir.parent / f"server-{port}.log"  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError("the server did not answer /health within 60 s")
        try:
            status = httpx.get(f"{base}/health", timeout=1).status_code
            if status == 200 or not wait_healthy:
                return base, process
        except httpx.TransportError:
            pass
        time.sleep(0.05)


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_dataset):
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    publish_to(data_dir, sample_dataset)
    base, process = start_server(data_dir, MDGRAPH_UPDATE_TOKEN="secret")
    httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=30).raise_for_status()  # workers are up
    yield base
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def listener():
    watching = Listener()
    yield watching
    watching.close()


def egress_requests(url: str) -> list[tuple[str, str]]:
    """(kind, text) requests that would make a careless endpoint fetch `url` or read a file."""
    return [
        ("query", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"),
        ("query", f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"),
        ("query", f"PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}"),
        ("query", f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"),
        ("query", f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"),
        ("query", f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        ("query", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"),
        ("query", "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }"),
        ("update", f"LOAD <{url}>"),
        ("update", f"LOAD SILENT <{url}> INTO GRAPH <https://example.org/g>"),
        ("update", "LOAD <file:///etc/passwd>"),
        ("update", f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"),
    ]


def test_nothing_is_fetched_and_no_file_is_read(server, listener):
    for kind, text in egress_requests(listener.url):
        headers = {"Content-Type": f"application/sparql-{kind}", "Authorization": "Bearer secret"}
        answer = httpx.post(f"{server}/sparql", content=text.encode(), headers=headers, timeout=10)
        assert answer.status_code == 400, (text, answer.text)
        assert "root:" not in answer.text and "Traceback" not in answer.text
    for params in ({"default-graph-uri": listener.url}, {"named-graph-uri": "file:///etc/passwd"}):
        answer = httpx.get(f"{server}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", **params}, timeout=10)
        assert answer.status_code == 400, answer.text
    assert listener.connections == 0


def test_uploaded_documents_never_fetch_or_read_files(server, listener):
    """Documents are read as text only: DTD entities, XML includes, images and links stay text."""
    hostile = {
        "entities.html": f'''<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<html><head><link rel="stylesheet" href="{listener.url}style.css"><script src="{listener.url}x.js"></script></head>
<body><p>&xxe; The IOM programme in Moldova.</p><img src="{listener.url}pixel.png">
<iframe src="file:///etc/passwd"></iframe></body></html>''',
        "entities.xml": '''<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<d xmlns:xi="http://www.w3.org/2001/XInclude">&xxe;<xi:include href="file:///etc/passwd" parse="text"/></d>''',
        "context.jsonld": f'{{"@context": "{listener.url}context.jsonld", "@id": "file:///etc/passwd"}}',
    }
    for name, text in hostile.items():
        answer = httpx.post(f"{server}/documents", files={"file": (name, text.encode())},
                            headers={"Authorization": "Bearer secret"}, timeout=60)
        assert answer.status_code < 500 and "root:x:0:0" not in answer.text, (name, answer.text)
    leak = httpx.get(f"{server}/sparql", timeout=30, params={
        "query": 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "root:x:0:0")) }'},
        headers={"Accept": "application/sparql-results+json"})
    assert leak.json()["boolean"] is False
    assert listener.connections == 0


@pytest.mark.parametrize("name", sorted(RUNAWAY))
def test_runaway_query_stops_at_the_limit_and_the_next_one_is_answered(server, name):
    answer = httpx.get(f"{server}/sparql", params={"query": RUNAWAY[name]}, timeout=60)
    assert answer.status_code == 503, answer.text
    assert "limit" in answer.text and answer.headers["Retry-After"]
    assert httpx.get(f"{server}/sparql", params={"query": LABELS}, timeout=30).status_code == 200


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "1" + " ]" * 5000 + " }",
])
def test_deep_nesting_is_refused_before_any_parser(server, text):
    answer = httpx.post(f"{server}/sparql", content=text.encode(),
                        headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert answer.status_code == 400 and "deeper than" in answer.text


def test_huge_queries_are_refused(server):
    body = ("SELECT * WHERE { ?s ?p ?o } # " + "x" * 1_100_000).encode()
    answer = httpx.post(f"{server}/sparql", content=body, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert answer.status_code == 413
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:  # httpx refuses such a URL itself
        raw.sendall(b"GET /sparql?query=" + b"x" * 1_100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        status_line = raw.recv(64)
    assert status_line == b"" or status_line.startswith(b"HTTP/1.1 4")  # refused or cut off, never served
    assert httpx.get(f"{server}/health", timeout=10).status_code == 200


def test_a_query_that_crashes_its_worker_gets_503_and_the_worker_is_replaced(server):
    """A flat 50,000-term expression overflows the engine's stack: the worker dies, not the server."""
    crasher = "SELECT * WHERE { FILTER(1" + " + 1" * 50_000 + ") }"
    answer = httpx.post(f"{server}/sparql", content=crasher.encode(),
                        headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert answer.status_code in (400, 503), answer.text
    assert "Traceback" not in answer.text
    for _ in range(3):  # every worker is still (or again) there
        assert httpx.get(f"{server}/sparql", params={"query": LABELS}, timeout=30).status_code == 200


@pytest.mark.parametrize("damage", ["dangling link", "link to a file", "not a link"])
def test_a_store_that_cannot_be_opened_answers_503_and_the_server_stays_up(tmp_path, damage):
    data_dir = tmp_path / "data"
    current = data_dir / "store" / "current"
    current.parent.mkdir(parents=True)
    if damage == "dangling link":
        current.symlink_to("versions/missing")
    elif damage == "link to a file":
        (data_dir / "store" / "junk").write_text("junk")
        current.symlink_to("junk")
    else:
        current.write_text("versions/x")
    base, process = start_server(data_dir, wait_healthy=False)
    try:
        for _ in range(3):
            health = httpx.get(f"{base}/health", timeout=30)
            assert health.status_code == 503 and health.json()["detail"]
            query = httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30)
            assert query.status_code == 503 and "Traceback" not in query.text, query.text
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(10)


def test_beyond_capacity_queries_are_shed_with_503_and_retry_after(tmp_path, sample_dataset):
    data_dir = tmp_path / "data"
    publish_to(data_dir, sample_dataset)
    base, process = start_server(data_dir, MDGRAPH_MAX_PENDING_QUERIES="1")
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(
                lambda _: httpx.get(f"{base}/sparql", params={"query": RUNAWAY["cartesian product"]}, timeout=60),
                range(8)))
        busy = [a for a in answers if a.status_code == 503 and "busy" in a.text]
        assert busy and all(a.headers["Retry-After"] == "1" for a in busy)
        assert all(a.status_code == 503 for a in answers)  # the rest hit the time limit
        assert httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(10)
