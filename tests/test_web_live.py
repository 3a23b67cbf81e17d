"""A real uvicorn server over the on-disk store, for what depends on real HTTP and processes:
query time limits, concurrency, and standard SPARQL clients."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from test_hostile_live import publish_to

SRC = Path(__file__).resolve().parents[1] / "src"
TIMEOUT = 2.0
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?s ?label WHERE { ?s rdfs:label ?label }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _query_workers(pid: int) -> set[int]:
    """The server's query worker processes (its children running mdgraph.store.pool), from /proc."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(c) for c in (task / "children").read_text().split()}
    workers = set()
    for child in children:
        try:
            if b"mdgraph.store.pool" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(child)
        except FileNotFoundError:
            continue
    return workers


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_dataset):
    """`mdgraph.web.app.run` in its own process on a free loopback port, over a published graph."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs Linux /proc to watch the query workers")
    data_dir = tmp_path_factory.mktemp("live")
    publish_to(data_dir, sample_dataset)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(SRC), "MDGRAPH_DATA_DIR": str(data_dir),
           "MDGRAPH_QUERY_TIMEOUT": str(TIMEOUT)}
    code = f"from mdgraph.config import Settings; from mdgraph.web.app import run; run(Settings.from_env(), '127.0.0.1', {port})"
    log = data_dir / "server.log"  # a file, not a pipe: a full pipe would block the server's logging
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not become healthy within 60 s")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=30).raise_for_status()  # workers are up
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(15)


def test_runaway_query_is_stopped_while_others_are_answered(server):
    base, pid = server
    workers_before = _query_workers(pid)
    assert workers_before
    outcome: dict = {}
    done = threading.Event()

    def runaway():
        started = time.perf_counter()
        outcome["response"] = httpx.get(f"{base}/sparql", params={"query": RUNAWAY}, timeout=60)
        outcome["seconds"] = time.perf_counter() - started
        done.set()

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # let the runaway reach a worker
    started = time.perf_counter()
    health = httpx.get(f"{base}/health", timeout=10)
    small = httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=10)
    answered_in = time.perf_counter() - started
    assert not done.is_set(), "the other requests were answered only after the runaway query ended"
    assert health.status_code == 200 and small.status_code == 200, small.text
    thread.join()
    response = outcome["response"]
    assert response.status_code == 503 and "limit" in response.text
    print(f"\nhealth + small query answered in {answered_in * 1000:.0f} ms during the runaway; "
          f"runaway answered 503 after {outcome['seconds']:.2f} s (limit {TIMEOUT} s)")
    # the worker that ran it was killed and replaced
    for _ in range(200):
        workers_after = _query_workers(pid)
        if len(workers_after) == len(workers_before) and workers_after != workers_before:
            break
        time.sleep(0.05)
    assert workers_after != workers_before and len(workers_after) == len(workers_before)
    assert httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=10).status_code == 200


def test_concurrent_queries(server):
    base, _ = server
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30), range(16)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1


def test_standard_clients_agree(server):
    base, _ = server
    endpoint = f"{base}/sparql"
    raw = httpx.get(endpoint, params={"query": LABELS}, headers={"Accept": "application/sparql-results+json"}).json()
    by_httpx = {(b["s"]["value"], b["label"]["value"]) for b in raw["results"]["bindings"]}

    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(LABELS)
    wrapper.setReturnFormat(JSON)
    converted = wrapper.query().convert()
    by_sparqlwrapper = {(b["s"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]}

    graph = rdflib.Graph(SPARQLStore(endpoint))
    by_rdflib = {(str(s), str(label)) for s, label in graph.query(LABELS)}

    post = SPARQLWrapper(endpoint)
    post.setQuery(LABELS)
    post.setMethod("POST")
    post.setReturnFormat(JSON)
    by_post = {(b["s"]["value"], b["label"]["value"]) for b in post.query().convert()["results"]["bindings"]}

    assert by_httpx and by_httpx == by_sparqlwrapper == by_rdflib == by_post


def test_downloads_stream_and_a_client_may_hang_up(server):
    """Downloads are sent in chunks as they are rendered; a client that leaves after the first
    bytes leaves the server answering, and the next downloads come whole."""
    base, _ = server
    for path in ("/3w.csv", "/programmes.json", "/3w.json?role=implementer"):
        with httpx.stream("GET", base + path, timeout=30) as answer:
            assert answer.status_code == 200 and answer.headers["transfer-encoding"] == "chunked"
            assert next(answer.iter_bytes())
    listed = httpx.get(f"{base}/programmes.json", timeout=30).json()
    assert listed["count"] == len(listed["programmes"]) > 0
    lines = httpx.get(f"{base}/3w.csv", timeout=30).text.splitlines()
    assert lines[0].startswith("organisation,") and len(lines) > 1
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200
